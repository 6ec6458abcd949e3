-- Seed data: a customer the platform's approval tests refund end to end (her purchase
-- is refunded by those tests, so the SDK contract tests never touch it). Her charge
-- is in the devkit's Stripe seed (fixtures/devkit-stripe.json).

INSERT INTO users (id, email, name, created_at) VALUES
  ('usr_robin', 'robin@example.com', 'Robin Park', '2025-02-10T09:00:00.000Z');

INSERT INTO purchases (id, user_id, product_id, purchased_at, amount, currency, stripe_charge_id, status, license_type, total_seats, bulk_coupon_id, admin_email, expires_at) VALUES
  ('pur_robin_tt', 'usr_robin', 'prod_tt', '2026-11-25T10:00:00.000Z', 49900, 'usd', 'ch_3Robin01', 'active', 'individual', 1, NULL, NULL, NULL);
