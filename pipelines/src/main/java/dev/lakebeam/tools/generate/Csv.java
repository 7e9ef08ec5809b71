package dev.lakebeam.tools.generate;

/** RFC 4180 field quoting, as Kaggle's files do it: quote only when needed, double the quotes. */
final class Csv {
  private Csv() {}

  static String field(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
