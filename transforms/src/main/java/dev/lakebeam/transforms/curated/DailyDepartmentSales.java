package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import dev.lakebeam.transforms.records.GroupInBlocks;
import dev.lakebeam.transforms.records.PackRows;
import dev.lakebeam.transforms.records.RowBytesCoder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
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
