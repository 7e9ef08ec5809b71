package dev.lakebeam.pipelines.stream;

import dev.lakebeam.schemas.Dataset;
import java.util.Map;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * What the stream makes of its records before anything is written: the raw lines per stream, the
 * clean rows per dataset of the streams read, every reject, and the consumption tables of the
 * streams read (null when their stream is not read).
 */
record Streamed(
    PCollection<KV<String, String>> rawLines,
    Map<Dataset, PCollection<Row>> clean,
    PCollection<Row> rejects,
    PCollection<Row> departmentSales,
    PCollection<Row> clickSessions) {}
