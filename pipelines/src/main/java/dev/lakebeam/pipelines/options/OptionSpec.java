package dev.lakebeam.pipelines.options;

import java.beans.Introspector;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/** The options a command accepts, read from its {@link PipelineOptions} interface. */
public final class OptionSpec {
  /** One option: name (without --), description, default (or null), and its --help heading. */
  public record Option(String name, String description, String defaultValue, String group) {}

  private OptionSpec() {}

  /** Every property of the interface and its super-interfaces, in declaration order. */
  public static Set<String> propertyNames(Class<? extends PipelineOptions> iface) {
    Set<String> names = new LinkedHashSet<>();
    for (Method m : iface.getMethods()) {
      String p = property(m);
      if (p != null) {
        names.add(p);
      }
    }
    return names;
  }

  /** Properties of every options interface Beam knows (runner, Flink, AWS, ...), plus ours. */
  public static Set<String> registeredPropertyNames() {
    Set<String> names = new LinkedHashSet<>();
    for (Class<? extends PipelineOptions> c : PipelineOptionsFactory.getRegisteredOptions()) {
      names.addAll(propertyNames(c));
    }
    return names;
  }

  /** The options declared by lakebeam's own interfaces (not Beam's), for --help. */
  public static List<Option> ownOptions(Class<? extends PipelineOptions> iface) {
    List<Option> out = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    List<Method> methods = new ArrayList<>(List.of(iface.getMethods()));
    methods.sort(Comparator.comparing(Method::getName));
    for (Method m : methods) {
      String p = property(m);
      if (p == null
          || !m.getDeclaringClass().getName().startsWith("dev.lakebeam.")
          || !seen.add(p)) {
        continue;
      }
      Description d = m.getAnnotation(Description.class);
      out.add(new Option(p, d == null ? "" : d.value(), defaultOf(m), groupOf(m)));
    }
    return out;
  }

  private static String groupOf(Method m) {
    OptionGroup own = m.getAnnotation(OptionGroup.class);
    OptionGroup type = m.getDeclaringClass().getAnnotation(OptionGroup.class);
    return own != null ? own.value() : type != null ? type.value() : "Options";
  }

  private static String defaultOf(Method m) {
    if (m.getAnnotation(CommandDefault.class) != null) {
      return m.getAnnotation(CommandDefault.class).value();
    }
    if (m.getAnnotation(Default.String.class) != null) {
      return m.getAnnotation(Default.String.class).value();
    }
    if (m.getAnnotation(Default.Integer.class) != null) {
      return String.valueOf(m.getAnnotation(Default.Integer.class).value());
    }
    if (m.getAnnotation(Default.Long.class) != null) {
      return String.valueOf(m.getAnnotation(Default.Long.class).value());
    }
    if (m.getAnnotation(Default.Boolean.class) != null) {
      return String.valueOf(m.getAnnotation(Default.Boolean.class).value());
    }
    if (m.getAnnotation(Default.Double.class) != null) {
      return String.valueOf(m.getAnnotation(Default.Double.class).value());
    }
    return null;
  }

  private static String property(Method m) {
    if (m.getParameterCount() != 0 || m.isDefault() || Modifier.isStatic(m.getModifiers())) {
      return null;
    }
    String n = m.getName();
    if (n.startsWith("get") && n.length() > 3) {
      return Introspector.decapitalize(n.substring(3));
    }
    if (n.startsWith("is")
        && n.length() > 2
        && (m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class)) {
      return Introspector.decapitalize(n.substring(2));
    }
    return null;
  }
}
