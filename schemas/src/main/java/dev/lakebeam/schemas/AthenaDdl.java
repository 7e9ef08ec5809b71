package dev.lakebeam.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Function;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * Athena / Glue {@code CREATE EXTERNAL TABLE} statements for every clean, curated and
 * consumption dataset, with the columns of the dataset's newest schema and partition projection
 * so that no crawler and no {@code MSCK REPAIR TABLE} is needed.
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

  String table(Dataset d) {
    Schema schema = d.avroSchema();
    StringJoiner cols = new StringJoiner(",\n", "", "\n");
    for (Schema.Field f : schema.getFields()) {
      cols.add("  `" + f.name() + "` " + athenaType(f.schema()));
    }
    String location = location(d);
    Map<String, String> props = new java.util.LinkedHashMap<>();
    props.put("parquet.compression", "SNAPPY");
    props.put("lakebeam.schema_version", String.valueOf(LakeSchemas.versionOf(schema)));
    String partitionedBy = null;
    if (d == Dataset.REJECTS) {
      partitionedBy = "`dataset_partition` string, `ingest_date` string";
      props.put("projection.enabled", "true");
      props.put("projection.dataset_partition.type", "enum");
      props.put(
          "projection.dataset_partition.values",
          String.join(",", Dataset.inZone(Zone.CLEAN).stream()
              .filter(x -> x != Dataset.REJECTS)
              .map(Dataset::datasetName)
              .toList()));
      dateProjection(props, "ingest_date");
      props.put("storage.location.template", location + "/${dataset_partition}/ingest_date=${ingest_date}/");
    } else if (d.partitioning() == Partitioning.EVENT_DATE) {
      partitionedBy = "`year` string, `month` string, `day` string";
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
      partitionedBy = "`as_of` string";
      props.put("projection.enabled", "true");
      dateProjection(props, "as_of");
      props.put("storage.location.template", location + "/as_of=${as_of}/");
    }
    StringBuilder sb = new StringBuilder();
    sb.append("-- ").append(schema.getDoc() == null ? "" : schema.getDoc()).append('\n');
    sb.append("CREATE EXTERNAL TABLE IF NOT EXISTS `")
        .append(database)
        .append("`.`")
        .append(tableName(d))
        .append("` (\n")
        .append(cols);
    sb.append(")\n");
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
      List<Schema> nonNull = s.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
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
