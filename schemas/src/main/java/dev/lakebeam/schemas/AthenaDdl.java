package dev.lakebeam.schemas;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Athena / Glue {@code CREATE EXTERNAL TABLE} statements for every clean, curated and consumption
 * dataset, with the columns of the dataset's newest schema and partition projection so that no
 * crawler and no {@code MSCK REPAIR TABLE} is needed.
 */
public final class AthenaDdl {
  /** Year range that date partitions are projected over. */
  static final String YEAR_RANGE = "2010,2040";

  private final String database;
  private final Function<Zone, String> zoneUri;

  /**
   * @param database the Glue database the tables go in
   * @param zoneUri the URI of each zone, e.g. {@code s3://lake/clean}, no trailing slash
   */
  public AthenaDdl(String database, Function<Zone, String> zoneUri) {
    if (!database.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException(
          "database must be lower-case letters, digits and _ (Athena), was '" + database + "'");
    }
    this.database = database;
    this.zoneUri = zoneUri;
  }

  /** Statements for the whole lake: the database, then every dataset below the raw zone. */
  public List<String> statements() {
    List<String> out = new ArrayList<>();
    out.add("CREATE DATABASE IF NOT EXISTS `" + database + "`;");
    for (Dataset d : Dataset.values()) {
      out.add(table(d));
    }
    return out;
  }

  /** The whole script, one statement after another, with a note where a zone is not on S3. */
  public String script() {
    StringBuilder sb = new StringBuilder();
    for (Zone z : List.of(Zone.CLEAN, Zone.CURATED, Zone.CONSUMPTION)) {
      if (!zoneUri.apply(z).startsWith("s3://")) {
        sb.append("-- note: the ")
            .append(z.dir())
            .append(" zone (")
            .append(zoneUri.apply(z))
            .append(") is not on S3; Athena reads only s3:// locations.\n");
      }
    }
    for (String s : statements()) {
      sb.append(s).append("\n\n");
    }
    return sb.toString();
  }

  /**
   * Each statement with the file name it gets from {@code ddl --out}: numbered in the order Athena
   * must run them (the database first), e.g. {@code 00_database.sql}, {@code 05_clean_orders.sql}.
   */
  public LinkedHashMap<String, String> statementFiles() {
    LinkedHashMap<String, String> files = new LinkedHashMap<>();
    List<String> all = statements();
    for (int i = 0; i < all.size(); i++) {
      String name = i == 0 ? "database" : tableName(Dataset.values()[i - 1]);
      files.put(String.format(Locale.ROOT, "%02d_%s.sql", i, name), all.get(i) + "\n");
    }
    return files;
  }

  /** Table name in Athena: {@code <zone>_<dataset>}, e.g. {@code clean_orders}. */
  public static String tableName(Dataset d) {
    return d.zone().dir() + "_" + d.datasetName();
  }

  /** Where a dataset's files live. */
  public String location(Dataset d) {
    String zone = stripSlash(zoneUri.apply(d.zone()));
    if (d == Dataset.REJECTS) {
      return zone + "/" + Dataset.REJECTED_DIR;
    }
    return zone + "/" + d.datasetName();
  }

  /** A column of a table: its name, its Athena type and its meaning (the DDL's {@code COMMENT}). */
  public record Column(String name, String type, String comment) {
    String sql() {
      return "`" + name + "` " + type + " COMMENT '" + quote(comment) + "'";
    }
  }

  /** The data columns of a dataset's table, in schema order, each with its field doc as comment. */
  public static List<Column> columns(Dataset d) {
    List<Column> out = new ArrayList<>();
    for (Schema.Field f : d.avroSchema().getFields()) {
      out.add(new Column(f.name(), athenaType(f.schema()), f.doc() == null ? "" : f.doc()));
    }
    return out;
  }

  /** The partition columns of a dataset's table (all strings, as the folder names spell them). */
  public static List<Column> partitionColumns(Dataset d) {
    if (d == Dataset.REJECTS) {
      return List.of(
          new Column(
              "dataset_partition",
              "string",
              "Clean dataset the rejected record was meant for, e.g. order_lines."),
          new Column(
              "ingest_date",
              "string",
              "UTC date (YYYY-MM-DD) of the run that rejected the record."));
    }
    String time = d.eventTimeColumn().orElse("");
    return switch (d.partitioning()) {
      case EVENT_DATE ->
          List.of(
              new Column("year", "string", "UTC year of " + time + " (4 digits)."),
              new Column("month", "string", "UTC month of " + time + " (2 digits, 01-12)."),
              new Column("day", "string", "UTC day of month of " + time + " (2 digits, 01-31)."));
      case AS_OF ->
          List.of(
              new Column("as_of", "string", "Date (YYYY-MM-DD) the features were computed as of."));
      case NONE -> List.of();
    };
  }

  /**
   * A comment as a DDL string literal's body: Hive's DDL and Athena's SQL escape quotes
   * differently, so none.
   */
  static String quote(String text) {
    return text.replace('\'', '\u2019');
  }

  String table(Dataset d) {
    Schema schema = d.avroSchema();
    StringJoiner cols = new StringJoiner(",\n", "", "\n");
    for (Column c : columns(d)) {
      cols.add("  " + c.sql());
    }
    String location = location(d);
    Map<String, String> props = new LinkedHashMap<>();
    props.put("parquet.compression", "SNAPPY");
    props.put("lakebeam.schema_version", String.valueOf(LakeSchemas.versionOf(schema)));
    String partitionedBy =
        partitionColumns(d).isEmpty()
            ? null
            : String.join(", ", partitionColumns(d).stream().map(Column::sql).toList());
    if (d == Dataset.REJECTS) {
      props.put("projection.enabled", "true");
      props.put("projection.dataset_partition.type", "enum");
      props.put(
          "projection.dataset_partition.values",
          String.join(
              ",",
              Dataset.inZone(Zone.CLEAN).stream()
                  .filter(x -> x != Dataset.REJECTS)
                  .map(Dataset::datasetName)
                  .toList()));
      dateProjection(props, Partitioning.INGEST_DATE);
      props.put(
          "storage.location.template",
          location
              + "/${dataset_partition}/"
              + Partitioning.ingestDate("${" + Partitioning.INGEST_DATE + "}")
              + "/");
    } else if (d.partitioning() == Partitioning.EVENT_DATE) {
      props.put("projection.enabled", "true");
      props.put("projection.year.type", "integer");
      props.put("projection.year.range", YEAR_RANGE);
      props.put("projection.month.type", "integer");
      props.put("projection.month.range", "1,12");
      props.put("projection.month.digits", "2");
      props.put("projection.day.type", "integer");
      props.put("projection.day.range", "1,31");
      props.put("projection.day.digits", "2");
      props.put("storage.location.template", location + "/year=${year}/month=${month}/day=${day}/");
    } else if (d.partitioning() == Partitioning.AS_OF) {
      props.put("projection.enabled", "true");
      dateProjection(props, "as_of");
      props.put("storage.location.template", location + "/as_of=${as_of}/");
    }
    StringBuilder sb = new StringBuilder();
    sb.append("CREATE EXTERNAL TABLE IF NOT EXISTS `")
        .append(database)
        .append("`.`")
        .append(tableName(d))
        .append("` (\n")
        .append(cols);
    sb.append(")\n");
    if (schema.getDoc() != null) {
      sb.append("COMMENT '").append(quote(schema.getDoc())).append("'\n");
    }
    if (partitionedBy != null) {
      sb.append("PARTITIONED BY (").append(partitionedBy).append(")\n");
    }
    sb.append("STORED AS PARQUET\n");
    sb.append("LOCATION '").append(location).append("/'\n");
    StringJoiner tp = new StringJoiner(",\n", "TBLPROPERTIES (\n", "\n);");
    props.forEach((k, v) -> tp.add("  '" + k + "'='" + v.replace("'", "''") + "'"));
    sb.append(tp);
    return sb.toString();
  }

  private static void dateProjection(Map<String, String> props, String column) {
    props.put("projection." + column + ".type", "date");
    props.put("projection." + column + ".format", "yyyy-MM-dd");
    props.put("projection." + column + ".range", "2010-01-01,NOW");
    props.put("projection." + column + ".interval", "1");
    props.put("projection." + column + ".interval.unit", "DAYS");
  }

  /** The Athena (Hive DDL) type of an Avro field schema. */
  static String athenaType(Schema s) {
    if (s.getType() == Schema.Type.UNION) {
      List<Schema> nonNull =
          s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
      if (nonNull.size() != 1) {
        throw new IllegalArgumentException("only [null, T] unions are supported: " + s);
      }
      return athenaType(nonNull.get(0));
    }
    LogicalType lt = s.getLogicalType();
    if (lt instanceof LogicalTypes.TimestampMillis || lt instanceof LogicalTypes.TimestampMicros) {
      return "timestamp";
    }
    if (lt instanceof LogicalTypes.Date) {
      return "date";
    }
    if (lt instanceof LogicalTypes.Decimal dec) {
      return "decimal(" + dec.getPrecision() + "," + dec.getScale() + ")";
    }
    switch (s.getType()) {
      case STRING:
      case ENUM:
        return "string";
      case INT:
        return "int";
      case LONG:
        return "bigint";
      case FLOAT:
        return "float";
      case DOUBLE:
        return "double";
      case BOOLEAN:
        return "boolean";
      case BYTES:
      case FIXED:
        return "binary";
      case ARRAY:
        return "array<" + athenaType(s.getElementType()) + ">";
      case MAP:
        return "map<string," + athenaType(s.getValueType()) + ">";
      case RECORD:
        StringJoiner j = new StringJoiner(",", "struct<", ">");
        s.getFields().forEach(f -> j.add(f.name() + ":" + athenaType(f.schema())));
        return j.toString();
      default:
        throw new IllegalArgumentException("no Athena type for " + s);
    }
  }

  private static String stripSlash(String uri) {
    return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
  }
}
