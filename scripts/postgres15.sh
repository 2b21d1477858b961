#!/usr/bin/env bash
# Starts Debian's Postgres 15 cluster on 127.0.0.1:5432 with password auth for user postgres
# (password "postgres"), for the server-profile tests: TEST_DATABASE_URL=postgresql://postgres:postgres@127.0.0.1:5432/postgres
set -euo pipefail
if ! pg_lsclusters -h | grep -q '^15 \+main'; then
  pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 \+main .* online'; then
  pg_ctlcluster 15 main start
fi
for _ in $(seq 1 30); do
  if su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 1
done
su postgres -c "psql -qtAc \"alter user postgres password 'postgres'\"" >/dev/null
echo "Postgres $(su postgres -c "psql -qtAc 'show server_version'") is running on 127.0.0.1:5432"
