package dev.lakebeam.transforms.curated;

import dev.lakebeam.schemas.Dataset;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;

/**
 * Consumption {@code daily_department_sales} from {@code order_lines_enriched}: per UTC order
 * date and department, the distinct orders, the items (sum of quantities) and the revenue (sum
 * of line revenues, to the cent; null when no line of the group has a price). Every line counts,
 * prior and train alike.
 */
public final class DailyDepartmentSales extends PTransform<PCollection<Row>, PCollection<Row>> {
  @Override
  public PCollection<Row> expand(PCollection<Row> enriched) {
    return enriched
        .apply("Key by day and department",
            MapElements.into(TypeDescriptors.kvs(TypeDescriptors.strings(), TypeDescriptors.rows()))
                .via((Row r) -> KV.of(day(r) + "|" + r.getInt32("department_id"), r)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(enriched.getSchema())))
        .apply("Group by day and department", GroupByKey.create())
        .apply("Sum", ParDo.of(new SumFn()))
        .setRowSchema(Dataset.DAILY_DEPARTMENT_SALES.beamSchema());
  }

  static String day(Row r) {
    return java.time.Instant.ofEpochMilli(r.getDateTime("order_ts").getMillis()).atZone(ZoneOffset.UTC).toLocalDate().toString();
  }

  static final class SumFn extends DoFn<KV<String, Iterable<Row>>, Row> {
    @ProcessElement
    public void process(@Element KV<String, Iterable<Row>> g, OutputReceiver<Row> out) {
      Set<Integer> orders = new HashSet<>();
      long items = 0;
      BigDecimal revenue = null;
      Row any = null;
      for (Row r : g.getValue()) {
        any = r;
        orders.add(r.getInt32("order_id"));
        items += r.getInt32("quantity");
        Double line = r.getDouble("line_revenue");
        if (line != null) {
          revenue = (revenue == null ? BigDecimal.ZERO : revenue).add(BigDecimal.valueOf(line));
        }
      }
      String date = g.getKey().substring(0, g.getKey().indexOf('|'));
      out.output(Row.withSchema(Dataset.DAILY_DEPARTMENT_SALES.beamSchema())
          .withFieldValue("date", new Instant(java.time.LocalDate.parse(date).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli()))
          .withFieldValue("department_id", any.getInt32("department_id"))
          .withFieldValue("department", any.getString("department"))
          .withFieldValue("orders", (long) orders.size())
          .withFieldValue("items", items)
          .withFieldValue("revenue", revenue == null ? null : revenue.setScale(2, RoundingMode.HALF_UP).doubleValue())
          .build());
    }
  }
}
