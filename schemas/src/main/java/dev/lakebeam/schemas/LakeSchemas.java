package dev.lakebeam.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.extensions.avro.schemas.utils.AvroUtils;
import org.apache.beam.sdk.values.Row;

/**
 * The one place where schemas are loaded and converted between Avro and Beam.
 *
 * <p>Every schema family lives under {@code avro/<zone-or-source>/<name>.v<N>.avsc} on the
 * classpath (source: {@code schemas/src/main/avro}); each file carries its version in the {@code
 * lakebeam.version} property. The newest version of a family is the one the pipelines write; older
 * versions stay so that the compatibility test can prove new readers read old data.
 *
 * <p>Type mapping (deliberate, see STYLE.md traps): Avro {@code timestamp-millis} is Beam {@code
 * DATETIME} (a Joda instant, UTC) and Parquet/Athena {@code timestamp}; Avro {@code date} is Beam
 * {@code DATETIME} at midnight UTC and Athena {@code date}. Nullable fields are Avro unions with
 * null first.
 *
 * <p>{@link #toGenericRecord} and {@link #toRow} convert one value; code that converts many rows of
 * one schema holds an {@link AvroRows} converter (the same mapping, planned once).
 */
public final class LakeSchemas {
  /** Name of the schema property that holds a schema's version. */
  public static final String VERSION_PROPERTY = "lakebeam.version";

  private static final int MAX_VERSIONS = 1000;
  private static final Map<String, List<Schema>> VERSIONS = new ConcurrentHashMap<>();
  private static final Map<String, org.apache.beam.sdk.schemas.Schema> BEAM =
      new ConcurrentHashMap<>();

  private LakeSchemas() {}

  /** Every schema family: the source entities and the datasets of every zone. */
  public static List<String> allPaths() {
    return Stream.concat(
            Stream.of(SourceDataset.values())
                .map(SourceDataset::schemaPath)
                .filter(Objects::nonNull),
            Stream.of(Dataset.values()).map(Dataset::schemaPath))
        .toList();
  }

  /** All versions of a schema family, oldest first (v1, v2, ...). */
  public static List<Schema> versions(String path) {
    return VERSIONS.computeIfAbsent(path, LakeSchemas::load);
  }

  /** The newest version of a schema family. */
  public static Schema latest(String path) {
    List<Schema> all = versions(path);
    return all.get(all.size() - 1);
  }

  /** The version a schema declares in {@value #VERSION_PROPERTY}. */
  public static int versionOf(Schema schema) {
    Object v = schema.getObjectProp(VERSION_PROPERTY);
    if (!(v instanceof Number)) {
      throw new IllegalStateException(
          "schema " + schema.getFullName() + " has no numeric " + VERSION_PROPERTY);
    }
    return ((Number) v).intValue();
  }

  /** The Beam schema of the newest version of a family. */
  public static org.apache.beam.sdk.schemas.Schema beamSchema(String path) {
    return BEAM.computeIfAbsent(path, p -> toBeamSchema(latest(p)));
  }

  /** AvroUtils' mapping, with money ({@code decimal(12,2)}) as {@link Cents}. */
  public static org.apache.beam.sdk.schemas.Schema toBeamSchema(Schema avro) {
    org.apache.beam.sdk.schemas.Schema plain = AvroUtils.toBeamSchema(avro);
    org.apache.beam.sdk.schemas.Schema.Builder b = org.apache.beam.sdk.schemas.Schema.builder();
    for (org.apache.beam.sdk.schemas.Schema.Field f : plain.getFields()) {
      Schema a = avro.getField(f.getName()).schema();
      Schema nonNull = AvroRows.nonNull(a);
      boolean money =
          nonNull.getLogicalType() instanceof LogicalTypes.Decimal d && d.getScale() == 2;
      b.addField(money ? f.withType(Cents.FIELD_TYPE.withNullable(f.getType().getNullable())) : f);
    }
    return b.build().withOptions(plain.getOptions());
  }

  /** Converts a Row of {@code beamSchema(path)} to an Avro record of {@code latest(path)}. */
  public static GenericRecord toGenericRecord(Row row, Schema avro) {
    return new AvroRows.ToAvro(avro).apply(row);
  }

  /** Converts an Avro record (any version's data, read with the given schema) to a Row. */
  public static Row toRow(GenericRecord record, org.apache.beam.sdk.schemas.Schema beam) {
    return new AvroRows.ToRow(beam).apply(record);
  }

  private static List<Schema> load(String path) {
    List<Schema> out = new ArrayList<>();
    for (int v = 1; v <= MAX_VERSIONS; v++) {
      String resource = "avro/" + path + ".v" + v + ".avsc";
      try (InputStream in = LakeSchemas.class.getClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          break;
        }
        Schema schema = new Schema.Parser().parse(in);
        if (versionOf(schema) != v) {
          throw new IllegalStateException(
              resource + " declares " + VERSION_PROPERTY + "=" + versionOf(schema) + ", not " + v);
        }
        out.add(schema);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read schema " + resource, e);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no schema avro/" + path + ".v1.avsc on the classpath");
    }
    return Collections.unmodifiableList(out);
  }
}
