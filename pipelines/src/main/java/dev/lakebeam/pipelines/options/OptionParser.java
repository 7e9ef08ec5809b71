package dev.lakebeam.pipelines.options;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.sdk.io.aws2.options.AwsOptions;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.ApplicationNameOptions;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Turns a command's arguments and a runner profile into its {@link PipelineOptions}: profile values
 * first, command-line values over them. Options a command does not know are refused with the list
 * of valid ones (and the nearest name, for typos).
 */
public final class OptionParser {
  static {
    // So that every profile key, of whichever command, is a known option to Beam. S3Options is
    // not in the aws2 module's registrar, but its options (--SSEAlgorithm, --s3ClientFactoryClass,
    // ...) belong on the command line and in the EMR profiles.
    for (Class<? extends PipelineOptions> c :
        List.of(
            BackfillOptions.class,
            StreamOptions.class,
            GenerateOptions.class,
            DdlOptions.class,
            SeedRdsOptions.class,
            TrainModelOptions.class,
            QueryOptions.class,
            ReportOptions.class,
            ReplayOptions.class,
            BenchOptions.class,
            S3Options.class)) {
      PipelineOptionsFactory.register(c);
    }
  }

  /** The result: the options, and the profile they started from. */
  public record Parsed(
      PipelineOptions options,
      Profiles.Profile profile,
      Map<String, String> values,
      List<String> arguments) {}

  private final Profiles profiles;

  public OptionParser(Profiles profiles) {
    this.profiles = profiles;
  }

  public Parsed parse(Command command, List<String> args) {
    Map<String, String> cli = new LinkedHashMap<>();
    String profileName = Profiles.DEFAULT_PROFILE;
    List<String> arguments = new ArrayList<>();
    for (String arg : args) {
      if (command.argument() != null && !arg.startsWith("--")) {
        arguments.add(arg);
        continue;
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new UsageException("'" + arg + "' is not an option; options look like --name=value");
      }
      int eq = arg.indexOf('=');
      String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      String value = eq < 0 ? "true" : arg.substring(eq + 1);
      if (name.equals("profile")) {
        profileName = value;
        continue;
      }
      if (cli.containsKey(name)) {
        throw new UsageException("--" + name + " is given twice");
      }
      cli.put(name, value);
    }
    Set<String> allowed = allowed(command);
    for (String name : cli.keySet()) {
      if (!allowed.contains(name)) {
        throw new UsageException(unknown(command, name, allowed));
      }
    }
    Profiles.Profile profile;
    try {
      profile = profiles.load(profileName);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage(), e);
    }
    Map<String, String> merged = new LinkedHashMap<>();
    profile
        .options()
        .forEach(
            (k, v) -> {
              if (command.runsPipeline() || allowed.contains(k)) {
                merged.put(k, v);
              }
            });
    merged.putAll(cli);
    List<String> beamArgs = new ArrayList<>();
    merged.forEach((k, v) -> beamArgs.add("--" + k + "=" + v));
    try {
      PipelineOptions options =
          PipelineOptionsFactory.fromArgs(beamArgs.toArray(String[]::new))
              .withValidation()
              .as(command.optionsClass());
      if (command.runsPipeline()) {
        useEveryCoreOnLocalFlink(options);
        if (!merged.containsKey("appName")) {
          // Flink's job name (and Beam's default job name) start with this, not with the class
          // that happened to create the options.
          options.as(ApplicationNameOptions.class).setAppName("lakebeam-" + command.cliName());
        }
      }
      return new Parsed(options, profile, merged, List.copyOf(arguments));
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          "bad options for "
              + command.cliName()
              + " (profile "
              + profile.name()
              + "): "
              + withoutValues(command, merged, e),
          e);
    }
  }

  /**
   * What was wrong, without repeating any option's value (a malformed credentials option would
   * otherwise be printed back with its secret): the option whose value Beam could not take, found
   * by parsing the options one at a time, or else Beam's message with every value masked.
   */
  static String withoutValues(
      Command command, Map<String, String> merged, IllegalArgumentException e) {
    for (Map.Entry<String, String> kv : merged.entrySet()) {
      try {
        PipelineOptionsFactory.fromArgs("--" + kv.getKey() + "=" + kv.getValue())
            .as(command.optionsClass());
      } catch (IllegalArgumentException one) {
        return "--"
            + kv.getKey()
            + " has a value that is not valid for it (values are not repeated here; "
            + "'java -jar lakebeam.jar "
            + command.cliName()
            + " --help' says what it takes)";
      }
    }
    String message = String.valueOf(e.getMessage());
    for (String v : merged.values()) {
      if (v.length() >= 3) {
        message = message.replace(v, "***");
      }
    }
    return message;
  }

  /**
   * On Flink's embedded [local] cluster a parallelism of -1 ("the environment's default") runs
   * every operator with one subtask, since Beam's local environment defaults to 1: it becomes one
   * subtask per core here, which is what the local profiles promise.
   */
  static void useEveryCoreOnLocalFlink(PipelineOptions options) {
    if (!options.getRunner().getSimpleName().equals("FlinkRunner")) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if ("[local]".equals(flink.getFlinkMaster())
        && (flink.getParallelism() == null || flink.getParallelism() <= 0)) {
      flink.setParallelism(Runtime.getRuntime().availableProcessors());
    }
  }

  /** Option names a command accepts on its command line. */
  public static Set<String> allowed(Command command) {
    Set<String> names = new TreeSet<>();
    if (command.runsPipeline()) {
      names.addAll(OptionSpec.registeredPropertyNames());
      names.addAll(OptionSpec.propertyNames(command.optionsClass()));
    } else {
      OptionSpec.ownOptions(command.optionsClass()).forEach(o -> names.add(o.name()));
      if (AwsOptions.class.isAssignableFrom(command.optionsClass())) {
        names.addAll(OptionSpec.propertyNames(AwsOptions.class));
      }
      if (S3Options.class.isAssignableFrom(
          command.optionsClass())) { // a command that writes s3:// itself
        names.addAll(OptionSpec.propertyNames(S3Options.class));
      }
    }
    names.removeAll(command.unread());
    return names;
  }

  /** One option: its name, then its text wrapped in the description column. */
  static void printWrapped(PrintStream s, String name, List<String> words) {
    StringBuilder line = new StringBuilder(name);
    if (line.length() >= NAME_COLUMN - 1) {
      s.println(line);
      line.setLength(0);
    }
    line.append(" ".repeat(NAME_COLUMN - line.length()));
    int start = line.length();
    for (String word : words) {
      if (line.length() > start && line.length() + 1 + word.length() > HELP_WIDTH) {
        s.println(line);
        line.setLength(0);
        line.append(" ".repeat(NAME_COLUMN));
      } else if (line.length() > start) {
        line.append(' ');
      }
      line.append(word);
    }
    s.println(line);
  }

  private static String unknown(Command command, String name, Set<String> allowed) {
    String own =
        String.join(
            ", ",
            OptionSpec.ownOptions(command.optionsClass()).stream()
                .filter(o -> !command.unread().contains(o.name()))
                .map(o -> "--" + o.name())
                .toList());
    String nearest =
        allowed.stream()
            .min(Comparator.comparingInt(a -> distance(a.toLowerCase(), name.toLowerCase())))
            .filter(
                a ->
                    distance(a.toLowerCase(), name.toLowerCase()) <= Math.max(2, name.length() / 3))
            .map(a -> " (did you mean --" + a + "?)")
            .orElse("");
    return "unknown option --"
        + name
        + " for "
        + command.cliName()
        + nearest
        + "; valid options: "
        + (own.isEmpty() ? "none" : own)
        + (command.runsPipeline()
            ? ", --profile, and the runner options (--runner, --parallelism, ...)"
            : ", --profile");
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** The command list for --help. */
  public static void printCommands(PrintStream s) {
    Command.printList(s);
  }

  /** Width of --help's lines; descriptions wrap under their column. */
  public static final int HELP_WIDTH = 100;

  private static final int NAME_COLUMN = 24;

  /**
   * A command's own options with their descriptions and defaults: the required ones first, then one
   * heading per group (where, what, checks, ...), wrapped to {@value #HELP_WIDTH} columns.
   */
  public static void printHelp(Command command, PrintStream s) {
    StringBuilder usage = new StringBuilder("Usage: java -jar lakebeam.jar " + command.cliName());
    command.required().forEach(r -> usage.append(" --").append(r).append("=..."));
    usage.append(" [--profile=NAME] [--option=value ...]");
    if (command.argument() != null) {
      usage.append(' ').append(command.argument());
    }
    s.println(usage);
    s.println();
    StringBuilder about = new StringBuilder();
    for (String word : command.description().split(" ")) {
      if (about.length() > 0 && about.length() + 1 + word.length() > HELP_WIDTH) {
        s.println(about);
        about.setLength(0);
      }
      about.append(about.length() > 0 ? " " : "").append(word);
    }
    s.println(about);
    List<OptionSpec.Option> options =
        OptionSpec.ownOptions(command.optionsClass()).stream()
            .filter(o -> !command.unread().contains(o.name()))
            .toList();
    Map<String, List<OptionSpec.Option>> groups = new LinkedHashMap<>();
    groups.put("Required", new ArrayList<>());
    for (String g : OptionGroup.ORDER) {
      groups.put(g, new ArrayList<>());
    }
    for (OptionSpec.Option o : options) {
      if (!o.group().equals("Run")) {
        groups
            .computeIfAbsent(
                command.required().contains(o.name()) ? "Required" : o.group(),
                k -> new ArrayList<>())
            .add(o);
      }
    }
    List<OptionSpec.Option> run =
        new ArrayList<>(options.stream().filter(o -> o.group().equals("Run")).toList());
    run.add(
        new OptionSpec.Option(
            "profile", "runner profile to start from", Profiles.DEFAULT_PROFILE, "Run"));
    groups.put("Run", run);
    List<String> order = new ArrayList<>(groups.keySet());
    for (String g : order) {
      if (groups.get(g).isEmpty()) {
        continue;
      }
      s.println();
      s.println(g + ":");
      for (OptionSpec.Option o : groups.get(g)) {
        List<String> words = new ArrayList<>(List.of(o.description().split("\\s+")));
        if (o.defaultValue() != null) {
          words.add("[default: " + o.defaultValue() + "]"); // kept on one line
        }
        printWrapped(s, "  --" + o.name(), words);
      }
    }
    if (!command.runsPipeline() && AwsOptions.class.isAssignableFrom(command.optionsClass())) {
      s.println();
      s.println("Beam's AWS options choose the account or an emulator: --awsRegion, --endpoint,");
      s.println(
          "--awsCredentialsProvider (JSON, e.g. {\"@type\":\"StaticCredentialsProvider\",...}),");
      s.println("--clientBuilderFactory.");
    }
    if (command.runsPipeline()) {
      s.println();
      s.println("Beam runner options are accepted too (--runner, --parallelism, --flinkMaster,");
      s.println("--awsRegion, --endpoint, ...); the profile sets the usual ones.");
    }
  }
}
