package dev.lakebeam.pipelines.options;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The heading an option is listed under in {@code --help}: on an options interface for all its
 * options, or on one getter to place it elsewhere.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface OptionGroup {
  String value();

  /** Headings in the order --help shows them; others follow, then "Run". */
  String[] ORDER = {
    "Input",
    "Database source",
    "Kinesis streams",
    "What to build",
    "Windows",
    "Raw delivery",
    "Checks and guards",
    "Serving",
    "Lake and zones",
    "PII tokens"
  };
}
