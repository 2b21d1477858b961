-- Privacy demo data (docs/privacy.md), after supabase/seed.sql: Acme asks consent for its
-- newsletter and for product analytics (whose text is at version 2); Vint Viewer gave the
-- newsletter consent from the page, and an end user of Acme's product (cust-1001) gave both through
-- the API, then withdrew analytics; Vint asked Acme for a copy of his data (received, not yet
-- confirmed). Idempotent: fixed ids, `on conflict do nothing`.

insert into public.consent_purposes (id, tenant_id, key, name, description, version) values
  ('e3900000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'newsletter', 'Newsletter',
   'A monthly email about what is new in Acme.', 1),
  ('e3900000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'product-analytics',
   'Product analytics', 'Anonymous usage statistics that help us improve the product.', 2)
on conflict do nothing;

insert into public.consents (id, tenant_id, purpose_id, subject_type, subject_id, granted, text_version, source,
                             ip, user_agent, recorded_by, recorded_at) values
  ('e3910000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'e3900000-0000-4000-8000-000000000001',
   'member', 'a0000000-0000-4000-8000-000000000014', true, 1, 'page', null, 'Seed', 'a0000000-0000-4000-8000-000000000014',
   now() - interval '20 days'),
  ('e3910000-0000-4000-8000-000000000002', 'b0000000-0000-4000-8000-000000000001', 'e3900000-0000-4000-8000-000000000001',
   'end_user', 'cust-1001', true, 1, 'api', null, 'acme-app/3.1', null, now() - interval '10 days'),
  ('e3910000-0000-4000-8000-000000000003', 'b0000000-0000-4000-8000-000000000001', 'e3900000-0000-4000-8000-000000000002',
   'end_user', 'cust-1001', true, 2, 'api', null, 'acme-app/3.1', null, now() - interval '10 days'),
  ('e3910000-0000-4000-8000-000000000004', 'b0000000-0000-4000-8000-000000000001', 'e3900000-0000-4000-8000-000000000002',
   'end_user', 'cust-1001', false, 2, 'api', null, 'acme-app/3.1', null, now() - interval '2 days')
on conflict do nothing;

insert into public.gdpr_requests (id, tenant_id, subject_user_id, kind, details, requested_by, received_at, due_at,
                                  verification_hash) values
  ('e3920000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000014',
   'access', 'Please send me a copy of everything you keep about me.', 'a0000000-0000-4000-8000-000000000014',
   now() - interval '3 days', now() - interval '3 days' + interval '1 month', sha256(convert_to('demo-privacy-acme', 'UTF8')))
on conflict do nothing;
