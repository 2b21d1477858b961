-- Secrets demo data (docs/secrets.md), after supabase/seed.sql: four Acme secrets, one of each
-- format — an API key, a JSON config, a partner JWT that expires in 20 days (the page warns) and a
-- certificate. SQL cannot seal (the key-encryption key is not in the database), so the values wait
-- in private.secret_seed_values until the app's secrets.seal_seeded job (src/lib/server/secrets/
-- seed-job.ts) seals each into a secret and deletes it, at once when the app starts. Demo values
-- only. Idempotent: a name the tenant already has is not asked for again.

insert into private.secret_seed_values (tenant_id, name, format, description, value)
select 'b0000000-0000-4000-8000-000000000001', v.name, v.format, v.description, v.value
from (values
  ('MAIL_API_KEY', 'opaque', 'The transactional mail provider''s API key (demo).',
   'demo_mail_key_4f1c9a0e2b7d4c55'),
  ('ANALYTICS_CONFIG', 'json', 'Where the analytics export goes (demo).',
   '{"endpoint": "https://analytics.acme.test/ingest", "project": "acme-web", "sample_rate": 0.25}'),
  ('PARTNER_TOKEN', 'jwt', 'The partner API''s service token; it expires in 20 days (demo).',
   (select translate(encode(convert_to('{"alg":"HS256","typ":"JWT"}', 'UTF8'), 'base64'), '+/=', '-_')
           || '.' || translate(encode(convert_to(jsonb_build_object(
                'iss', 'https://partner.acme.test', 'sub', 'acme-integration',
                'iat', extract(epoch from date_trunc('second', now()))::bigint,
                'exp', extract(epoch from date_trunc('second', now() + interval '20 days'))::bigint)::text, 'UTF8'), 'base64'),
                '+/=' || chr(10), '-_')
           || '.ZGVtby1zaWduYXR1cmU')),
  ('PARTNER_CERTIFICATE', 'pem', 'The partner''s TLS certificate (demo, self-signed).',
   '-----BEGIN CERTIFICATE-----
MIIBtjCCAVugAwIBAgIUUfCmjDelRcVsCmsm6/XtNC/ByfswCgYIKoZIzj0EAwIw
MDEaMBgGA1UEAwwRcGFydG5lci5hY21lLnRlc3QxEjAQBgNVBAoMCUFjbWUgRGVt
bzAeFw0yNjEyMDExODU1MTlaFw0yODExMzAxODU1MTlaMDAxGjAYBgNVBAMMEXBh
cnRuZXIuYWNtZS50ZXN0MRIwEAYDVQQKDAlBY21lIERlbW8wWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQgIiwi4j+oxd8uFCTWL3Cq3T5erB7bWM69XmDkcR6DA0HR
8c83ox2mi64hXYOglim+oUbkRxMDJo5ifua93NXZo1MwUTAdBgNVHQ4EFgQUrAsO
0VDdhfwMT8pPOhqUa+b+ikgwHwYDVR0jBBgwFoAUrAsO0VDdhfwMT8pPOhqUa+b+
ikgwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA0mv40xDPvNXt
jA8GyKitcioJbKfptGTfOs+Trmdv6O8CIQDL8ed9012mHHlYDkeF/otorL56+cWy
DZzv/KzR4juuqw==
-----END CERTIFICATE-----')
) v(name, format, description, value)
where not exists (select 1 from public.secrets s
                  where s.tenant_id = 'b0000000-0000-4000-8000-000000000001' and lower(s.name) = lower(v.name)
                    and s.project_id is null and s.owner_type is null)
on conflict (tenant_id, name) do nothing;
