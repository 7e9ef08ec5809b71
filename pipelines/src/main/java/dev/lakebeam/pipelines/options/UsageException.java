package dev.lakebeam.pipelines.options;

/** Bad usage: an unknown command, option or value. The CLI exits 2 with the message. */
public class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }

  public UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
