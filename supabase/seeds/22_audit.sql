-- Audit log demo data: about 130 ordinary, audited changes at Acme made as its people (their
-- claims set for the statement, as a request would), so the audit page has several pages to turn,
-- several actors and actions to filter by, and row details with before/after values.
do $$
declare
  v_acme constant uuid := 'b0000000-0000-4000-8000-000000000001';
  v_people constant uuid[] := array[
    'a0000000-0000-4000-8000-000000000011',   -- owner@acme.test
    'a0000000-0000-4000-8000-000000000012',   -- admin@acme.test
    'a0000000-0000-4000-8000-000000000013']::uuid[];   -- dev@acme.test
  v_team uuid;
  v_actor uuid;
begin
  if exists (select 1 from public.teams where tenant_id = v_acme and name = 'Squad 01') then
    return;
  end if;
  for i in 1..40 loop
    v_actor := v_people[1 + i % 3];
    perform set_config('request.jwt.claims',
      jsonb_build_object('sub', v_actor, 'role', 'authenticated')::text, true);
    insert into public.teams (tenant_id, name, description, created_by)
    values (v_acme, format('Squad %s', lpad(i::text, 2, '0')), 'A short-lived squad', v_actor)
    returning id into v_team;
    update public.teams set description = format('Squad %s: sprint %s', i, i) where id = v_team;
    update public.projects set description = format('The customer-facing web app (revision %s)', i)
     where id = 'e0000000-0000-4000-8000-000000000001';
    if i % 4 = 0 then
      delete from public.teams where id = v_team;
    end if;
  end loop;
  perform set_config('request.jwt.claims', '', true);
end
$$;
