package dev.lakebeam.transforms.parse;

import java.util.ArrayList;
import java.util.List;

/** Splits one CSV record (RFC 4180) into its fields. */
public final class CsvFields {
  private CsvFields() {}

  /** Thrown for a record whose quotes do not pair up. */
  public static final class MalformedCsv extends Exception {
    MalformedCsv(String message) {
      super(message);
    }
  }

  public static List<String> split(String record) throws MalformedCsv {
    List<String> fields = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    int i = 0;
    int n = record.length();
    while (true) {
      f.setLength(0);
      if (i < n && record.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= n) {
            throw new MalformedCsv("a quoted field never closes");
          }
          char c = record.charAt(i);
          if (c == '"') {
            if (i + 1 < n && record.charAt(i + 1) == '"') {
              f.append('"');
              i += 2;
            } else {
              i++;
              break;
            }
          } else {
            f.append(c);
            i++;
          }
        }
        if (i < n && record.charAt(i) != ',') {
          throw new MalformedCsv("text after a closing quote at position " + i);
        }
      } else {
        while (i < n && record.charAt(i) != ',') {
          char c = record.charAt(i);
          if (c == '"') {
            throw new MalformedCsv("a quote inside an unquoted field at position " + i);
          }
          f.append(c);
          i++;
        }
      }
      fields.add(f.toString());
      if (i >= n) {
        return fields;
      }
      i++; // the comma
    }
  }
}
