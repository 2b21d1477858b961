-- Custom domains, continued: the DNS records each domain needs (who reads them, only the job
-- records checks, a verified domain that loses its CNAME is flagged), one primary domain per
-- tenant, certificates (who uploads, reads, deletes; the key is the certificate's own secret; the
-- window is open) and the idempotent 30/7/1-day expiry notices.
begin;
select plan(44);
select tests.seed_fixture();

select tests.do_as('alice', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'portal.acme.t67.example')$$,
  tests.tenant_id('test-acme')));
select tests.do_as('alice', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'www.acme.t67.example')$$,
  tests.tenant_id('test-acme')));
select tests.do_as('frank', format($$insert into public.tenant_domains (tenant_id, domain) values (%L, 'portal.globex.t67.example')$$,
  tests.tenant_id('test-globex')));
create temporary table d67 as
  select domain, id, tenant_id, verification_token from public.tenant_domains where domain like '%.t67.example';
grant select on d67 to public;

-- The records to publish, from the settings
select is((select array_agg(record_type || ' ' || host || ' ' || value order by record_type)
           from public.dns_records where domain_id = (select id from d67 where domain = 'portal.acme.t67.example')),
  array['CAA portal.acme.t67.example 0 issue "letsencrypt.org"', 'CNAME portal.acme.t67.example tenants.tenantry.localhost',
        'TXT _tenantry.portal.acme.t67.example tenantry-verification=' || (select verification_token from d67 where domain = 'portal.acme.t67.example')],
  'a new domain gets its TXT, CNAME and CAA records');
select is((select bool_and(required) from public.dns_records where record_type in ('TXT', 'CNAME') and host like '%.t67.example'), true,
  'TXT and CNAME are required');
select is((select bool_or(required) from public.dns_records where record_type = 'CAA' and host like '%.t67.example'), false, 'CAA is advice');
update public.system_settings set value = '"192.0.2.10, 192.0.2.11"' where key = 'domains.ipv4_addresses';
update public.system_settings set value = '"2001:db8::10"' where key = 'domains.ipv6_addresses';
select tests.authenticate_as_service_role('domains.dns_check');
select private.sync_dns_records((select id from d67 where domain = 'www.acme.t67.example'));
select tests.clear_authentication();
select is((select array_agg(record_type || ' ' || value order by record_type, value) from public.dns_records
           where domain_id = (select id from d67 where domain = 'www.acme.t67.example') and purpose = 'routing'),
  array['A 192.0.2.10', 'A 192.0.2.11', 'AAAA 2001:db8::10'],
  'with fixed platform addresses, A/AAAA records replace the CNAME');
update public.system_settings set value = '""' where key in ('domains.ipv4_addresses', 'domains.ipv6_addresses');
select tests.authenticate_as_service_role('domains.dns_check');
select private.sync_dns_records((select id from d67 where domain = 'www.acme.t67.example'));
select tests.clear_authentication();
select is((select count(*)::int from public.dns_records where domain_id = (select id from d67 where domain = 'www.acme.t67.example')
           and record_type in ('A', 'AAAA')), 0, 'and go again when the addresses are cleared');

-- Reading the records
select is(tests.try_as('alice', 'select * from public.dns_records'), 'rows:6', 'the owner sees acme''s records');
select is(tests.try_as('carol', 'select * from public.dns_records'), 'rows:0', 'a viewer sees none');
select is(tests.try_as('frank', format('select * from public.dns_records where tenant_id = %L', tests.tenant_id('test-acme'))),
  'rows:0', 'another tenant''s owner sees none of acme''s');
select is(tests.try_as('erin', 'select * from public.dns_records'), 'rows:0', 'a stranger sees none');
select is(tests.try_as('anon', 'select * from public.dns_records'), 'error:42501', 'anon has no access');
select is(tests.try_as('sue', 'select * from public.dns_records'), tests.rows('select * from public.dns_records'),
  'support staff see every record');
select is(tests.try_as('alice', $$update public.dns_records set status = 'ok'$$), 'error:42501',
  'the owner cannot mark a record ok');
select is(tests.try_as('alice', $$insert into public.dns_records (tenant_id, domain_id, record_type, host, value, purpose, required)
  select tenant_id, id, 'TXT', 'x.example', 'x', 'advice', false from d67 limit 1$$), 'error:42501', 'nor add one');
select is(tests.try_as('alice', format($$select private.record_dns_checks(%L, '[]')$$,
  (select id from d67 where domain = 'portal.acme.t67.example'))), 'error:42501', 'nor call the check recorder');

-- Recording checks
select tests.authenticate_as_service_role('domains.dns_check');
select throws_ok(format($$select private.record_dns_checks(%L, %L)$$, (select id from d67 where domain = 'portal.acme.t67.example'),
  jsonb_build_array(jsonb_build_object('id', (select id from public.dns_records where host = 'portal.globex.t67.example' and record_type = 'CNAME'),
                                       'status', 'ok'))), 'TN590', null, 'a result naming another domain''s record is refused');
select throws_ok(format($$select private.record_dns_checks(%L, %L)$$, (select id from d67 where domain = 'portal.acme.t67.example'),
  jsonb_build_array(jsonb_build_object('id', (select id from public.dns_records where host = 'portal.acme.t67.example' and record_type = 'CNAME'),
                                       'status', 'fine'))), 'TN590', null, 'and an unknown status');
select private.mark_domain_checked((select id from d67 where domain = 'portal.acme.t67.example'), true);
select private.record_dns_checks((select id from d67 where domain = 'portal.acme.t67.example'),
  (select jsonb_agg(jsonb_build_object('id', id, 'status', 'ok')) from public.dns_records
   where domain_id = (select id from d67 where domain = 'portal.acme.t67.example')));
select is((select dns_lost_at from public.tenant_domains where domain = 'portal.acme.t67.example'), null,
  'a verified domain with every record in place is not flagged');
select private.record_dns_checks((select id from d67 where domain = 'portal.acme.t67.example'),
  (select jsonb_agg(jsonb_build_object('id', id, 'status', case when record_type = 'CNAME' then 'wrong' else 'ok' end,
                                       'found', case when record_type = 'CNAME' then 'elsewhere.example' end))
   from public.dns_records where domain_id = (select id from d67 where domain = 'portal.acme.t67.example')));
select private.record_dns_checks((select id from d67 where domain = 'portal.acme.t67.example'),
  (select jsonb_agg(jsonb_build_object('id', id, 'status', case when record_type = 'CNAME' then 'missing' else 'ok' end))
   from public.dns_records where domain_id = (select id from d67 where domain = 'portal.acme.t67.example')));
select tests.clear_authentication();
select isnt((select dns_lost_at from public.tenant_domains where domain = 'portal.acme.t67.example'), null,
  'a verified domain that loses its CNAME is flagged');
select is((select count(*)::int from public.events where type = 'domain.dns_lost'
           and subject_id = (select id::text from d67 where domain = 'portal.acme.t67.example')), 1,
  'domain.dns_lost is published once, not on every failing check');
select is((select payload ->> 'found' from public.events where type = 'domain.dns_lost'), 'elsewhere.example',
  'and says what was found instead');
select is((select status || ' ' || coalesce(found, '') from public.dns_records where host = 'portal.acme.t67.example' and record_type = 'CNAME'),
  'missing ', 'the record keeps its latest status');
select is((select count(*)::int from public.events where type = 'domain.dns_checked' and payload ->> 'domain' like '%.t67.example'), 3, 'each check publishes domain.dns_checked');

-- The primary domain
select is(tests.try_as('alice', format('select public.set_primary_domain(%L)', (select id from d67 where domain = 'www.acme.t67.example'))),
  'error:TN593', 'an unverified domain cannot be primary');
select is(tests.try_as('frank', format('select public.set_primary_domain(%L)', (select id from d67 where domain = 'portal.acme.t67.example'))),
  'error:TN003', 'another tenant''s owner cannot choose acme''s primary');
select is(tests.try_as('carol', format('select public.set_primary_domain(%L)', (select id from d67 where domain = 'portal.acme.t67.example'))),
  'error:TN003', 'nor can a viewer');
select is(tests.do_as('alice', format('select public.set_primary_domain(%L)', (select id from d67 where domain = 'portal.acme.t67.example'))),
  'ok:1', 'the owner makes a verified domain primary');
select is(tests.try_as('alice', $$update public.tenant_domains set is_primary = true$$), 'error:42501',
  'the flag changes only through the function');
select throws_ok(format($$update public.tenant_domains set is_primary = true where id = %L$$, (select id from d67 where domain = 'www.acme.t67.example')),
  '23505', null, 'a second primary per tenant is impossible (even for the schema owner)');

-- Certificates
insert into public.secrets (id, tenant_id, name, format, owner_type, owner_id)
  select '00000000-0000-4000-8000-000000006701', tenant_id, 'private_key', 'pem', 'certificate',
         '00000000-0000-4000-8000-000000006702' from d67 where domain = 'portal.acme.t67.example';
create temporary table c67 (sql text);
grant select on c67 to public;
insert into c67 values (format($$insert into public.certificates (id, tenant_id, domain_id, chain_pem, key_secret_id,
  fingerprint_sha256, subject, issuer, names, not_before, not_after)
  values ('00000000-0000-4000-8000-000000006702', %L, %L, '-----BEGIN CERTIFICATE-----x', '00000000-0000-4000-8000-000000006701',
          %L, 'CN=portal.acme.t67.example', 'CN=Test CA', '{portal.acme.t67.example}', now() - interval '1 day', now() + interval '20 days')$$,
  tests.tenant_id('test-acme'), (select id from d67 where domain = 'portal.acme.t67.example'),
  rtrim(repeat('AB:', 32), ':')));
select is(tests.try_as('carol', (select sql from c67)), 'error:42501', 'a viewer cannot upload a certificate');
select is(tests.try_as('frank', (select sql from c67)), 'error:42501', 'nor another tenant''s owner');
select is(tests.try_as('alice', replace((select sql from c67), '000000006702'', ', '000000006703'', ')), 'error:TN591',
  'the key must be the certificate''s own secret');
select is(tests.try_as('alice', replace((select sql from c67), 'now() + interval ''20 days''', 'now() - interval ''1 hour''')),
  'error:TN592', 'an expired certificate is refused');
select is(tests.do_as('alice', (select sql from c67)), 'ok:1', 'the owner uploads a certificate for its domain');
select is((select ssl_status from public.tenant_domains where domain = 'portal.acme.t67.example'), 'expiring',
  'the domain''s TLS state follows its certificate');
select is(tests.try_as('alice', 'select * from public.certificates'), 'rows:1', 'the owner sees it');
select is(tests.try_as('frank', 'select * from public.certificates'), 'rows:0', 'another tenant does not');

-- Expiry notices: 20 days left crosses the 30-day threshold only, once
select tests.authenticate_as_service_role('domains.certificates');
select is(private.send_certificate_notices(), 1, 'the expiry pass announces the 30-day threshold');
select is(private.send_certificate_notices(), 0, 'and not again');
select tests.clear_authentication();
set local session_replication_role = replica;
update public.certificates set not_after = now() + interval '12 hours';
set local session_replication_role = origin;
select tests.authenticate_as_service_role('domains.certificates');
select is(private.send_certificate_notices(), 1, 'a certificate a day from its end announces the 1-day threshold (skipping 7)');
select tests.clear_authentication();
select is((select array_agg(payload ->> 'threshold_days' order by payload ->> 'threshold_days' desc) from public.events where type = 'certificate.expiring'),
  array['30', '1'], 'two certificate.expiring events, one per threshold crossed');
select is(tests.try_as('alice', 'select private.send_certificate_notices()'), 'error:42501', 'a person cannot run the pass');

select * from finish();
rollback;
