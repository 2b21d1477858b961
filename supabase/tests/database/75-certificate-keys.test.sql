-- A certificate's private key is never readable back (20261208000600_certificate_keys_sealed.sql):
-- reveal_secret refuses a certificate-owned secret even to an owner holding secrets.reveal
-- (TN594), a stranger still gets TN310 (nothing learnt), and other owned secrets still reveal.
begin;
select plan(5);
select tests.seed_fixture();

insert into public.tenant_domains (tenant_id, domain, verified_at)
  values (tests.tenant_id('test-acme'), 'tls.acme.t75.example', now());
insert into public.secrets (id, tenant_id, name, format, owner_type, owner_id)
  select '00000000-0000-4000-8000-000000007501', tenants.id, 'private_key', 'pem', 'certificate',
         '00000000-0000-4000-8000-000000007502'
  from public.tenants where slug = 'test-acme';
insert into public.certificates (id, tenant_id, domain_id, chain_pem, key_secret_id, fingerprint_sha256, subject,
                                 issuer, names, not_before, not_after)
  select '00000000-0000-4000-8000-000000007502', d.tenant_id, d.id, '-----BEGIN CERTIFICATE-----x',
         '00000000-0000-4000-8000-000000007501', rtrim(repeat('CD:', 32), ':'), 'CN=tls.acme.t75.example',
         'CN=Test CA', '{tls.acme.t75.example}', now() - interval '1 day', now() + interval '60 days'
  from public.tenant_domains d where d.domain = 'tls.acme.t75.example';

select is(tests.try_as('alice', $$select * from public.secrets where id = '00000000-0000-4000-8000-000000007501'$$),
  'rows:1', 'the owner sees the key secret''s metadata');
select is(tests.try_as('alice', $$select * from public.reveal_secret('00000000-0000-4000-8000-000000007501')$$),
  'error:TN594', 'the owner, holding secrets.reveal, is refused the certificate''s key');
select is(tests.try_as('alice', $$select * from public.reveal_secret('00000000-0000-4000-8000-000000007501', 1)$$),
  'error:TN594', 'nor any version of it');
select is(tests.try_as('frank', $$select * from public.reveal_secret('00000000-0000-4000-8000-000000007501')$$),
  'error:TN310', 'another tenant''s owner learns nothing (TN310, as for any secret it may not see)');
select is((select count(*)::int from public.audit_logs where action = 'secret.reveal'
            and target_id = '00000000-0000-4000-8000-000000007501'), 0, 'no reveal was recorded');

select * from finish();
rollback;
