-- Demo data for the embedded profile, loaded once on first start and by `npm run db:reset`.
-- Runs after every migration, as the migration owner; it must stay idempotent-safe to reset.
select 1;
