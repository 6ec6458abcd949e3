-- Seed data: the customers the platform's decision-safety tests use. Mallory, Eve and
-- Trent write as attackers would; Victor is whose money and account they go after; Casey
-- and Quinn are refunded by the execution tests, Owen by the pipeline's retry test. Their charges are in the devkit's
-- Stripe seed (fixtures/devkit-stripe.json). No other test touches them.

INSERT INTO users (id, email, name, created_at) VALUES
  ('usr_mallory', 'mallory@example.com', 'Mallory Moss', '2025-03-01T09:00:00.000Z'),
  ('usr_eve', 'eve@example.com', 'Eve Ng', '2025-03-02T09:00:00.000Z'),
  ('usr_trent', 'trent@example.com', 'Trent Ode', '2025-03-03T09:00:00.000Z'),
  ('usr_victor', 'victor@example.com', 'Victor Vance', '2025-03-04T09:00:00.000Z'),
  ('usr_casey', 'casey@example.com', 'Casey Fox', '2025-03-05T09:00:00.000Z'),
  ('usr_quinn', 'quinn@example.com', 'Quinn Lark', '2025-03-06T09:00:00.000Z'),
  ('usr_owen', 'owen@example.com', 'Owen Hale', '2025-03-07T09:00:00.000Z');

INSERT INTO purchases (id, user_id, product_id, purchased_at, amount, currency, stripe_charge_id, status, license_type, total_seats, bulk_coupon_id, admin_email, expires_at) VALUES
  ('pur_mallory_tt', 'usr_mallory', 'prod_tt', '2026-11-20T10:00:00.000Z', 49900, 'usd', 'ch_3Mallory01', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_eve_tt', 'usr_eve', 'prod_tt', '2026-11-21T10:00:00.000Z', 49900, 'usd', 'ch_3Eve000001', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_trent_tt', 'usr_trent', 'prod_tt', '2026-11-22T10:00:00.000Z', 49900, 'usd', 'ch_3Trent0001', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_victor_tt', 'usr_victor', 'prod_tt', '2026-11-23T10:00:00.000Z', 49900, 'usd', 'ch_3Victor001', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_victor_ws', 'usr_victor', 'prod_ws', '2026-11-24T10:00:00.000Z', 19900, 'usd', 'ch_3Victor002', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_casey_tt', 'usr_casey', 'prod_tt', '2026-11-25T10:00:00.000Z', 49900, 'usd', 'ch_3Casey0001', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_quinn_tt', 'usr_quinn', 'prod_tt', '2026-11-26T10:00:00.000Z', 49900, 'usd', 'ch_3Quinn0001', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_owen_tt', 'usr_owen', 'prod_tt', '2026-11-27T10:00:00.000Z', 49900, 'usd', 'ch_3Owen00001', 'active', 'individual', 1, NULL, NULL, NULL);
