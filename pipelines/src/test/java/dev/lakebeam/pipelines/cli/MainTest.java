package dev.lakebeam.pipelines.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.lakebeam.pipelines.Main;
import dev.lakebeam.pipelines.options.Command;
import dev.lakebeam.pipelines.options.OptionParser;
import dev.lakebeam.pipelines.options.Profiles;
import dev.lakebeam.schemas.AthenaDdl;
import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.schemas.LakeSchemas;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.hamcrest.Matchers;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class MainTest {
  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    return new Main(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new Profiles(List.of(Path.of("..", "runner-profiles"))))
        .run(args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  public void helpListsEveryCommand() {
    assertEquals(0, run("--help"));
    for (Command c : Command.values()) {
      assertThat(out(), containsString("  " + c.cliName() + " "));
    }
  }

  @Test
  public void versionNamesTheBuildTheCommitAndBeam() {
    assertEquals(0, run("--version"));
    assertThat(
        out(),
        Matchers.matchesPattern(
            "lakebeam 0\\.1\\.0-SNAPSHOT \\(commit ([0-9a-f]{7,}|unknown)(, with uncommitted changes)?, Apache Beam 2\\.70\\.0\\)\\R"));
    assertEquals(0, run("--help"));
    assertThat(out(), containsString("(commit "));
  }

  @Test
  public void noArgumentsIsBadUsage() {
    assertEquals(2, run());
    assertThat(err(), containsString("Usage:"));
  }

  @Test
  public void unknownCommandExits2AndListsTheValidOnes() {
    assertEquals(2, run("backfil"));
    assertThat(
        err(),
        containsString("unknown command 'backfil'; valid commands: backfill, stream, generate"));
  }

  @Test
  public void unknownOptionExits2WithTheNearestAndTheValidOnes() {
    assertEquals(2, run("generate", "--ordrs=10"));
    assertThat(
        err(), containsString("unknown option --ordrs for generate (did you mean --orders?)"));
    assertThat(err(), containsString("--seed"));
  }

  @Test
  public void runnerOptionsAreNotOptionsOfUtilityCommands() {
    assertEquals(2, run("ddl", "--runner=FlinkRunner"));
    assertThat(err(), containsString("unknown option --runner for ddl"));
  }

  @Test
  public void zonesMustBeConsecutiveAndKnown() throws Exception {
    String lake = "--lake=" + tmp.newFolder("lake").toURI();
    String[][] cases = {
      {"--zones=raw", "raw and clean go together"},
      {"--zones=clean,consumption", "consecutive zones of raw,clean,curated,consumption"},
      {"--zones=raw,clean,gold", "'gold' is none of them"},
      {"--topN=0", "--topN must be at least 1"},
      {
        "--zones=raw,clean",
        "--serveJdbc=jdbc:postgresql://127.0.0.1/x",
        "add consumption to --zones"
      },
      {"--zones=curated,consumption", "no orders in "},
      {"--zones=consumption", "no order_lines_enriched in "},
      {
        "--zones=consumption",
        "--reorderModel=/no/such/model.json",
        "--reorderModel /no/such/model.json is not a file"
      },
    };
    for (String[] c : cases) {
      out.reset();
      err.reset();
      List<String> args = new ArrayList<>(List.of("backfill", "--profile=direct", lake));
      args.addAll(List.of(c).subList(0, c.length - 1));
      assertEquals(String.join(" ", c) + ": " + err(), 2, run(args.toArray(String[]::new)));
      assertThat(err(), containsString(c[c.length - 1]));
    }
    // The lake is Java's file:/x form of a URI: nothing may land in a relative folder named
    // "file:".
    assertFalse(Files.exists(Path.of("file:")));
  }

  @Test
  public void badValuesExit2() {
    assertEquals(2, run("generate", "--orders=many"));
    assertThat(err(), containsString("bad options for generate"));
    assertEquals(2, run("generate", "--orders=0", "--out=" + tmp.getRoot()));
    assertThat(err(), containsString("--orders must be at least 1"));
    assertEquals(2, run("generate", "--asOf=2025-02-30", "--out=" + tmp.getRoot()));
    assertThat(err(), containsString("--asOf must be a date"));
    assertEquals(2, run("generate", "positional"));
    assertEquals(2, run("ddl", "--profile=nope"));
    assertThat(err(), containsString("unknown profile 'nope'"));
    assertEquals(2, run("ddl", "--database=Bad-Name"));
  }

  @Test
  public void commandHelpListsItsOptionsWithDefaults() {
    assertEquals(0, run("generate", "--help"));
    assertThat(out(), containsString("--orders"));
    assertThat(out(), containsString("[default: 3000]"));
    assertEquals(0, run("backfill", "--help"));
    assertThat(out(), containsString("--cleanZone"));
  }

  @Test
  public void ddlPrintsATableForEveryDatasetAtTheGivenZones() {
    assertEquals(0, run("ddl", "--lake=s3://bucket/lake", "--curatedZone=s3://other/cur"));
    for (Dataset d : Dataset.values()) {
      assertThat(out(), containsString("`lakebeam`.`" + AthenaDdl.tableName(d) + "`"));
    }
    assertThat(out(), containsString("LOCATION 's3://bucket/lake/clean/orders/'"));
    assertThat(out(), containsString("LOCATION 's3://other/cur/order_lines_enriched/'"));
    assertThat(out(), not(containsString("-- note:")));
  }

  @Test
  public void ddlOutWritesOneStatementPerFileInTheOrderAthenaRunsThem() throws Exception {
    Path dir = tmp.getRoot().toPath().resolve("ddl");
    assertEquals(0, run("ddl", "--lake=s3://bucket/lake", "--out=" + dir));
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.sorted().toList();
    }
    assertEquals(1 + Dataset.values().length, files.size());
    assertEquals("00_database.sql", files.get(0).getFileName().toString());
    assertThat(
        Files.readString(files.get(0)),
        containsString("CREATE DATABASE IF NOT EXISTS `lakebeam`;"));
    for (int i = 1; i < files.size(); i++) {
      Dataset d = Dataset.values()[i - 1];
      String sql = Files.readString(files.get(i));
      assertThat(
          files.get(i).getFileName().toString(),
          Matchers.endsWith("_" + AthenaDdl.tableName(d) + ".sql"));
      assertTrue(
          sql,
          sql.startsWith(
              "CREATE EXTERNAL TABLE IF NOT EXISTS `lakebeam`.`" + AthenaDdl.tableName(d) + "`"));
      assertEquals("one statement per file: " + sql, 1, sql.split("CREATE ", -1).length - 1);
      assertTrue(sql, sql.trim().endsWith(");"));
    }
    assertThat(out(), containsString("ddl: " + files.size() + " statements, one per file"));
    Path file = tmp.newFile("not-a-folder").toPath();
    assertEquals(2, run("ddl", "--out=" + file));
    assertThat(err(), containsString("--out must be a folder"));
  }

  @Test
  public void queryRefusesBadUsageWithExitTwoAndRunsOverAnEmptyLake() throws Exception {
    Path lake = tmp.newFolder("lake").toPath();
    Files.createDirectories(lake.resolve("clean"));
    String at = "--lake=" + lake.toUri();
    assertEquals(2, run("query", at));
    assertThat(err(), containsString("query needs one SQL statement"));
    assertEquals(2, run("query", at, "SELECT 1", "SELECT 2"));
    assertThat(err(), containsString("in one argument (quote it), got 2"));
    assertEquals(2, run("query", at, "--tables", "SELECT 1"));
    assertThat(err(), containsString("--tables takes no SQL"));
    assertEquals(2, run("query", at, "--format=xml", "SELECT 1"));
    assertThat(err(), containsString("--format takes table, csv or json, was 'xml'"));
    assertEquals(2, run("query", at, " "));
    assertEquals(2, run("query", "--lake=s3://bucket/lake", "SELECT 1"));
    assertThat(
        err(),
        containsString("query reads a lake on this machine (file://), not s3://bucket/lake/clean"));
    assertEquals(2, run("query", "--lake=" + lake.resolve("nowhere").toUri(), "SELECT 1"));
    assertThat(err(), containsString("no lake here"));
    assertEquals(2, run("generate", "SELECT 1"));
    assertThat(err(), containsString("'SELECT 1' is not an option"));

    assertEquals(
        "a SQL error is a failed run, with DuckDB's message",
        1,
        run("query", at, "SELECT nope FROM clean_ordrs"));
    assertThat(err(), containsString("clean_ordrs"));
    out.reset();
    assertEquals(
        err(),
        0,
        run(
            "query",
            at,
            "--format=csv",
            "SELECT count(*) AS n, max(order_ts) AS latest FROM lakebeam.clean_orders"));
    assertEquals("n,latest\r\n0,\r\n", out());
    out.reset();
    assertEquals(
        0,
        run(
            "query",
            at,
            "SELECT 'a,b' AS x, 2.50 AS y, CAST(NULL AS VARCHAR) AS z, TIMESTAMP '2025-06-29 10:00:00' AS t"));
    assertEquals(
        String.join(
            "\n",
            "x   |    y | z    | t",
            "----+------+------+--------------------",
            "a,b | 2.50 | NULL | 2025-06-29 10:00:00",
            "(1 row)",
            ""),
        out());
    out.reset();
    assertEquals(0, run("query", at, "--format=csv", "SELECT 'a,\"b' AS x, 'line\nbreak' AS y"));
    assertEquals("x,y\r\n\"a,\"\"b\",\"line\nbreak\"\r\n", out());
    out.reset();
    assertEquals(
        0,
        run(
            "query",
            at,
            "--format=json",
            "SELECT 1 AS i, 2.5::DOUBLE AS d, 'q\"' AS s, true AS b, NULL AS n"));
    assertEquals("{\"i\":1,\"d\":2.5,\"s\":\"q\\\"\",\"b\":true,\"n\":null}\n", out());
  }

  @Test
  public void queryReadsARenamedColumnFromFilesOfTheOlderSchemaUnderItsNewName() throws Exception {
    // click_sessions v1 spelled session_start/session_end as start/end (aliases in v2).
    List<Schema> versions = LakeSchemas.versions(Dataset.CLICK_SESSIONS.schemaPath());
    Path lake = tmp.newFolder("sessions-lake").toPath();
    Path day = lake.resolve("consumption/click_sessions/year=2025/month=06/day=29");
    Files.createDirectories(day);
    long t = Instant.parse("2025-06-29T10:00:00Z").toEpochMilli();
    for (int v = 0; v < 2; v++) {
      Schema schema = versions.get(v);
      GenericRecord r = new GenericData.Record(schema);
      for (Schema.Field f : schema.getFields()) {
        r.put(
            f.name(),
            switch (f.name()) {
              case "session_id" -> "s" + (v + 1);
              case "start", "session_start" -> t + v * 60_000L;
              case "end", "session_end" -> t + v * 60_000L + 5_000L;
              case "duration_seconds" -> 5L;
              case "converted" -> false;
              default -> f.schema().getType() == Schema.Type.INT ? 1 : null;
            });
      }
      try (ParquetWriter<GenericRecord> w =
          AvroParquetWriter.<GenericRecord>builder(
                  new LocalOutputFile(day.resolve("part-v" + (v + 1) + ".parquet")))
              .withSchema(schema)
              .build()) {
        w.write(r);
      }
    }
    assertEquals(
        err(),
        0,
        run(
            "query",
            "--lake=" + lake.toUri(),
            "--format=csv",
            "SELECT session_id, session_start, session_end, day FROM consumption_click_sessions ORDER BY 1"));
    assertEquals(
        "session_id,session_start,session_end,day\r\n"
            + "s1,2025-06-29 10:00:00,2025-06-29 10:00:05,29\r\n"
            + "s2,2025-06-29 10:01:00,2025-06-29 10:01:05,29\r\n",
        out());
  }

  @Test
  public void helpIsWrappedGroupedWithTheRequiredFirstAndListsOnlyWhatTheCommandReads() {
    for (Command c : Command.values()) {
      out.reset();
      assertEquals(0, run(c.cliName(), "--help"));
      for (String line : out().split("\n")) {
        assertTrue(
            c.cliName() + ": a line over " + OptionParser.HELP_WIDTH + " columns: " + line,
            line.length() <= OptionParser.HELP_WIDTH || line.matches("\\s*\\S+"));
      }
      assertThat(out(), containsString("\nRun:\n"));
    }
    out.reset();
    assertEquals(0, run("seed-rds", "--help"));
    String help = out();
    assertThat(help, containsString("Usage: java -jar lakebeam.jar seed-rds --jdbcUrl=..."));
    assertTrue(help, help.indexOf("Required:\n  --jdbcUrl") < help.indexOf("Database source:"));
    out.reset();
    assertEquals(0, run("backfill", "--help"));
    help = out();
    List<String> headings = help.lines().filter(l -> l.matches("[A-Z][A-Za-z ]+:")).toList();
    assertEquals(
        List.of(
            "Input:",
            "Database source:",
            "What to build:",
            "Checks and guards:",
            "Serving:",
            "Lake and zones:",
            "PII tokens:",
            "Run:"),
        headings);
    assertThat(
        help, containsString("  --futureToleranceMinutes\n                        Event times"));
    out.reset();
    assertEquals(0, run("query", "--help"));
    assertThat(out(), not(containsString("--rawZone")));
    assertEquals("ddl and query never read the raw zone", 2, run("ddl", "--rawZone=file:///x"));
    assertThat(err(), containsString("unknown option --rawZone for ddl"));
    assertThat(err(), not(containsString("--rawZone,")));
  }

  @Test
  public void profilesListsEveryProfileWithADescription() {
    assertEquals(0, run("profiles"));
    for (String p : Profiles.BUILT_IN) {
      assertThat(out(), containsString(p));
    }
    assertThat(out(), containsString("local*"));
    assertThat(out(), not(containsString("(no description)")));
  }

  @Test
  public void generateWritesTheFileSetAndSaysWhere() throws Exception {
    Path dir = tmp.newFolder("g").toPath();
    assertEquals(0, run("generate", "--out=" + dir, "--orders=100", "--seed=5"));
    assertThat(out(), containsString("generate: 100 orders"));
    assertThat(out(), containsString(dir.resolve("files").toString()));
    for (String f :
        List.of(
            "orders.csv",
            "order_products__prior.csv",
            "order_products__train.csv",
            "products.csv",
            "aisles.csv",
            "departments.csv",
            "product_prices.csv",
            "customers.jsonl",
            "clickstream.jsonl",
            "feedback.jsonl")) {
      assertTrue(f, Files.size(dir.resolve("files").resolve(f)) > 0);
    }
    for (String f : List.of("orders.jsonl", "clickstream.jsonl", "feedback.jsonl")) {
      assertTrue(f, Files.exists(dir.resolve("kinesis").resolve(f)));
    }
  }

  @Test
  public void benchUsageErrorsExit2() {
    assertEquals(2, run("bench", "--orders=0"));
    assertThat(err(), containsString("--orders must be at least 1"));
    err.reset();
    assertEquals(2, run("bench", "--orders=10", "--profiles=local,nope"));
    assertThat(err(), containsString("--profiles: "));
  }

  @Test
  public void streamUsageErrorsExit2BeforeReadingAnything() throws Exception {
    String lake = "--lake=" + tmp.newFolder("stream-lake").toURI();
    String[][] cases = {
      {"--streams=orders,payments", "'payments' is none of them"},
      {"--maxReadTime=soon", "--maxReadTime takes a duration like 90s"},
      {
        "--initialPosition=YESTERDAY",
        "--initialPosition takes TRIM_HORIZON, LATEST or AT_TIMESTAMP"
      },
      {"--initialPosition=AT_TIMESTAMP", "needs --initialTimestamp"},
      {"--windowSeconds=0", "must be positive"},
      {"--dedupeHorizon=forever", "--dedupeHorizon takes a duration like 90s"},
      {
        "--ordersConsumerArn=lakebeam",
        "--ordersConsumerArn must be the ARN of a consumer of stream lakebeam-orders"
      },
      {"--maxReadTime=10s", "no departments in "},
    };
    for (String[] c : cases) {
      out.reset();
      err.reset();
      List<String> args = new ArrayList<>(List.of("stream", "--profile=direct", lake));
      args.addAll(List.of(c).subList(0, c.length - 1));
      assertEquals(String.join(" ", c) + ": " + err(), 2, run(args.toArray(String[]::new)));
      assertThat(err(), containsString(c[c.length - 1]));
    }
  }

  @Test
  public void aNegativeFutureToleranceIsBadUsageBeforeAnythingRuns() throws Exception {
    Path lake = tmp.newFolder("tolerance-lake").toPath();
    assertEquals(
        2,
        run(
            "backfill",
            "--profile=direct",
            "--input=../sample-data/files",
            "--lake=" + lake.toUri(),
            "--futureToleranceMinutes=-5"));
    assertThat(err(), containsString("--futureToleranceMinutes must be 0 or more, was -5"));
    assertFalse(Files.exists(lake.resolve("clean")));
  }

  @Test
  public void failuresExit1WithTheCause() throws Exception {
    Path file = tmp.newFile("not-a-dir").toPath();
    assertEquals(1, run("generate", "--out=" + file.resolve("x"), "--orders=10"));
    assertThat(err(), containsString("lakebeam generate failed:"));
  }

  @Test
  public void aMalformedOptionIsNamedButItsValueNeverEchoed() {
    String secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY";
    assertEquals(
        2,
        run(
            "backfill",
            "--input=" + tmp.getRoot(),
            "--lake=" + tmp.getRoot().toURI(),
            "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\"AKIDEXAMPLE\",\"secretAccessKey\":\""
                + secret
                + "\""));
    assertThat(
        err(), containsString("--awsCredentialsProvider has a value that is not valid for it"));
    assertFalse(err(), err().contains(secret) || err().contains("AKIDEXAMPLE"));
    assertEquals(2, run("generate", "--orders=many"));
    assertThat(err(), containsString("--orders has a value that is not valid for it"));
    assertFalse(err(), err().contains("many"));
  }
}
