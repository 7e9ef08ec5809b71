package dev.lakebeam.transforms.parse;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON reader of every source record: stricter than Jackson's defaults where leniency would let
 * a damaged record through half-read. A key given twice is an error (which value would be meant?),
 * as is anything after the first value on a line ({@code {...} xyz}, two objects on one line); NaN
 * and Infinity stay invalid, as in JSON.
 */
public final class StrictJson {
  private StrictJson() {}

  public static ObjectMapper mapper() {
    return JsonMapper.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .build();
  }
}
