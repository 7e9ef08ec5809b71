package dev.lakebeam.tools.generate;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lakebeam.schemas.OrderTimestamps;
import dev.lakebeam.schemas.OrderTimestamps.OrderKey;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Deterministic synthetic data in the source formats: the Instacart CSV files (exact Kaggle
 * format), our extension files (prices, customers, clickstream, feedback) and the Kinesis replay
 * files. Same configuration, same bytes. Users are written one after the other, so memory stays
 * flat however many orders are asked for.
 *
 * <p>Shape (checked by GeneratorShapeTest): 4..100 orders per user, skewed (Zipf) product
 * popularity, about 59 % of prior lines reordered, days_since_prior_order 0..30 and empty on first
 * orders, weekday and hour distributions of the real orders.csv, weekdays consistent with the gaps,
 * so that {@link OrderTimestamps} gives every order a date on its own weekday.
 */
public final class Generator {
  /** Full Instacart scale: products in products.csv. */
  public static final int INSTACART_PRODUCTS = 49_688;

  /** Chance that a line of a repeat order picks from the user's own history. */
  static final double REORDER_PICK = 0.655;

  static final double TRAIN_SHARE = 131_209.0 / 206_209.0;
  static final double CLICK_SESSION_PER_ORDER = 0.12;
  static final double BROWSE_SESSION_PER_ORDER = 0.05;
  static final double FEEDBACK_PER_ORDER = 0.04;
  static final double PRICE_MISSING = 0.01;

  private static final DateTimeFormatter ISO = DateTimeFormatter.ISO_INSTANT;
  private static final double[] DOW_CDF = cumulative(InstacartCatalog.DOW_WEIGHTS);
  private static final double[] HOUR_CDF = cumulative(InstacartCatalog.HOUR_WEIGHTS);
  private static final double[] RATING_CDF =
      cumulative(new double[] {0.05, 0.07, 0.13, 0.30, 0.45});

  /** For each weekday difference 0..6, the gap distribution over the days 0..30 that give it. */
  private static final double[][] GAP_CDF_BY_RESIDUE = gapCdfs();

  /** What to generate. */
  public record Config(Path out, int orders, long seed, int products, LocalDate asOf) {
    public Config {
      if (orders < 1) {
        throw new IllegalArgumentException("--orders must be at least 1, was " + orders);
      }
      if (products < 1 || products > 10_000_000) {
        throw new IllegalArgumentException("--products must be 1..10000000, was " + products);
      }
    }

    /** Products for a number of orders when none is given: half as many, 200..49,688. */
    public static int defaultProducts(int orders) {
      return (int) Math.max(200, Math.min(INSTACART_PRODUCTS, orders / 2L));
    }
  }

  /** What was generated. */
  public record Summary(
      int users,
      int orders,
      long priorLines,
      long trainLines,
      int products,
      long clickEvents,
      long feedback,
      Path filesDir,
      Path kinesisDir) {}

  private final Config cfg;
  private final PrintStream progress;
  private final Duration progressEvery;

  public Generator(Config cfg, PrintStream progress) {
    this(cfg, progress, Duration.ofSeconds(10));
  }

  Generator(Config cfg, PrintStream progress, Duration progressEvery) {
    this.cfg = cfg;
    this.progress = progress;
    this.progressEvery = progressEvery;
  }

  public Summary run() throws IOException {
    Path files = cfg.out().resolve("files");
    Path kinesis = cfg.out().resolve("kinesis");
    Files.createDirectories(files);
    Files.createDirectories(kinesis);
    SplittableRandom catalogRnd = new SplittableRandom(cfg.seed());
    SplittableRandom rnd = catalogRnd.split();

    writeDimensions(files);
    int[] productAisle = writeProducts(files, catalogRnd);
    Popularity popularity = new Popularity(cfg.products(), catalogRnd);

    try (Out out = new Out(files, kinesis)) {
      out.orders.write(
          "order_id,user_id,eval_set,order_number,order_dow,order_hour_of_day,days_since_prior_order\n");
      out.prior.write("order_id,product_id,add_to_cart_order,reordered\n");
      out.train.write("order_id,product_id,add_to_cart_order,reordered\n");
      UserWriter users = new UserWriter(out, rnd, popularity, productAisle);
      long started = System.nanoTime();
      long nextReport = started + progressEvery.toNanos();
      while (users.ordersWritten < cfg.orders()) {
        users.nextUser(cfg.orders() - users.ordersWritten);
        if (System.nanoTime() >= nextReport) {
          nextReport = System.nanoTime() + progressEvery.toNanos();
          progress.printf(
              Locale.ROOT,
              "generate: %,d/%,d orders (%.0f%%), %,d lines, %.0f s%n",
              users.ordersWritten,
              cfg.orders(),
              100.0 * users.ordersWritten / cfg.orders(),
              users.priorLines + users.trainLines,
              (System.nanoTime() - started) / 1e9);
        }
      }
      return new Summary(
          users.userId,
          users.ordersWritten,
          users.priorLines,
          users.trainLines,
          cfg.products(),
          users.clickEvents,
          users.feedback,
          files,
          kinesis);
    }
  }

  private static void writeDimensions(Path files) throws IOException {
    try (Writer w = writer(files.resolve("departments.csv"))) {
      w.write("department_id,department\n");
      for (int i = 0; i < InstacartCatalog.DEPARTMENTS.size(); i++) {
        w.write((i + 1) + "," + Csv.field(InstacartCatalog.DEPARTMENTS.get(i)) + "\n");
      }
    }
    try (Writer w = writer(files.resolve("aisles.csv"))) {
      w.write("aisle_id,aisle\n");
      for (int i = 0; i < InstacartCatalog.AISLES.size(); i++) {
        w.write((i + 1) + "," + Csv.field(InstacartCatalog.AISLES.get(i).name()) + "\n");
      }
    }
  }

  /** Writes products.csv and product_prices.csv; returns each product's aisle (index = id). */
  private int[] writeProducts(Path files, SplittableRandom rnd) throws IOException {
    int n = cfg.products();
    int[] aisleOf = new int[n + 1];
    try (Writer products = writer(files.resolve("products.csv"));
        Writer prices = writer(files.resolve("product_prices.csv"))) {
      products.write("product_id,product_name,aisle_id,department_id\n");
      prices.write("product_id,unit_price\n");
      for (int id = 1; id <= n; id++) {
        int aisle = 1 + rnd.nextInt(InstacartCatalog.AISLES.size());
        aisleOf[id] = aisle;
        InstacartCatalog.Aisle a = InstacartCatalog.AISLES.get(aisle - 1);
        products.write(
            id
                + ","
                + Csv.field(productName(rnd, a))
                + ","
                + aisle
                + ","
                + a.departmentId()
                + "\n");
        double price = Math.exp(0.9 + 0.8 * rnd.nextGaussian());
        price = Math.min(199.99, Math.max(0.49, price));
        boolean missing = rnd.nextDouble() < PRICE_MISSING;
        if (!missing) {
          prices.write(id + "," + String.format(Locale.ROOT, "%.2f", price) + "\n");
        }
      }
    }
    return aisleOf;
  }

  private static String productName(SplittableRandom rnd, InstacartCatalog.Aisle aisle) {
    StringBuilder sb = new StringBuilder();
    if (rnd.nextDouble() < 0.6) {
      sb.append(pick(rnd, InstacartCatalog.PREFIXES)).append(' ');
    }
    if (rnd.nextDouble() < 0.7) {
      sb.append(pick(rnd, InstacartCatalog.FLAVORS)).append(' ');
    }
    if (aisle.name().equals("frozen pizza") && rnd.nextDouble() < 0.3) {
      sb.append("12\" ");
    }
    sb.append(titleCase(aisle.name()));
    double r = rnd.nextDouble();
    if (r < 0.12) {
      sb.append(", ").append(pick(rnd, InstacartCatalog.SIZES));
    }
    return sb.toString();
  }

  /** One user at a time: orders, lines, customer, clicks, feedback, Kinesis events. */
  private final class UserWriter {
    final Out out;
    final SplittableRandom rnd;
    final Popularity popularity;
    final int[] productAisle;
    int userId;
    int orderId;
    int ordersWritten;
    long priorLines;
    long trainLines;
    long clickEvents;
    long feedback;
    long sessionSeq;
    long eventSeq;

    UserWriter(Out out, SplittableRandom rnd, Popularity popularity, int[] productAisle) {
      this.out = out;
      this.rnd = rnd;
      this.popularity = popularity;
      this.productAisle = productAisle;
    }

    void nextUser(int remaining) throws IOException {
      int k = ordersForUser(remaining);
      userId++;
      double basketMean = 4 + rnd.nextDouble() * 12;
      int[] ids = new int[k];
      int[] dow = new int[k];
      int[] hour = new int[k];
      Integer[] gap = new Integer[k];
      int preferredHour = weighted(rnd, HOUR_CDF);
      for (int j = 0; j < k; j++) {
        ids[j] = ++orderId;
        dow[j] = weighted(rnd, DOW_CDF);
        hour[j] = rnd.nextDouble() < 0.5 ? preferredHour : weighted(rnd, HOUR_CDF);
        if (j > 0) {
          gap[j] = gapWithResidue(Math.floorMod(dow[j] - dow[j - 1], 7));
        }
      }
      List<OrderKey> keys = new ArrayList<>(k);
      for (int j = 0; j < k; j++) {
        keys.add(new OrderKey(ids[j], j + 1, dow[j], hour[j], gap[j]));
      }
      Map<Integer, Instant> ts = OrderTimestamps.assign(keys, cfg.asOf());
      String lastEval = rnd.nextDouble() < TRAIN_SHARE ? "train" : "test";
      Customer customer = customer(ts.get(ids[0]));
      writeCustomer(customer);

      List<Integer> history = new ArrayList<>();
      Set<Integer> bought = new HashSet<>();
      for (int j = 0; j < k; j++) {
        String evalSet = j < k - 1 ? "prior" : lastEval;
        out.orders.write(
            ids[j]
                + ","
                + userId
                + ","
                + evalSet
                + ","
                + (j + 1)
                + ","
                + dow[j]
                + ","
                + String.format(Locale.ROOT, "%02d", hour[j])
                + ","
                + (gap[j] == null ? "" : gap[j] + ".0")
                + "\n");
        List<int[]> lines = new ArrayList<>();
        if (!evalSet.equals("test")) {
          int size = Math.min(60, 1 + (int) (-Math.log(1 - rnd.nextDouble()) * (basketMean - 1)));
          Set<Integer> basket = new HashSet<>();
          for (int slot = 0; slot < size; slot++) {
            int pid = -1;
            // A repeat pick comes from the user's history (weighted by how often bought); a new
            // pick is a popular product the user has not bought yet, so the reordered share does
            // not drift with the number of products.
            boolean repeat = j > 0 && !history.isEmpty() && rnd.nextDouble() < REORDER_PICK;
            for (int attempt = 0; attempt < 10 && pid < 0; attempt++) {
              int candidate =
                  repeat ? history.get(rnd.nextInt(history.size())) : popularity.sample(rnd);
              if ((repeat || !bought.contains(candidate)) && basket.add(candidate)) {
                pid = candidate;
              }
            }
            if (pid > 0) {
              lines.add(new int[] {pid, lines.size() + 1, bought.contains(pid) ? 1 : 0});
            }
          }
          Writer target = evalSet.equals("prior") ? out.prior : out.train;
          for (int[] l : lines) {
            target.write(ids[j] + "," + l[0] + "," + l[1] + "," + l[2] + "\n");
          }
          if (evalSet.equals("prior")) {
            priorLines += lines.size();
          } else {
            trainLines += lines.size();
          }
          for (int[] l : lines) {
            history.add(l[0]);
            bought.add(l[0]);
          }
        }
        Instant orderTs = ts.get(ids[j]);
        writeOrderEvent(ids[j], evalSet, j + 1, dow[j], hour[j], gap[j], orderTs, lines);
        if (rnd.nextDouble() < CLICK_SESSION_PER_ORDER) {
          writeSession(customer, orderTs, lines, true);
        }
        if (rnd.nextDouble() < BROWSE_SESSION_PER_ORDER) {
          Instant before = orderTs.minus(Duration.ofHours(2 + rnd.nextInt(24 * 5)));
          writeSession(rnd.nextDouble() < 0.15 ? null : customer, before, List.of(), false);
        }
        if (rnd.nextDouble() < FEEDBACK_PER_ORDER) {
          writeFeedback(customer, orderTs.plus(Duration.ofMinutes(60 + rnd.nextInt(47 * 60))));
        }
      }
      ordersWritten += k;
    }

    /** 4 + an exponential tail, capped at 100; the last user takes exactly what is left. */
    int ordersForUser(int remaining) {
      int k = Math.min(100, 4 + (int) (-Math.log(1 - rnd.nextDouble()) * 12.6));
      if (remaining <= 100 && remaining - k < 4) {
        return remaining;
      }
      if (remaining - k < 4) {
        return remaining - 4;
      }
      return k;
    }

    int gapWithResidue(int residue) {
      return weighted(rnd, GAP_CDF_BY_RESIDUE[residue]);
    }

    Customer customer(Instant firstOrder) {
      String first = pick(rnd, InstacartCatalog.FIRST_NAMES);
      String last = pick(rnd, InstacartCatalog.LAST_NAMES);
      String local =
          (ascii(first) + "." + ascii(last)).toLowerCase(Locale.ROOT).replaceAll("[^a-z.]", "");
      String domain = pick(rnd, List.of("example.com", "example.org", "example.net"));
      String email = local + userId + "@" + domain;
      String phone =
          rnd.nextDouble() < 0.1
              ? null
              : String.format(
                  Locale.ROOT, "+1-%03d-555-%04d", 201 + rnd.nextInt(700), rnd.nextInt(10000));
      double c = rnd.nextDouble();
      String country = c < 0.85 ? "US" : c < 0.95 ? "CA" : "MX";
      double t = rnd.nextDouble();
      String tier = t < 0.70 ? "standard" : t < 0.95 ? "plus" : "gold";
      Instant updated = firstOrder.minus(Duration.ofDays(1 + rnd.nextInt(30)));
      String ip = ipAddress();
      return new Customer(userId, first + " " + last, email, phone, country, tier, updated, ip);
    }

    String ipAddress() {
      String[] nets = {"198.51.100.", "203.0.113.", "192.0.2."};
      return nets[rnd.nextInt(nets.length)] + (1 + rnd.nextInt(254));
    }

    void writeCustomer(Customer c) throws IOException {
      json(
          out.customers,
          g -> {
            g.writeNumberField("customer_id", c.id());
            g.writeStringField("full_name", c.fullName());
            g.writeStringField("email", c.email());
            if (c.phone() == null) {
              g.writeNullField("phone");
            } else {
              g.writeStringField("phone", c.phone());
            }
            g.writeStringField("country", c.country());
            g.writeStringField("tier", c.tier());
            g.writeStringField("updated_at", ISO.format(c.updatedAt()));
          });
    }

    void writeOrderEvent(
        int id,
        String evalSet,
        int number,
        int dow,
        int hour,
        Integer gap,
        Instant ts,
        List<int[]> lines)
        throws IOException {
      json(
          out.kinesisOrders,
          g -> {
            g.writeNumberField("order_id", id);
            g.writeNumberField("user_id", userId);
            g.writeStringField("eval_set", evalSet);
            g.writeNumberField("order_number", number);
            g.writeNumberField("order_dow", dow);
            g.writeNumberField("order_hour_of_day", hour);
            if (gap == null) {
              g.writeNullField("days_since_prior_order");
            } else {
              g.writeNumberField("days_since_prior_order", gap);
            }
            g.writeStringField("order_ts", ISO.format(ts));
            g.writeArrayFieldStart("lines");
            for (int[] l : lines) {
              g.writeStartObject();
              g.writeNumberField("product_id", l[0]);
              g.writeNumberField("add_to_cart_order", l[1]);
              g.writeNumberField("reordered", l[2]);
              g.writeNumberField("quantity", 1);
              g.writeEndObject();
            }
            g.writeEndArray();
          });
    }

    /** A session of events; a converting one ends with checkout at the order's time. */
    void writeSession(Customer c, Instant end, List<int[]> lines, boolean converting)
        throws IOException {
      String session =
          String.format(Locale.ROOT, "s-%016x", OrderTimestamps.mix(cfg.seed() ^ ++sessionSeq));
      String ip = c == null ? ipAddress() : rnd.nextDouble() < 0.7 ? c.ip() : ipAddress();
      String agent = pick(rnd, InstacartCatalog.USER_AGENTS);
      List<String[]> events = new ArrayList<>();
      events.add(new String[] {"page_view", null});
      if (rnd.nextDouble() < 0.6) {
        events.add(new String[] {"search", null});
      }
      int viewed = converting ? Math.min(lines.size(), 5) : 1 + rnd.nextInt(4);
      for (int i = 0; i < viewed; i++) {
        int pid = converting ? lines.get(i)[0] : popularity.sample(rnd);
        events.add(new String[] {"product_view", String.valueOf(pid)});
        if (converting || rnd.nextDouble() < 0.3) {
          events.add(new String[] {"add_to_cart", String.valueOf(pid)});
          if (!converting && rnd.nextDouble() < 0.5) {
            events.add(new String[] {"remove_from_cart", String.valueOf(pid)});
          }
        }
      }
      if (converting) {
        events.add(new String[] {"checkout", null});
      }
      // Walk back from the end with gaps of 5..240 s (well inside a 30-minute session gap).
      Instant[] times = new Instant[events.size()];
      Instant t = end;
      for (int i = events.size() - 1; i >= 0; i--) {
        times[i] = t;
        t = t.minusSeconds(5 + rnd.nextInt(236));
      }
      for (int i = 0; i < events.size(); i++) {
        String[] e = events.get(i);
        String eventId =
            String.format(Locale.ROOT, "e-%016x", OrderTimestamps.mix(~cfg.seed() ^ ++eventSeq));
        Instant at = times[i];
        byte[] line =
            jsonBytes(
                g -> {
                  g.writeStringField("event_id", eventId);
                  g.writeStringField("session_id", session);
                  if (c == null) {
                    g.writeNullField("customer_id");
                  } else {
                    g.writeNumberField("customer_id", c.id());
                  }
                  g.writeStringField("type", e[0]);
                  if (e[1] == null) {
                    g.writeNullField("product_id");
                  } else {
                    g.writeNumberField("product_id", Integer.parseInt(e[1]));
                  }
                  g.writeStringField("ts", ISO.format(at));
                  g.writeStringField("user_agent", agent);
                  g.writeStringField("ip", ip);
                });
        out.clicks.write(line);
        out.kinesisClicks.write(line);
        clickEvents++;
      }
    }

    void writeFeedback(Customer c, Instant at) throws IOException {
      String id =
          String.format(Locale.ROOT, "f-%016x", OrderTimestamps.mix(cfg.seed() * 31 + ++feedback));
      int rating = 1 + weighted(rnd, RATING_CDF);
      String comment = rnd.nextDouble() < 0.25 ? null : pick(rnd, InstacartCatalog.COMMENTS);
      String email = rnd.nextDouble() < 0.6 ? c.email() : null;
      int store = 1 + rnd.nextInt(25);
      byte[] line =
          jsonBytes(
              g -> {
                g.writeStringField("feedback_id", id);
                g.writeNumberField("store_id", store);
                g.writeNumberField("rating", rating);
                if (comment == null) {
                  g.writeNullField("comment");
                } else {
                  g.writeStringField("comment", comment);
                }
                if (email == null) {
                  g.writeNullField("email");
                } else {
                  g.writeStringField("email", email);
                }
                g.writeStringField("submitted_at", ISO.format(at));
              });
      out.feedback.write(line);
      out.kinesisFeedback.write(line);
    }
  }

  private record Customer(
      int id,
      String fullName,
      String email,
      String phone,
      String country,
      String tier,
      Instant updatedAt,
      String ip) {}

  /** Gap weights for 0..30 days: a decaying curve, weekly bumps, and the spike at the 30 cap. */
  static double[] gapWeights() {
    double[] w = new double[31];
    for (int d = 0; d <= 30; d++) {
      w[d] = Math.exp(-d / 10.0) + (d > 0 && d % 7 == 0 ? 0.6 * Math.exp(-d / 20.0) : 0);
    }
    w[0] *= 0.3;
    w[30] += 2.4;
    return w;
  }

  private static double[][] gapCdfs() {
    double[] all = gapWeights();
    double[][] out = new double[7][];
    for (int r = 0; r < 7; r++) {
      double[] w = new double[31];
      for (int d = 0; d <= 30; d++) {
        w[d] = d % 7 == r ? all[d] : 0;
      }
      out[r] = cumulative(w);
    }
    return out;
  }

  /** Zipf(1.0) popularity over a seeded permutation of the product ids. */
  static final class Popularity {
    final int[] productByRank;
    final double[] cdf;

    Popularity(int products, SplittableRandom rnd) {
      productByRank = new int[products];
      for (int i = 0; i < products; i++) {
        productByRank[i] = i + 1;
      }
      for (int i = products - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int tmp = productByRank[i];
        productByRank[i] = productByRank[j];
        productByRank[j] = tmp;
      }
      double[] w = new double[products];
      for (int r = 0; r < products; r++) {
        w[r] = 1.0 / (r + 1);
      }
      cdf = cumulative(w);
    }

    int sample(SplittableRandom rnd) {
      return productByRank[weighted(rnd, cdf)];
    }
  }

  static double[] cumulative(double[] w) {
    double[] c = new double[w.length];
    double s = 0;
    for (int i = 0; i < w.length; i++) {
      s += w[i];
      c[i] = s;
    }
    for (int i = 0; i < c.length; i++) {
      c[i] /= s;
    }
    return c;
  }

  static int weighted(SplittableRandom rnd, double[] cdf) {
    double u = rnd.nextDouble();
    int i = Arrays.binarySearch(cdf, u);
    int idx = i >= 0 ? i + 1 : -i - 1;
    return Math.min(idx, cdf.length - 1);
  }

  private static <T> T pick(SplittableRandom rnd, List<T> list) {
    return list.get(rnd.nextInt(list.size()));
  }

  private static String titleCase(String s) {
    StringBuilder sb = new StringBuilder();
    for (String w : s.split(" ")) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(Character.toUpperCase(w.charAt(0))).append(w.substring(1));
    }
    return sb.toString();
  }

  private static String ascii(String s) {
    return Normalizer.normalize(s, Normalizer.Form.NFD)
        .replaceAll("\\p{M}", "")
        .replace("Ł", "L")
        .replace("ł", "l");
  }

  private interface JsonBody {
    void write(JsonGenerator g) throws IOException;
  }

  private static final JsonFactory JSON = new JsonFactory();

  private static byte[] jsonBytes(JsonBody body) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(buf, JsonEncoding.UTF8)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    }
    buf.write('\n');
    return buf.toByteArray();
  }

  private static void json(OutputStream out, JsonBody body) throws IOException {
    out.write(jsonBytes(body));
  }

  private static Writer writer(Path p) throws IOException {
    return new BufferedWriter(
        new OutputStreamWriter(Files.newOutputStream(p), StandardCharsets.UTF_8), 1 << 16);
  }

  private static OutputStream stream(Path p) throws IOException {
    return new BufferedOutputStream(Files.newOutputStream(p), 1 << 16);
  }

  /** The open output files. */
  private static final class Out implements Closeable {
    final Writer orders;
    final Writer prior;
    final Writer train;
    final OutputStream customers;
    final OutputStream clicks;
    final OutputStream feedback;
    final OutputStream kinesisOrders;
    final OutputStream kinesisClicks;
    final OutputStream kinesisFeedback;

    Out(Path files, Path kinesis) throws IOException {
      orders = writer(files.resolve("orders.csv"));
      prior = writer(files.resolve("order_products__prior.csv"));
      train = writer(files.resolve("order_products__train.csv"));
      customers = stream(files.resolve("customers.jsonl"));
      clicks = stream(files.resolve("clickstream.jsonl"));
      feedback = stream(files.resolve("feedback.jsonl"));
      kinesisOrders = stream(kinesis.resolve("orders.jsonl"));
      kinesisClicks = stream(kinesis.resolve("clickstream.jsonl"));
      kinesisFeedback = stream(kinesis.resolve("feedback.jsonl"));
    }

    @Override
    public void close() throws IOException {
      IOException first = null;
      for (Closeable c :
          List.of(
              orders,
              prior,
              train,
              customers,
              clicks,
              feedback,
              kinesisOrders,
              kinesisClicks,
              kinesisFeedback)) {
        try {
          c.close();
        } catch (IOException e) {
          if (first == null) {
            first = e;
          }
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }
}
