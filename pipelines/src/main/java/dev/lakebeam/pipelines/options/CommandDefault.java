package dev.lakebeam.pipelines.options;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The default of a property that two commands share with different defaults (generate's and bench's
 * {@code --orders}). Beam requires every getter of one property to carry the same {@code @Default},
 * so such a getter carries none; the command applies this value when the option is absent, and
 * {@code --help} shows it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface CommandDefault {
  String value();
}
