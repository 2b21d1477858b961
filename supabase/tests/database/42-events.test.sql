-- Domain events (20261202000000_events.sql): every catalogue type is published by doing its real
-- action (the RPC or the write the app makes), exactly once, with its subject, payload and the
-- request's actor, in the transaction of the change (a rolled-back change leaves none); who can
-- read a tenant's events (audit.read or webhooks.manage, people and API keys; not members without
-- them, other tenants, anon, an aal1 session where MFA is required); and that nobody can write,
-- change or delete one.
--
-- Fixture: tests.seed_fixture() (acme: alice owner, bob admin, carol viewer, dave auditor;
-- globex: frank owner, gina developer; sam, sue, bill staff), plus plain42 (acme member, no role)
-- and gone42 (acme member in team "platform").
begin;
select plan(104);

select tests.seed_fixture();
select tests.create_user('plain42');
select tests.create_user('gone42');
select tests.create_user('e42', 'e42@example.test');
insert into public.memberships (tenant_id, user_id) values
  (tests.tenant_id('test-acme'), tests.user_id('plain42')), (tests.tenant_id('test-acme'), tests.user_id('gone42'));
insert into public.team_members (tenant_id, team_id, user_id)
select t.tenant_id, t.id, tests.user_id('gone42') from public.teams t where t.tenant_id = tests.tenant_id('test-acme') and t.name = 'platform';

-- The events seen so far; an action's events are the fixture tenants' ones not seen before it.
create temp table seen (id uuid primary key);
create temp table scratch (name text primary key, value text not null);
grant select, insert on seen, scratch to public;

create function pg_temp.fresh() returns setof public.events language sql as $$
  select e.* from public.events e
  where e.tenant_id = any (tests.fixture_tenant_ids()) and not exists (select 1 from seen s where s.id = e.id)
$$;

-- Runs one action as a persona (kept), and returns the types of the events it published, sorted,
-- or its error. The events published before it are marked seen first.
create function pg_temp.act(p_persona text, p_sql text, p_job text default null) returns text language plpgsql as $$
declare
  v_result text;
begin
  delete from seen;
  insert into seen select e.id from public.events e;
  if p_job is not null then
    begin
      perform tests.authenticate_as_service_role(p_job);
      execute p_sql;
      perform tests.clear_authentication();
      v_result := 'ok';
    exception when others then
      v_result := 'error:' || sqlstate;
    end;
  elsif p_persona = 'postgres' then
    execute p_sql;
    v_result := 'ok';
  else
    v_result := tests.do_as(p_persona, p_sql);
  end if;
  if v_result like 'error:%' then
    return v_result;
  end if;
  return coalesce((select string_agg(f.type, ',' order by f.type) from pg_temp.fresh() f), '');
end $$;

-- The one fresh event of a type: subject, actor and payload, as one object ({"count": n}, which
-- matches no expectation, when there is not exactly one).
create function pg_temp.got(p_type text) returns jsonb language plpgsql as $$
declare
  v public.events;
  v_count integer;
begin
  select count(*) into v_count from pg_temp.fresh() f where f.type = p_type;
  if v_count <> 1 then
    return jsonb_build_object('count', v_count);
  end if;
  select * into v from pg_temp.fresh() f where f.type = p_type;
  return jsonb_build_object('subject', v.subject_type || ':' || v.subject_id,
    'actor', v.actor_type || ':' || coalesce(v.actor_id::text, v.actor_job), 'version', v.version, 'payload', v.payload);
end $$;

create function pg_temp.expect(p_subject_type text, p_subject_id text, p_actor text, p_payload jsonb) returns jsonb language sql as $$
  select jsonb_build_object('subject', p_subject_type || ':' || p_subject_id, 'actor', p_actor, 'version', 1, 'payload', p_payload)
$$;

create function pg_temp.usr(p_name text) returns text language sql as $$ select 'user:' || tests.user_id(p_name) $$;
create function pg_temp.acme() returns uuid language sql as $$ select tests.tenant_id('test-acme') $$;
create function pg_temp.globex() returns uuid language sql as $$ select tests.tenant_id('test-globex') $$;
create function pg_temp.val(p_name text) returns text language sql as $$ select value from scratch where name = p_name $$;
create function pg_temp.membership(p_tenant uuid, p_user text) returns uuid language sql as $$
  select id from public.memberships where tenant_id = p_tenant and user_id = tests.user_id(p_user)
$$;
create function pg_temp.ts(p_at timestamptz) returns text language sql as $$
  select to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- ---------------------------------------------------------------------------------------------
-- Members and invitations
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.act('alice', format($$insert into scratch select 'token', token from public.invite_member(%L, 'e42@example.test', %L)$$,
  pg_temp.acme(), tests.role_id('viewer'))), 'invitation.created', 'inviting publishes invitation.created');
select is(pg_temp.got('invitation.created'),
  (select pg_temp.expect('invitation', i.id::text, pg_temp.usr('alice'), jsonb_build_object('email', 'e42@example.test',
     'role_id', tests.role_id('viewer'), 'role', 'viewer', 'expires_at', pg_temp.ts(i.expires_at), 'invited_by', tests.user_id('alice')))
   from public.invitations i where i.tenant_id = pg_temp.acme() and i.email = 'e42@example.test'),
  'with the invitation as subject, the inviter as actor, the address and role (never the token)');

select is(pg_temp.act('e42', $$select public.accept_invitation((select value from scratch where name = 'token'))$$),
  'invitation.accepted,member.added', 'accepting publishes invitation.accepted and member.added');
select is(pg_temp.got('member.added'),
  pg_temp.expect('member', tests.user_id('e42')::text, pg_temp.usr('e42'), jsonb_build_object('user_id', tests.user_id('e42'),
    'membership_id', pg_temp.membership(pg_temp.acme(), 'e42'), 'owner', false, 'invited_by', tests.user_id('alice'))),
  'member.added: the member as subject, the newcomer as actor');
select is(pg_temp.got('invitation.accepted'),
  (select pg_temp.expect('invitation', i.id::text, pg_temp.usr('e42'),
     jsonb_build_object('email', 'e42@example.test', 'user_id', tests.user_id('e42'), 'role', 'viewer'))
   from public.invitations i where i.tenant_id = pg_temp.acme() and i.email = 'e42@example.test'),
  'invitation.accepted: who accepted, with which role');

select is(pg_temp.act('alice', format('select public.change_member_role(%L, %L, %L)', pg_temp.acme(), tests.user_id('carol'),
  tests.role_id('developer'))), 'member.role_changed', 'changing a role publishes member.role_changed once');
select is(pg_temp.got('member.role_changed'),
  pg_temp.expect('member', tests.user_id('carol')::text, pg_temp.usr('alice'), jsonb_build_object('user_id', tests.user_id('carol'),
    'membership_id', pg_temp.membership(pg_temp.acme(), 'carol'), 'owner', false, 'roles', '["developer"]'::jsonb,
    'previous', '{"owner": false, "roles": ["viewer"]}'::jsonb)),
  'with the roles now and before');

insert into scratch values ('gone42', pg_temp.membership(pg_temp.acme(), 'gone42')::text);
select is(pg_temp.act('alice', format('select public.remove_member(%L, %L)', pg_temp.acme(), tests.user_id('gone42'))),
  'member.removed,team.member_removed', 'removing a member publishes member.removed (and leaving their team)');
select is(pg_temp.got('member.removed'),
  pg_temp.expect('member', tests.user_id('gone42')::text, pg_temp.usr('alice'), jsonb_build_object('user_id', tests.user_id('gone42'),
    'membership_id', pg_temp.val('gone42'), 'left', false)),
  'member.removed: removed by someone else');
select is(pg_temp.act('e42', format('select public.leave_tenant(%L)', pg_temp.acme())), 'member.removed', 'leaving publishes member.removed');
select is(pg_temp.got('member.removed') #> '{payload,left}', 'true'::jsonb, 'and says the member left');

select is(pg_temp.act('alice', format('select public.transfer_ownership(%L, %L)', pg_temp.acme(), tests.user_id('bob'))),
  'member.role_changed,member.role_changed', 'transferring ownership changes two members'' roles');
select is((select jsonb_agg(jsonb_build_array(f.subject_id, f.payload -> 'owner', f.payload -> 'roles') order by f.payload ->> 'owner')
           from pg_temp.fresh() f),
  jsonb_build_array(jsonb_build_array(tests.user_id('alice'), false, '["admin"]'::jsonb),
                    jsonb_build_array(tests.user_id('bob'), true, '[]'::jsonb)),
  'the old owner becomes an admin, the new one the owner');

-- ---------------------------------------------------------------------------------------------
-- Teams
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.act('alice', format($$insert into public.teams (tenant_id, name, description) values (%L, 'events42', 'Ships events')$$,
  pg_temp.acme())), 'team.created', 'creating a team publishes team.created');
insert into scratch select 'team', id::text from public.teams where name = 'events42';
select is(pg_temp.got('team.created'),
  pg_temp.expect('team', pg_temp.val('team'), pg_temp.usr('alice'), '{"name": "events42", "description": "Ships events"}'),
  'team.created: its name and description');
select is(pg_temp.act('alice', format($$update public.teams set name = 'events42b' where id = %L$$, pg_temp.val('team'))),
  'team.updated', 'renaming publishes team.updated');
select is(pg_temp.got('team.updated') -> 'payload',
  '{"name": "events42b", "description": "Ships events", "previous": {"name": "events42"}}', 'with what it was');
select is(pg_temp.act('alice', format($$update public.teams set description = description where id = %L$$, pg_temp.val('team'))),
  '', 'an update that changes nothing publishes nothing');
select is(pg_temp.act('alice', format('insert into public.team_members (tenant_id, team_id, user_id) values (%L, %L, %L)',
  pg_temp.acme(), pg_temp.val('team'), tests.user_id('dave'))), 'team.member_added', 'adding to a team publishes team.member_added');
select is(pg_temp.got('team.member_added'),
  pg_temp.expect('team', pg_temp.val('team'), pg_temp.usr('alice'),
    jsonb_build_object('team_id', pg_temp.val('team'), 'user_id', tests.user_id('dave'))), 'team.member_added: the team and the person');
select is(pg_temp.act('alice', format('delete from public.team_members where team_id = %L and user_id = %L', pg_temp.val('team'),
  tests.user_id('dave'))), 'team.member_removed', 'removing from a team publishes team.member_removed');
select is(pg_temp.got('team.member_removed') -> 'payload',
  jsonb_build_object('team_id', pg_temp.val('team'), 'user_id', tests.user_id('dave')), 'team.member_removed: the team and the person');
insert into public.team_members (tenant_id, team_id, user_id) values (pg_temp.acme(), pg_temp.val('team')::uuid, tests.user_id('dave'));
select is(pg_temp.act('alice', format('delete from public.teams where id = %L', pg_temp.val('team'))), 'team.deleted',
  'deleting a team publishes team.deleted alone (its members go with it)');
select is(pg_temp.got('team.deleted'), pg_temp.expect('team', pg_temp.val('team'), pg_temp.usr('alice'), '{"name": "events42b"}'),
  'team.deleted: the name it had');

-- ---------------------------------------------------------------------------------------------
-- Projects and environments
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.act('alice', format($$insert into public.projects (tenant_id, slug, name) values (%L, 'ev42', 'Events')$$, pg_temp.acme())),
  'environment.created,environment.created,environment.created,project.created',
  'creating a project publishes project.created and its three environments');
insert into scratch select 'project', id::text from public.projects where tenant_id = pg_temp.acme() and slug = 'ev42';
select is(pg_temp.got('project.created'),
  pg_temp.expect('project', pg_temp.val('project'), pg_temp.usr('alice'), '{"slug": "ev42", "name": "Events", "description": ""}'),
  'project.created: slug, name and description');
select is(pg_temp.act('alice', format($$update public.projects set name = 'Events 2', description = 'Hooks' where id = %L$$, pg_temp.val('project'))),
  'project.updated', 'changing a project publishes project.updated');
select is(pg_temp.got('project.updated') -> 'payload',
  '{"slug": "ev42", "name": "Events 2", "description": "Hooks", "previous": {"name": "Events", "description": ""}}', 'with what changed');
select is(pg_temp.act('alice', format($$insert into public.environments (tenant_id, project_id, kind, name) values (%L, %L, 'staging', 'preview')$$,
  pg_temp.acme(), pg_temp.val('project'))), 'environment.created', 'adding an environment publishes environment.created');
insert into scratch select 'env', id::text from public.environments where project_id = pg_temp.val('project')::uuid and name = 'preview';
select is(pg_temp.got('environment.created'),
  pg_temp.expect('environment', pg_temp.val('env'), pg_temp.usr('alice'),
    jsonb_build_object('project_id', pg_temp.val('project'), 'kind', 'staging', 'name', 'preview')), 'environment.created: project, kind, name');
select is(pg_temp.act('alice', format($$update public.environments set name = 'review' where id = %L$$, pg_temp.val('env'))),
  'environment.updated', 'renaming an environment publishes environment.updated');
select is(pg_temp.got('environment.updated') -> 'payload',
  jsonb_build_object('project_id', pg_temp.val('project'), 'kind', 'staging', 'name', 'review', 'previous', '{"name": "preview"}'::jsonb),
  'with its previous name');
select is(pg_temp.act('alice', format('delete from public.environments where id = %L', pg_temp.val('env'))),
  'environment.deleted', 'deleting an environment publishes environment.deleted');
select is(pg_temp.got('environment.deleted'),
  pg_temp.expect('environment', pg_temp.val('env'), pg_temp.usr('alice'),
    jsonb_build_object('project_id', pg_temp.val('project'), 'kind', 'staging', 'name', 'review')), 'environment.deleted: what it was');
select is(pg_temp.act('alice', format('delete from public.projects where id = %L', pg_temp.val('project'))), 'project.deleted',
  'deleting a project publishes project.deleted alone (its environments go with it)');
select is(pg_temp.got('project.deleted'), pg_temp.expect('project', pg_temp.val('project'), pg_temp.usr('alice'),
  '{"slug": "ev42", "name": "Events 2"}'), 'project.deleted: slug and name');

-- In the transaction of the change: a change rolled back leaves no event.
create function pg_temp.rolled_back() returns text language plpgsql as $$
begin
  begin
    perform tests.authenticate_as('alice');
    insert into public.projects (tenant_id, slug, name) values (pg_temp.acme(), 'ev42-undone', 'Undone');
    raise exception 'undo';
  exception when raise_exception then
    perform tests.clear_authentication();
  end;
  return (select count(*)::text from public.events where payload ->> 'slug' = 'ev42-undone');
end $$;
select is(pg_temp.rolled_back(), '0', 'a change that rolls back leaves no event');
select is(pg_temp.act('carol', format($$insert into public.teams (tenant_id, name) values (%L, 'nope')$$, pg_temp.globex())),
  'error:42501', 'a refused change publishes nothing either');

-- ---------------------------------------------------------------------------------------------
-- API keys and domains
-- ---------------------------------------------------------------------------------------------

create function pg_temp.raw(p_name text) returns text language sql as $$
  select 'tnt_test_' || substr(md5(p_name) || md5(p_name || '!'), 1, 38)
$$;
create function pg_temp.create_key(p_name text, p_permissions text[]) returns text language sql as $$
  select pg_temp.act('alice', format($f$insert into scratch select %L, public.create_api_key(%L, %L, %L, %L)::text$f$,
    'key:' || p_name, pg_temp.acme(), p_name, pg_temp.raw(p_name), p_permissions))
$$;
select is(pg_temp.create_key('ev-audit', array['audit.read']), 'api_key.created', 'creating an API key publishes api_key.created');
select is(pg_temp.got('api_key.created'),
  (select pg_temp.expect('api_key', k.id::text, pg_temp.usr('alice'), jsonb_build_object('name', 'ev-audit', 'prefix', k.prefix,
     'mode', 'test', 'scope', 'tenant', 'project_id', null, 'environment_id', null, 'permissions', '["audit.read"]'::jsonb,
     'expires_at', null, 'rotated_from', null, 'created_by', tests.user_id('alice')))
   from public.api_keys k where k.id = pg_temp.val('key:ev-audit')::uuid),
  'api_key.created: name, shown prefix, mode, scope, permissions (never the hash)');
select is(pg_temp.create_key('ev-hooks', array['webhooks.manage']), 'api_key.created', 'a webhooks.manage key');
select is(pg_temp.create_key('ev-none', array['projects.read', 'environments.manage']), 'api_key.created', 'a key without either');
select is(pg_temp.create_key('ev-gone', array['projects.read']), 'api_key.created', 'and one to revoke');
select is(pg_temp.act('alice', format('select public.revoke_api_key(%L)', pg_temp.val('key:ev-gone'))), 'api_key.revoked',
  'revoking publishes api_key.revoked');
select is(pg_temp.got('api_key.revoked'),
  (select pg_temp.expect('api_key', k.id::text, pg_temp.usr('alice'),
     jsonb_build_object('name', 'ev-gone', 'prefix', k.prefix, 'revoked_by', tests.user_id('alice')))
   from public.api_keys k where k.id = pg_temp.val('key:ev-gone')::uuid), 'api_key.revoked: which key, by whom');

create function pg_temp.as_key(p_name text) returns void language sql as $$
  select set_config('request.jwt.claims', jsonb_build_object('role', 'authenticated', 'api_key_id', pg_temp.val('key:' || p_name))::text, true),
         set_config('role', 'authenticated', true)
$$;
create function pg_temp.key_act(p_name text, p_sql text) returns text language plpgsql as $$
declare
  v_count bigint;
begin
  perform pg_temp.as_key(p_name);
  v_count := tests.row_count(p_sql);
  perform tests.clear_authentication();
  return 'rows:' || v_count;
exception when others then
  return 'error:' || sqlstate;
end $$;
delete from seen;
insert into seen select id from public.events;
select pg_temp.as_key('ev-none');
update public.environments set name = 'Prod' where tenant_id = pg_temp.acme() and project_id = tests.project_id('test-acme', 'web')
  and kind = 'production';
select tests.clear_authentication();
select is(pg_temp.got('environment.updated') ->> 'actor', 'api_key:' || pg_temp.val('key:ev-none'),
  'a change made with an API key has the key as actor');

insert into public.tenant_domains (tenant_id, domain) values (pg_temp.acme(), 'events42.example.com');
select is(pg_temp.act('service_role', format('select private.mark_domain_checked(%L, true)',
  (select id from public.tenant_domains where domain = 'events42.example.com')), 'domains.verify'),
  'domain.verified', 'a domain''s first successful check publishes domain.verified');
select is(pg_temp.got('domain.verified'),
  (select pg_temp.expect('domain', d.id::text, 'system:domains.verify',
     jsonb_build_object('domain', 'events42.example.com', 'verified_at', pg_temp.ts(d.verified_at)))
   from public.tenant_domains d where d.domain = 'events42.example.com'),
  'with the system job as actor (and never the verification token)');
select is(pg_temp.act('service_role', format('select private.mark_domain_checked(%L, true)',
  (select id from public.tenant_domains where domain = 'events42.example.com')), 'domains.verify'), '', 'a second check publishes nothing');

-- ---------------------------------------------------------------------------------------------
-- Billing and usage (globex)
-- ---------------------------------------------------------------------------------------------

select is(pg_temp.act('postgres', $$select tests.subscribe('test-globex', 'pro', 'trialing', now() + interval '20 days', now() + interval '10 days')$$),
  'subscription.trialing', 'a trial starting publishes subscription.trialing');
insert into scratch select 'sub', id::text from public.subscriptions where tenant_id = pg_temp.globex();
select is(pg_temp.got('subscription.trialing'),
  pg_temp.expect('subscription', pg_temp.val('sub'), 'system:sql:' || session_user, jsonb_build_object('plan', 'pro',
    'billing_interval', 'month', 'status', 'trialing', 'previous_status', null, 'current_period_end', pg_temp.ts(now() + interval '20 days'),
    'trial_end', pg_temp.ts(now() + interval '10 days'), 'cancel_at_period_end', false)),
  'subscription.trialing: plan, interval, status, dates; direct SQL is the system');
select is(pg_temp.act('service_role', $$select private.run_billing_lifecycle(now() + interval '11 days')$$, 'billing.lifecycle'),
  'subscription.past_due', 'the trial ending unpaid publishes subscription.past_due');
select is(pg_temp.got('subscription.past_due') - 'payload',
  pg_temp.expect('subscription', pg_temp.val('sub'), 'system:billing.lifecycle', '{}') - 'payload', 'from the lifecycle job');
select is(pg_temp.got('subscription.past_due') #>> '{payload,previous_status}', 'trialing', 'saying what it was');
select is(pg_temp.act('service_role', $$select private.run_billing_lifecycle(now() + interval '19 days')$$, 'billing.lifecycle'),
  'subscription.suspended', 'the grace running out suspends the organisation: subscription.suspended');
select is(pg_temp.got('subscription.suspended') -> 'payload', '{"plan": "pro", "status": "expired", "reason": "billing: subscription expired"}',
  'subscription.suspended: the plan, the subscription''s status and why');

select is(pg_temp.act('frank', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, pg_temp.globex(),
  pg_temp.globex() || '/proof.pdf')), '', 'submitting a proof publishes nothing yet');
insert into scratch select 'pay', id::text from public.payments where tenant_id = pg_temp.globex() and status = 'pending';
select is(pg_temp.act('bill', format('select public.verify_payment(%L, true)', pg_temp.val('pay'))),
  'payment.verified,subscription.active', 'approving it publishes payment.verified, and the subscription is active');
insert into scratch select 'live', subscription_id::text from public.payments where id = pg_temp.val('pay')::uuid;
select is(pg_temp.got('payment.verified'),
  (select pg_temp.expect('payment', p.id::text, pg_temp.usr('bill'), jsonb_build_object('subscription_id', pg_temp.val('live'),
     'plan', 'pro', 'billing_interval', 'month', 'amount', 2900, 'currency', 'usd', 'period_start', pg_temp.ts(p.period_start),
     'period_end', pg_temp.ts(p.period_end), 'note', null))
   from public.payments p where p.id = pg_temp.val('pay')::uuid), 'payment.verified: the staff member as actor, amount and period');
select is(pg_temp.got('subscription.active') #>> '{payload,previous_status}', 'pending_verification',
  'subscription.active: the subscription the proof was for');
select is(pg_temp.act('frank', format($$select public.submit_payment_proof(%L, 'pro', 'month', 2900, %L)$$, pg_temp.globex(),
  pg_temp.globex() || '/proof2.pdf')), '', 'a second proof');
select is(pg_temp.act('bill', format($$select public.verify_payment(%L, false, 'The scan is unreadable')$$,
  (select id from public.payments where tenant_id = pg_temp.globex() and status = 'pending'))),
  'payment.rejected,subscription.active', 'rejecting it publishes payment.rejected (the subscription is active again, unpaid for)');
select is(pg_temp.got('payment.rejected') #>> '{payload,note}', 'The scan is unreadable', 'with the reason the tenant is told');

select is(pg_temp.act('frank', format($$select public.record_usage(%L, 'compute_minutes', 8500, 'ev42-1')$$, pg_temp.globex())),
  'usage.soft_limit', 'usage crossing its soft limit publishes usage.soft_limit');
select is(pg_temp.got('usage.soft_limit'),
  pg_temp.expect('usage_metric', 'compute_minutes', pg_temp.usr('frank'), jsonb_build_object('metric', 'compute_minutes',
    'period_start', to_char(date_trunc('month', now() at time zone 'UTC'), 'YYYY-MM-DD'), 'quantity', 8500, 'soft_limit', 8000,
    'hard_limit', 10000)), 'usage.soft_limit: metric, period, quantity and limits');
select is(pg_temp.act('frank', format($$select public.record_usage(%L, 'compute_minutes', 100, 'ev42-2')$$, pg_temp.globex())),
  '', 'once a period');
select is(pg_temp.act('frank', format($$select public.record_usage(%L, 'compute_minutes', 1400, 'ev42-3')$$, pg_temp.globex())),
  'usage.hard_limit', 'reaching the hard limit publishes usage.hard_limit');
select is(pg_temp.got('usage.hard_limit') -> 'payload' -> 'quantity', '10000'::jsonb, 'at the limit');
select is(pg_temp.act('frank', format($$select public.record_usage(%L, 'compute_minutes', 1, 'ev42-4')$$, pg_temp.globex())),
  'error:TN071', 'a write past it is refused, and publishes nothing');

select is(pg_temp.act('postgres', format($$insert into public.invoices (tenant_id, subscription_id, number, status, currency, total, amount_paid, paid_at)
  values (%L, %L, 'GX-42', 'open', 'usd', 2900, 0, null)$$, pg_temp.globex(), pg_temp.val('live'))), '', 'an open invoice publishes nothing');
insert into scratch select 'inv', id::text from public.invoices where number = 'GX-42';
select is(pg_temp.act('postgres', format($$insert into public.payments (tenant_id, subscription_id, invoice_id, provider, amount, currency,
  status, failure_reason) values (%L, %L, %L, 'stripe', 2900, 'usd', 'failed', 'card declined')$$, pg_temp.globex(), pg_temp.val('live'),
  pg_temp.val('inv'))), 'invoice.payment_failed', 'a failed payment of it publishes invoice.payment_failed');
select is(pg_temp.got('invoice.payment_failed'),
  (select pg_temp.expect('invoice', pg_temp.val('inv'), 'system:sql:' || session_user, jsonb_build_object('number', 'GX-42',
     'payment_id', p.id, 'subscription_id', pg_temp.val('live'), 'currency', 'usd', 'amount_due', 2900, 'failure_reason', 'card declined'))
   from public.payments p where p.invoice_id = pg_temp.val('inv')::uuid), 'invoice.payment_failed: the invoice, the payment and why');
select is(pg_temp.act('postgres', format($$update public.invoices set status = 'paid', amount_paid = 2900, paid_at = now() where id = %L$$,
  pg_temp.val('inv'))), 'invoice.paid', 'the invoice paid publishes invoice.paid');
select is(pg_temp.got('invoice.paid') -> 'payload',
  jsonb_build_object('number', 'GX-42', 'subscription_id', pg_temp.val('live'), 'currency', 'usd', 'total', 2900, 'amount_paid', 2900,
    'paid_at', pg_temp.ts(now())), 'invoice.paid: number, amounts, when');
select is(pg_temp.act('postgres', format($$update public.subscriptions set status = 'cancelled', cancelled_at = now() where id = %L$$,
  pg_temp.val('live'))), 'subscription.cancelled', 'cancelling publishes subscription.cancelled');
select is(pg_temp.got('subscription.cancelled') #>> '{payload,previous_status}', 'active', 'from active');

select throws_ok(format($$select private.publish_event(%L, 'no.such_type', 'x', 'y')$$, pg_temp.globex()), 'TN250', null,
  'publishing a type the catalogue does not have is refused (TN250)');

-- ---------------------------------------------------------------------------------------------
-- Who reads events
-- ---------------------------------------------------------------------------------------------

create function pg_temp.count_in(p_tenant uuid) returns text language sql as $$
  select 'rows:' || count(*) from public.events where tenant_id = p_tenant
$$;
create function pg_temp.q(p_tenant uuid) returns text language sql as $$
  select format('select id from public.events where tenant_id = %L', p_tenant)
$$;
select ok((select count(*) from public.events where tenant_id = pg_temp.acme()) > 20, 'acme has events to read');
select is(tests.try_as('dave', pg_temp.q(pg_temp.acme())), pg_temp.count_in(pg_temp.acme()), 'audit.read reads every event of its tenant');
select is(tests.try_as('carol', pg_temp.q(pg_temp.acme())), pg_temp.count_in(pg_temp.acme()), 'so does webhooks.manage (a developer)');
select is(tests.try_as('bob', pg_temp.q(pg_temp.acme())), pg_temp.count_in(pg_temp.acme()), 'and the owner');
select is(tests.try_as('plain42', pg_temp.q(pg_temp.acme())), 'rows:0', 'a member holding neither reads none');
select is(tests.try_as('dave', pg_temp.q(pg_temp.globex())), 'rows:0', 'nor does anyone another tenant''s');
select is(tests.try_as('gina', 'select id from public.events'), pg_temp.count_in(pg_temp.globex()), 'a developer of globex reads globex''s only');
select is(tests.try_as('erin', 'select id from public.events'), 'rows:0', 'a stranger reads none');
select is(tests.try_as('sue', pg_temp.q(pg_temp.acme())), 'rows:0', 'support staff read no tenant''s events');
select is(tests.try_as('anon', 'select id from public.events'), 'error:42501', 'anon cannot read events');
select is(tests.try_as('anon', 'select type from public.event_types'), 'error:42501', 'nor the catalogue');
select is(tests.try_as('plain42', 'select type from public.event_types'), 'rows:' || (select count(*) from public.event_types),
  'every signed-in person reads the catalogue');
select is(pg_temp.key_act('ev-audit', pg_temp.q(pg_temp.acme())), pg_temp.count_in(pg_temp.acme()), 'an API key with audit.read reads them');
select is(pg_temp.key_act('ev-hooks', pg_temp.q(pg_temp.acme())), pg_temp.count_in(pg_temp.acme()), 'so does one with webhooks.manage');
select is(pg_temp.key_act('ev-none', pg_temp.q(pg_temp.acme())), 'rows:0', 'one with neither reads none');
select is(pg_temp.key_act('ev-gone', pg_temp.q(pg_temp.acme())), 'rows:0', 'nor does a revoked one');

-- Nobody writes, changes or deletes an event.
select is(tests.try_as('bob', format($$insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
  values (%L, 'member.added', 'member', 'x', 'user')$$, pg_temp.acme())), 'error:42501', 'the owner cannot insert an event');
select is(tests.try_as('bob', format($$update public.events set payload = '{}' where tenant_id = %L$$, pg_temp.acme())), 'error:42501',
  'nor change one');
select is(tests.try_as('bob', format('delete from public.events where tenant_id = %L', pg_temp.acme())), 'error:42501', 'nor delete one');
select is(tests.try_as('service_role', format($$insert into public.events (tenant_id, type, subject_type, subject_id, actor_type)
  values (%L, 'member.added', 'member', 'x', 'system')$$, pg_temp.acme())), 'error:42501', 'nor can the service role insert');
select is(tests.try_as('service_role', 'delete from public.events'), 'error:42501', 'or delete');
select is(tests.try_as('bob', $$insert into public.event_types (type, module, description) values ('x.y', 'x', 'x')$$), 'error:42501',
  'nobody adds to the catalogue through the API');
select throws_ok(format($$update public.events set payload = '{}' where tenant_id = %L$$, pg_temp.acme()), 'TN050', null,
  'even the owner of the table cannot change an event');
select throws_ok(format('delete from public.events where tenant_id = %L', pg_temp.acme()), 'TN050', null, 'or delete one');
select throws_ok('truncate public.events cascade', 'TN050', null, 'or truncate the log');

-- A tenant requiring MFA: an aal1 session reads none of its events.
update public.tenants set require_mfa = true where id = pg_temp.acme();
select is(tests.try_as('dave', pg_temp.q(pg_temp.acme())), 'rows:0', 'where MFA is required an aal1 session reads no events');
select is(tests.try_as('dave', pg_temp.q(pg_temp.acme()), 'aal2'), pg_temp.count_in(pg_temp.acme()), 'an aal2 one does');

select * from finish();
rollback;
