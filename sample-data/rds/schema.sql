-- The grocer's operational database (the RDS PostgreSQL source of the backfill).
-- Same entities as the Instacart files, with event times and updated_at versions.
-- Idempotent: safe to run on a database that already has the schema.

CREATE SCHEMA IF NOT EXISTS shop;

CREATE TABLE IF NOT EXISTS shop.departments (
  department_id integer PRIMARY KEY,
  department    text NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS shop.aisles (
  aisle_id   integer PRIMARY KEY,
  aisle      text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS shop.products (
  product_id    integer PRIMARY KEY,
  product_name  text NOT NULL,
  aisle_id      integer NOT NULL REFERENCES shop.aisles (aisle_id),
  department_id integer NOT NULL REFERENCES shop.departments (department_id),
  unit_price    numeric(10, 2) CHECK (unit_price IS NULL OR unit_price >= 0),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

-- PII: full_name, email, phone.
CREATE TABLE IF NOT EXISTS shop.customers (
  customer_id integer PRIMARY KEY,
  full_name   text NOT NULL,
  email       text NOT NULL,
  phone       text,
  country     text NOT NULL,
  tier        text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS shop.orders (
  order_id               integer PRIMARY KEY,
  user_id                integer NOT NULL REFERENCES shop.customers (customer_id),
  eval_set               text NOT NULL CHECK (eval_set IN ('prior', 'train', 'test')),
  order_number           integer NOT NULL CHECK (order_number >= 1),
  order_dow              smallint NOT NULL CHECK (order_dow BETWEEN 0 AND 6),
  order_hour_of_day      smallint NOT NULL CHECK (order_hour_of_day BETWEEN 0 AND 23),
  days_since_prior_order smallint CHECK (days_since_prior_order BETWEEN 0 AND 30),
  order_ts               timestamptz NOT NULL,
  updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS orders_order_ts ON shop.orders (order_ts);
CREATE INDEX IF NOT EXISTS orders_updated_at ON shop.orders (updated_at);

CREATE TABLE IF NOT EXISTS shop.order_lines (
  order_id          integer NOT NULL REFERENCES shop.orders (order_id),
  product_id        integer NOT NULL REFERENCES shop.products (product_id),
  add_to_cart_order integer NOT NULL CHECK (add_to_cart_order >= 1),
  reordered         smallint NOT NULL CHECK (reordered IN (0, 1)),
  quantity          integer NOT NULL DEFAULT 1 CHECK (quantity >= 1),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, product_id)
);
CREATE INDEX IF NOT EXISTS order_lines_updated_at ON shop.order_lines (updated_at);

-- PII: email.
CREATE TABLE IF NOT EXISTS shop.feedback (
  feedback_id  text PRIMARY KEY,
  store_id     integer NOT NULL,
  rating       smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment      text,
  email        text,
  submitted_at timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS feedback_submitted_at ON shop.feedback (submitted_at);
