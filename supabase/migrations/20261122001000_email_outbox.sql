-- Email outbox: every message the app sends (sign-up confirmation, password reset, …) is written
-- here in the same transaction as the state it announces, so a confirmation token and its email
-- exist together or not at all. A sender (or, in the embedded profile, the dev mailbox page)
-- reads the rows and stamps sent_at.
--
-- Lives in `private`, which PostgREST does not expose: rows carry live single-use links, so only
-- service_role (the `auth.embedded` system job, a future sender job) may read or write them.

create table private.email_outbox (
  id uuid primary key default gen_random_uuid(),
  to_address text not null check (char_length(to_address) between 3 and 320),
  template text not null check (template ~ '^[a-z][a-z0-9_]{0,62}$'),
  subject text not null check (char_length(subject) between 1 and 998),
  body_text text not null,
  payload jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
alter table private.email_outbox enable row level security;
comment on table private.email_outbox is
  'Outgoing email, written in the same transaction as what it announces. Rows carry live single-use '
  'links: service_role only; a sender stamps sent_at.';
create index email_outbox_created_at_idx on private.email_outbox (created_at desc);
create index email_outbox_unsent_idx on private.email_outbox (created_at) where sent_at is null;

-- service_role bypasses RLS; no policy gives anon or authenticated anything, and neither holds a grant.
revoke all on private.email_outbox from public, anon, authenticated, service_role;
grant select, insert on private.email_outbox to service_role;
grant update (sent_at) on private.email_outbox to service_role;
