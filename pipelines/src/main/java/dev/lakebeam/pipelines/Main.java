package dev.lakebeam.pipelines;

import dev.lakebeam.pipelines.cli.Commands;
import dev.lakebeam.pipelines.options.Command;
import dev.lakebeam.pipelines.options.OptionParser;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.pipelines.options.UsageException;
import dev.lakebeam.pipelines.run.BuildInfo;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The command line: {@code java -jar lakebeam.jar <command> [--profile=NAME] [--option=value ...]}.
 *
 * <p>Exit codes: 0 success, 2 bad usage (the message says what is valid), 1 a failed run (the
 * message gives the cause).
 */
public final class Main {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  private final PrintStream out;
  private final PrintStream err;
  private final Profiles profiles;

  public Main(PrintStream out, PrintStream err, Profiles profiles) {
    this.out = out;
    this.err = err;
    this.profiles = profiles;
  }

  public static void main(String[] args) {
    if ("1".equals(System.getenv("LAKEBEAM_DEBUG"))
        && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty(
          "org.slf4j.simpleLogger.defaultLogLevel", "warn"); // libraries' warnings too
    }
    System.exit(new Main(System.out, System.err, Profiles.standard()).run(args));
  }

  /** Runs one command line and returns the exit code; never calls System.exit. */
  public int run(String... args) {
    if (args.length == 0) {
      usage(err);
      return USAGE;
    }
    if (List.of("--help", "-h", "help").contains(args[0])) {
      usage(out);
      return OK;
    }
    if (List.of("--version", "-V", "version").contains(args[0])) {
      out.println(BuildInfo.current().line());
      return OK;
    }
    Command command = null;
    try {
      command =
          Command.find(args[0])
              .orElseThrow(
                  () ->
                      new UsageException(
                          "unknown command '" + args[0] + "'; valid commands: " + commandNames()));
      List<String> rest = Arrays.asList(args).subList(1, args.length);
      if (rest.contains("--help") || rest.contains("-h")) {
        OptionParser.printHelp(command, out);
        return OK;
      }
      OptionParser.Parsed parsed = new OptionParser(profiles).parse(command, rest);
      return Commands.run(command, parsed, Main.class.getName(), out, err);
    } catch (UsageException e) {
      err.println("lakebeam: " + e.getMessage());
      err.println(
          "Run 'java -jar lakebeam.jar "
              + (command == null ? "--help" : command.cliName() + " --help")
              + "' for what is valid.");
      return USAGE;
    } catch (Exception | Error e) {
      err.println(
          "lakebeam " + (command == null ? "" : command.cliName() + " ") + "failed: " + causes(e));
      if (Boolean.getBoolean("lakebeam.stacktrace")
          || "1".equals(System.getenv("LAKEBEAM_DEBUG"))) {
        e.printStackTrace(err);
      } else {
        err.println("(set LAKEBEAM_DEBUG=1 for the stack trace)");
      }
      return FAILED;
    }
  }

  /** The chain of causes, each message once: what a user needs to fix the problem. */
  static String causes(Throwable e) {
    StringBuilder sb = new StringBuilder();
    String last = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (last != null && last.contains(m)) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append("\n  caused by: ");
      }
      sb.append(m);
      last = m;
    }
    for (Throwable also : e.getSuppressed()) {
      sb.append("\n  also: ").append(also.getMessage());
    }
    return sb.toString();
  }

  private static String commandNames() {
    return String.join(", ", Arrays.stream(Command.values()).map(Command::cliName).toList());
  }

  private void usage(PrintStream s) {
    s.println(
        "lakebeam: Beam pipelines for the grocer's data lake (raw -> clean -> curated -> consumption)");
    s.println(BuildInfo.current().line());
    s.println();
    s.println("Usage: java -jar lakebeam.jar <command> [--profile=NAME] [--option=value ...]");
    s.println();
    s.println("Commands:");
    OptionParser.printCommands(s);
    s.println();
    s.println(
        "Profiles (--profile, default "
            + Profiles.DEFAULT_PROFILE
            + "): "
            + String.join(", ", profiles.names()));
    s.println(
        "Options on the command line override the profile's. 'lakebeam.jar <command> --help' lists a command's options;");
    s.println("'lakebeam.jar --version' prints the version.");
  }
}
