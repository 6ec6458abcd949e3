-- Seed data for local development and the end-to-end tests.

INSERT INTO users (id, email, name, created_at) VALUES
  ('usr_dana', 'dana@example.com', 'Dana Lee', '2024-01-15T10:30:00.000Z'),
  ('usr_sam', 'sam@example.com', 'Sam Rivera', '2024-03-02T08:00:00.000Z'),
  ('usr_ali', 'ali@example.com', NULL, '2025-06-20T17:45:00.000Z'),
  ('usr_team_admin', 'lead@acme.test', 'Morgan Lead', '2024-05-01T12:00:00.000Z');

INSERT INTO products (id, name, product_type, state, quantity_available, quantity_remaining, starts_at, ends_at, enrollment_open, enrollment_close) VALUES
  ('prod_tt', 'Total TypeScript', 'self-paced', 'active', -1, -1, NULL, NULL, NULL, NULL),
  ('prod_ws', 'TypeScript Generics Workshop (live)', 'live', 'active', 50, 0, '2026-12-10T17:00:00.000Z', '2026-12-10T20:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-12-09T00:00:00.000Z'),
  ('prod_old', 'TypeScript 4 Course', 'self-paced', 'archived', -1, -1, NULL, NULL, NULL, NULL);

INSERT INTO purchases (id, user_id, product_id, purchased_at, amount, currency, stripe_charge_id, status, license_type, total_seats, bulk_coupon_id, admin_email, expires_at) VALUES
  ('pur_dana_tt', 'usr_dana', 'prod_tt', '2026-11-01T09:00:00.000Z', 49900, 'usd', 'ch_3Dana001', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_dana_ws', 'usr_dana', 'prod_ws', '2026-11-05T09:00:00.000Z', 19900, 'usd', 'ch_3Dana002', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_sam_old', 'usr_sam', 'prod_old', '2024-03-02T08:05:00.000Z', 24900, 'usd', 'ch_3Sam0001', 'refunded', 'individual', 1, NULL, NULL, NULL),
  ('pur_sam_tt', 'usr_sam', 'prod_tt', '2026-10-20T08:05:00.000Z', 49900, 'usd', 'ch_3Sam0002', 'active', 'individual', 1, NULL, NULL, NULL),
  ('pur_acme_team', 'usr_team_admin', 'prod_tt', '2026-09-01T12:00:00.000Z', 399000, 'usd', 'ch_3Acme001', 'active', 'team', 10, 'bulk_acme', 'lead@acme.test', '2027-09-01T12:00:00.000Z');

UPDATE purchases SET refund_id = 're_3Sam0001', refund_reason = 'requested_by_customer' WHERE id = 'pur_sam_old';

INSERT INTO subscriptions (id, user_id, product_id, status, current_period_start, current_period_end, cancel_at_period_end) VALUES
  ('sub_sam_pro', 'usr_sam', 'prod_tt', 'active', '2026-11-20T00:00:00.000Z', '2026-12-20T00:00:00.000Z', 0);

INSERT INTO seats (bulk_coupon_id, user_id, email, claimed_at, last_active_at) VALUES
  ('bulk_acme', 'usr_team_admin', 'lead@acme.test', '2026-09-01T12:10:00.000Z', '2026-11-25T09:00:00.000Z'),
  ('bulk_acme', 'usr_ali', 'ali@example.com', '2026-09-03T15:00:00.000Z', NULL);

INSERT INTO modules (id, product_id, title, position, free) VALUES
  ('mod_basics', 'prod_tt', 'Type Basics', 1, 1),
  ('mod_generics', 'prod_tt', 'Generics', 2, 0),
  ('mod_advanced', 'prod_tt', 'Advanced Patterns', 3, 0);

INSERT INTO content (id, type, title, description, url, tags, difficulty, access_level, duration, quick_link) VALUES
  ('crs_tt', 'course', 'Total TypeScript', 'The complete TypeScript course', 'https://app.example.com/courses/total-typescript', 'typescript', 'intermediate', 'paid', NULL, 0),
  ('les_generics_intro', 'lesson', 'Introduction to Generics', 'Why generics exist and how to read them', 'https://app.example.com/lessons/generics-intro', 'typescript,generics', 'beginner', 'free', 420, 0),
  ('les_generic_constraints', 'lesson', 'Generic Constraints', 'Constrain type parameters with extends', 'https://app.example.com/lessons/generic-constraints', 'typescript,generics', 'intermediate', 'paid', 610, 0),
  ('art_satisfies', 'article', 'The satisfies operator', 'When to use satisfies instead of a type annotation', 'https://app.example.com/articles/satisfies', 'typescript,operators', 'intermediate', 'free', NULL, 0),
  ('ex_infer', 'exercise', 'Infer the return type', 'Practice conditional types with infer', 'https://app.example.com/exercises/infer', 'typescript,conditional-types', 'advanced', 'paid', NULL, 0),
  ('res_faq', 'resource', 'Frequently asked questions', 'Licenses, refunds, invoices', 'https://app.example.com/faq', 'faq,refunds,invoices', NULL, 'free', NULL, 1);

INSERT INTO promotions (id, name, code, discount_type, discount_amount, valid_from, valid_until, active, conditions) VALUES
  ('promo_bf', 'Black Friday', 'BLACKFRIDAY', 'percent', 40, '2026-11-20T00:00:00.000Z', '2026-12-02T00:00:00.000Z', 1, 'New purchases only'),
  ('promo_summer', 'Summer Sale', 'SUMMER', 'percent', 25, '2026-06-01T00:00:00.000Z', '2026-06-30T00:00:00.000Z', 0, NULL);

INSERT INTO coupons (code, valid, discount_type, discount_amount, restriction_type, usage_count, max_uses, expires_at) VALUES
  ('BLACKFRIDAY', 1, 'percent', 40, 'general', 812, NULL, '2026-12-02T00:00:00.000Z'),
  ('STUDENT50', 1, 'percent', 50, 'student', 37, 500, NULL),
  ('EXPIRED10', 0, 'fixed', 1000, 'general', 120, 120, '2025-01-01T00:00:00.000Z');

INSERT INTO lesson_progress (user_id, product_id, completed, total) VALUES
  ('usr_dana', 'prod_tt', 12, 48),
  ('usr_sam', 'prod_tt', 48, 48);

INSERT INTO activity (user_id, type, title, timestamp) VALUES
  ('usr_dana', 'login', 'Signed in', '2026-11-25T08:59:00.000Z'),
  ('usr_dana', 'lesson_completed', 'Introduction to Generics', '2026-11-25T09:10:00.000Z'),
  ('usr_dana', 'exercise_submitted', 'Infer the return type', '2026-11-25T09:40:00.000Z'),
  ('usr_sam', 'download', 'Course workbook (PDF)', '2026-11-10T14:00:00.000Z');

INSERT INTO settings (key, value) VALUES
  ('app_info', '{"name":"Total TypeScript","instructorName":"Matt Pocock","supportEmail":"team@app.example.com","websiteUrl":"https://app.example.com","invoicesUrl":"https://app.example.com/invoices","discordUrl":"https://app.example.com/discord","refundPolicyUrl":"https://app.example.com/refunds"}'),
  ('refund_policy', '{"autoApproveWindowDays":30,"manualApproveWindowDays":45,"noRefundAfterDays":60,"specialConditions":["Team licenses are refunded pro rata for unclaimed seats"],"policyUrl":"https://app.example.com/refunds"}');
