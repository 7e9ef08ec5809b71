package dev.lakebeam.tools.generate;

import java.util.List;

/**
 * The real Instacart departments and aisles (Kaggle "Instacart Market Basket Analysis"), with each
 * aisle's department, so that generated data reads like the real thing.
 */
final class InstacartCatalog {
  private InstacartCatalog() {}

  /** Department names; department_id = index + 1. */
  static final List<String> DEPARTMENTS =
      List.of(
          "frozen",
          "other",
          "bakery",
          "produce",
          "alcohol",
          "international",
          "beverages",
          "pets",
          "dry goods pasta",
          "bulk",
          "personal care",
          "meat seafood",
          "pantry",
          "breakfast",
          "canned goods",
          "dairy eggs",
          "household",
          "babies",
          "snacks",
          "deli",
          "missing");

  /** Aisle name and department_id; aisle_id = index + 1. */
  record Aisle(String name, int departmentId) {}

  static final List<Aisle> AISLES =
      List.of(
          new Aisle("prepared soups salads", 20), new Aisle("specialty cheeses", 16),
          new Aisle("energy granola bars", 19), new Aisle("instant foods", 9),
          new Aisle("marinades meat preparation", 13), new Aisle("other", 2),
          new Aisle("packaged meat", 12), new Aisle("bakery desserts", 3),
          new Aisle("pasta sauce", 9), new Aisle("kitchen supplies", 17),
          new Aisle("cold flu allergy", 11), new Aisle("fresh pasta", 20),
          new Aisle("prepared meals", 20), new Aisle("tofu meat alternatives", 20),
          new Aisle("packaged seafood", 12), new Aisle("fresh herbs", 4),
          new Aisle("baking ingredients", 13), new Aisle("bulk dried fruits vegetables", 10),
          new Aisle("oils vinegars", 13), new Aisle("oral hygiene", 11),
          new Aisle("packaged cheese", 16), new Aisle("hair care", 11),
          new Aisle("popcorn jerky", 19), new Aisle("fresh fruits", 4),
          new Aisle("soap", 11), new Aisle("coffee", 7),
          new Aisle("beers coolers", 5), new Aisle("red wines", 5),
          new Aisle("honeys syrups nectars", 13), new Aisle("latino foods", 6),
          new Aisle("refrigerated", 7), new Aisle("packaged produce", 4),
          new Aisle("kosher foods", 6), new Aisle("frozen meat seafood", 1),
          new Aisle("poultry counter", 12), new Aisle("butter", 16),
          new Aisle("ice cream ice", 1), new Aisle("frozen meals", 1),
          new Aisle("seafood counter", 12), new Aisle("dog food care", 8),
          new Aisle("cat food care", 8), new Aisle("frozen vegan vegetarian", 1),
          new Aisle("buns rolls", 3), new Aisle("eye ear care", 11),
          new Aisle("candy chocolate", 19), new Aisle("mint gum", 19),
          new Aisle("vitamins supplements", 11), new Aisle("breakfast bars pastries", 14),
          new Aisle("packaged poultry", 12), new Aisle("fruit vegetable snacks", 19),
          new Aisle("preserved dips spreads", 13), new Aisle("frozen breakfast", 1),
          new Aisle("cream", 16), new Aisle("paper goods", 17),
          new Aisle("shave needs", 11), new Aisle("diapers wipes", 18),
          new Aisle("granola", 14), new Aisle("frozen breads doughs", 1),
          new Aisle("canned meals beans", 15), new Aisle("trash bags liners", 17),
          new Aisle("cookies cakes", 19), new Aisle("white wines", 5),
          new Aisle("grains rice dried goods", 9), new Aisle("energy sports drinks", 7),
          new Aisle("protein meal replacements", 11), new Aisle("asian foods", 6),
          new Aisle("fresh dips tapenades", 20), new Aisle("bulk grains rice dried goods", 10),
          new Aisle("soup broth bouillon", 15), new Aisle("digestion", 11),
          new Aisle("refrigerated pudding desserts", 16), new Aisle("condiments", 13),
          new Aisle("facial care", 11), new Aisle("dish detergents", 17),
          new Aisle("laundry", 17), new Aisle("indian foods", 6),
          new Aisle("soft drinks", 7), new Aisle("crackers", 19),
          new Aisle("frozen pizza", 1), new Aisle("deodorants", 11),
          new Aisle("canned jarred vegetables", 15), new Aisle("baby accessories", 18),
          new Aisle("fresh vegetables", 4), new Aisle("milk", 16),
          new Aisle("food storage", 17), new Aisle("eggs", 16),
          new Aisle("more household", 17), new Aisle("spreads", 13),
          new Aisle("salad dressing toppings", 13), new Aisle("cocoa drink mixes", 7),
          new Aisle("soy lactosefree", 16), new Aisle("baby food formula", 18),
          new Aisle("breakfast bakery", 3), new Aisle("tea", 7),
          new Aisle("canned meat seafood", 15), new Aisle("lunch meat", 20),
          new Aisle("baking supplies decor", 13), new Aisle("juice nectars", 7),
          new Aisle("canned fruit applesauce", 15), new Aisle("missing", 21),
          new Aisle("air fresheners candles", 17), new Aisle("baby bath body care", 18),
          new Aisle("ice cream toppings", 19), new Aisle("spices seasonings", 13),
          new Aisle("doughs gelatins bake mixes", 13), new Aisle("hot dogs bacon sausage", 12),
          new Aisle("chips pretzels", 19), new Aisle("other creams cheeses", 16),
          new Aisle("skin care", 11), new Aisle("pickled goods olives", 13),
          new Aisle("plates bowls cups flatware", 17), new Aisle("bread", 3),
          new Aisle("frozen juice", 1), new Aisle("cleaning products", 17),
          new Aisle("water seltzer sparkling water", 7), new Aisle("frozen produce", 1),
          new Aisle("nuts seeds dried fruit", 19), new Aisle("first aid", 11),
          new Aisle("frozen dessert", 1), new Aisle("yogurt", 16),
          new Aisle("cereal", 14), new Aisle("meat counter", 12),
          new Aisle("packaged vegetables fruits", 4), new Aisle("spirits", 5),
          new Aisle("trail mix snack mix", 19), new Aisle("feminine care", 11),
          new Aisle("body lotions soap", 11), new Aisle("tortillas flat bread", 3),
          new Aisle("frozen appetizers sides", 1), new Aisle("hot cereal pancake mixes", 14),
          new Aisle("dry pasta", 9), new Aisle("beauty", 11),
          new Aisle("muscles joints pain relief", 11), new Aisle("specialty wines champagnes", 5));

  /** Share of orders per order_dow (0 = Sunday), as in the real orders.csv. */
  static final double[] DOW_WEIGHTS = {0.195, 0.175, 0.130, 0.120, 0.117, 0.130, 0.133};

  /** Share of orders per hour of day (percent), as in the real orders.csv. */
  static final double[] HOUR_WEIGHTS = {
    0.67, 0.36, 0.22, 0.16, 0.17, 0.27, 0.90, 2.76, 5.34, 7.58, 8.52, 8.49,
    8.22, 8.19, 8.32, 8.23, 7.76, 6.18, 4.91, 3.82, 3.00, 2.50, 1.97, 1.31
  };

  static final List<String> PREFIXES =
      List.of(
          "Organic",
          "Original",
          "Classic",
          "Natural",
          "Gluten Free",
          "Low Fat",
          "Whole",
          "Unsweetened",
          "Family Size",
          "Artisan",
          "Premium",
          "Lightly Salted",
          "Reduced Sodium");

  static final List<String> FLAVORS =
      List.of(
          "Vanilla",
          "Strawberry",
          "Sea Salt",
          "Honey",
          "Garlic & Herb",
          "Dark Chocolate",
          "Lemon",
          "Cinnamon",
          "Blueberry",
          "Mango",
          "Smoked",
          "Spicy",
          "Plain",
          "Coconut",
          "Maple",
          "Peach",
          "Mint",
          "Roasted",
          "Sweet Potato",
          "Jalapeño",
          "Crème Brûlée");

  static final List<String> SIZES =
      List.of("12 oz", "16 oz", "1 lb", "2 ct", "6 pack", "Family Pack", "32 fl oz", "500 ml");

  static final List<String> FIRST_NAMES =
      List.of(
          "Ava",
          "Liam",
          "Olivia",
          "Noah",
          "Emma",
          "Mateo",
          "Sofía",
          "Lucas",
          "Zoë",
          "Ethan",
          "Mia",
          "Aarav",
          "Chloé",
          "Jonas",
          "Amelia",
          "Łukasz",
          "Hannah",
          "Kenji",
          "Isla",
          "Omar",
          "Priya",
          "Björn",
          "Fatima",
          "Diego",
          "Grace",
          "Nguyễn",
          "Leah",
          "Mohammed",
          "Ines",
          "Tariq");

  static final List<String> LAST_NAMES =
      List.of(
          "Smith",
          "Johnson",
          "García",
          "O'Brien",
          "Müller",
          "Nguyen",
          "Patel",
          "Kowalski",
          "Rossi",
          "Tanaka",
          "Brown",
          "Dubois",
          "Silva",
          "Kim",
          "Andersson",
          "Haddad",
          "Lopez",
          "Wilson",
          "Novak",
          "Cohen",
          "Martin",
          "Schmidt",
          "Okafor",
          "Larsen",
          "Ivanova",
          "Van der Berg",
          "Fernández",
          "Chen",
          "Murphy",
          "St. John");

  static final List<String> USER_AGENTS =
      List.of(
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
          "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
          "GrocerApp/5.2.1 (iOS 17.4; \"iPad\", build 1187)");

  static final List<String> COMMENTS =
      List.of(
          "Great selection, fast delivery.",
          "Bananas were too green, otherwise fine.",
          "Driver was friendly; bags were heavy, though.",
          "Missing one item (the \"organic\" milk).",
          "Substitution was okay.\nWould order again.",
          "Produce was bruised",
          "Excellent! 10/10 ★★★★★",
          "Price of eggs, again?!",
          "Très bien, merci.",
          "Checkout took forever, app froze twice");
}
