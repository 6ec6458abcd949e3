-- Schema of the reference product app. A real app has its own tables; this one
-- holds just enough to answer every method of the support contract.

CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  email       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name        TEXT,
  created_at  TEXT NOT NULL
);

CREATE TABLE products (
  id                  TEXT PRIMARY KEY,
  name                TEXT NOT NULL,
  product_type        TEXT NOT NULL,
  state               TEXT NOT NULL CHECK (state IN ('draft', 'active', 'unavailable', 'archived')),
  quantity_available  INTEGER NOT NULL DEFAULT -1,
  quantity_remaining  INTEGER NOT NULL DEFAULT -1,
  starts_at           TEXT,
  ends_at             TEXT,
  enrollment_open     TEXT,
  enrollment_close    TEXT
);

CREATE TABLE purchases (
  id                TEXT PRIMARY KEY,
  user_id           TEXT NOT NULL REFERENCES users(id),
  product_id        TEXT NOT NULL REFERENCES products(id),
  purchased_at      TEXT NOT NULL,
  amount            INTEGER NOT NULL,
  currency          TEXT NOT NULL,
  stripe_charge_id  TEXT,
  status            TEXT NOT NULL CHECK (status IN ('active', 'refunded', 'transferred')),
  refund_id         TEXT,
  refund_reason     TEXT,
  transferred_to    TEXT,
  license_type      TEXT NOT NULL DEFAULT 'individual',
  total_seats       INTEGER NOT NULL DEFAULT 1,
  bulk_coupon_id    TEXT,
  admin_email       TEXT,
  expires_at        TEXT
);
CREATE INDEX purchases_by_user ON purchases(user_id);

CREATE TABLE subscriptions (
  id                    TEXT PRIMARY KEY,
  user_id               TEXT NOT NULL REFERENCES users(id),
  product_id            TEXT NOT NULL REFERENCES products(id),
  status                TEXT NOT NULL,
  current_period_start  TEXT NOT NULL,
  current_period_end    TEXT NOT NULL,
  cancel_at_period_end  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE seats (
  bulk_coupon_id  TEXT NOT NULL,
  user_id         TEXT NOT NULL REFERENCES users(id),
  email           TEXT NOT NULL,
  claimed_at      TEXT NOT NULL,
  last_active_at  TEXT,
  PRIMARY KEY (bulk_coupon_id, user_id)
);

CREATE TABLE modules (
  id          TEXT PRIMARY KEY,
  product_id  TEXT NOT NULL REFERENCES products(id),
  title       TEXT NOT NULL,
  position    INTEGER NOT NULL,
  free        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE content (
  id            TEXT PRIMARY KEY,
  type          TEXT NOT NULL,
  title         TEXT NOT NULL,
  description   TEXT,
  url           TEXT NOT NULL,
  tags          TEXT NOT NULL DEFAULT '',
  difficulty    TEXT,
  access_level  TEXT,
  duration      INTEGER,
  quick_link    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE promotions (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  code             TEXT,
  discount_type    TEXT NOT NULL,
  discount_amount  REAL NOT NULL,
  valid_from       TEXT,
  valid_until      TEXT,
  active           INTEGER NOT NULL,
  conditions       TEXT
);

CREATE TABLE coupons (
  code              TEXT PRIMARY KEY COLLATE NOCASE,
  valid             INTEGER NOT NULL,
  discount_type     TEXT NOT NULL,
  discount_amount   REAL NOT NULL,
  restriction_type  TEXT,
  usage_count       INTEGER NOT NULL DEFAULT 0,
  max_uses          INTEGER,
  expires_at        TEXT
);

CREATE TABLE activity (
  user_id    TEXT NOT NULL REFERENCES users(id),
  type       TEXT NOT NULL,
  title      TEXT NOT NULL,
  timestamp  TEXT NOT NULL
);
CREATE INDEX activity_by_user ON activity(user_id, timestamp);

CREATE TABLE lesson_progress (
  user_id     TEXT NOT NULL REFERENCES users(id),
  product_id  TEXT NOT NULL REFERENCES products(id),
  completed   INTEGER NOT NULL,
  total       INTEGER NOT NULL,
  PRIMARY KEY (user_id, product_id)
);

CREATE TABLE magic_links (
  token       TEXT PRIMARY KEY,
  email       TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
);

-- Key/value settings: app info and refund policy.
CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);

-- Every change the support platform makes, for the app's own audit trail.
CREATE TABLE support_audit (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  action      TEXT NOT NULL,
  subject     TEXT NOT NULL,
  detail      TEXT NOT NULL,
  created_at  TEXT NOT NULL
);
