package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;

/**
 * Consumption {@code daily_department_sales} from {@code order_lines_enriched}: per UTC order date
 * and department, the distinct orders, the items (sum of quantities), the revenue (sum of line
 * revenues, to the cent; null when no line of the group has a price) and the unpriced items ({@link
 * DepartmentSums}). Every line counts, prior and train alike. Lines are grouped by day and
 * department (in a batch run the groups travel in blocks, {@link GroupInBlocks}).
 */
public final class DailyDepartmentSales extends PTransform<PCollection<Row>, PCollection<Row>> {
  /** The enriched fields the sums read. */
  public static final List<String> FIELDS =
      List.of("order_ts", "order_id", "department_id", "department", "quantity", "line_revenue");

  private final int buckets;

  /** Days grouped in 64 buckets of blocks ({@link GroupInBlocks}). */
  public DailyDepartmentSales() {
    this(64);
  }

  /**
   * @param buckets how many buckets of days cross the grouping; plan it from the input's size
   */
  public DailyDepartmentSales(int buckets) {
    this.buckets = buckets;
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> enriched) {
    // Only the fields summed cross the shuffle by day (about a fifth of an enriched line's bytes).
    PCollection<Row> lines = PackRows.select(enriched, "Fields of the sums", FIELDS);
    return lines
        // Keyed by day and department: a group is one department's day, not a whole busy day.
        .apply(
            "Group by day and department",
            GroupInBlocks.by(DailyDepartmentSales::dayAndDepartment, buckets))
        .apply("Sum per department", ParDo.of(new SumFn()))
        .setCoder(RowBytesCoder.of(Dataset.DAILY_DEPARTMENT_SALES.beamSchema()));
  }

  /** The UTC date of the line's order, as epoch days. */
  static long day(Row r) {
    return Math.floorDiv(r.getDateTime("order_ts").getMillis(), 86_400_000L);
  }

  /**
   * The grouping key: a hash of the line's UTC day and department. Two pairs that share a hash
   * share a group, which {@link SumFn} still sums apart.
   */
  static int dayAndDepartment(Row r) {
    return Long.hashCode(day(r) * 1_000_003L + r.getInt32("department_id"));
  }

  /**
   * A part of a day's sums: the day (epoch days), the department and its {@link
   * DepartmentSums#TOTALS} over lines of some orders, no order of which is in another part.
   */
  static final Schema DAY_TOTALS =
      Schema.builder()
          .addInt64Field("day")
          .addInt32Field("department_id")
          .addFields(DepartmentSums.TOTALS.getFields())
          .build();

  /** A part of a day's sums as a row of {@link #DAY_TOTALS}. */
  static Row dayTotals(long day, int departmentId, DepartmentSums part) {
    List<Object> values = new ArrayList<>(DAY_TOTALS.getFieldCount());
    values.add(day);
    values.add(departmentId);
    values.addAll(part.totals().getValues());
    return Row.withSchema(DAY_TOTALS).attachValues(values);
  }

  /**
   * The table from parts of days' sums (rows of {@link #DAY_TOTALS} whose parts share no order):
   * added up per day and department.
   */
  static final class FromParts extends PTransform<PCollection<Row>, PCollection<Row>> {
    @Override
    public PCollection<Row> expand(PCollection<Row> parts) {
      return parts
          .apply(
              "Key by day and department",
              MapElements.into(
                      TypeDescriptors.kvs(
                          TypeDescriptors.kvs(TypeDescriptors.longs(), TypeDescriptors.integers()),
                          TypeDescriptors.rows()))
                  .via((Row r) -> KV.of(KV.of(r.getInt64("day"), r.getInt32("department_id")), r)))
          .setCoder(
              KvCoder.of(
                  KvCoder.of(VarLongCoder.of(), VarIntCoder.of()), RowBytesCoder.of(DAY_TOTALS)))
          .apply(
              "Add up the parts",
              Combine.perKey(Combine.BinaryCombineFn.of(DailyDepartmentSales::addParts)))
          .apply(
              "Daily rows",
              MapElements.into(TypeDescriptors.rows())
                  .via(
                      (KV<KV<Long, Integer>, Row> kv) ->
                          DepartmentSums.ofTotals(kv.getValue())
                              .into(
                                  Row.withSchema(Dataset.DAILY_DEPARTMENT_SALES.beamSchema())
                                      .withFieldValue(
                                          "date", new Instant(kv.getKey().getKey() * 86_400_000L))
                                      .withFieldValue("department_id", kv.getKey().getValue()))
                              .build()))
          .setCoder(RowBytesCoder.of(Dataset.DAILY_DEPARTMENT_SALES.beamSchema()));
    }
  }

  static Row addParts(Row a, Row b) {
    return dayTotals(
        a.getInt64("day"),
        a.getInt32("department_id"),
        DepartmentSums.ofTotals(a).addAll(DepartmentSums.ofTotals(b)));
  }

  static final class SumFn extends DoFn<KV<Integer, Iterable<Row>>, Row> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Row>> g, OutputReceiver<Row> out) {
      Map<Long, Map<Integer, DepartmentSums>> days = new TreeMap<>();
      for (Row r : g.getValue()) {
        days.computeIfAbsent(day(r), k -> new TreeMap<>())
            .computeIfAbsent(r.getInt32("department_id"), k -> new DepartmentSums())
            .add(r);
      }
      days.forEach(
          (day, departments) -> {
            Instant date = new Instant(day * 86_400_000L);
            departments.forEach(
                (id, s) ->
                    out.output(
                        s.into(
                                Row.withSchema(Dataset.DAILY_DEPARTMENT_SALES.beamSchema())
                                    .withFieldValue("date", date)
                                    .withFieldValue("department_id", id))
                            .build()));
          });
    }
  }
}
