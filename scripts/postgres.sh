#!/usr/bin/env bash
# Installs (if missing) and starts a local PostgreSQL for the tests, then prints the URL of its
# maintenance database. Idempotent: a second run changes nothing.
set -euo pipefail
PASSWORD="${TENANTRY_TEST_PG_PASSWORD:-tenantry-test}"
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "Installing PostgreSQL…" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 30); do
  su postgres -c "psql -qtAc 'SELECT 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -qc \"ALTER USER postgres PASSWORD '$PASSWORD'\"" >/dev/null
# Earlier runs' scratch databases (each test and benchmark makes one and leaves it). One still in
# use by a run going on now refuses to go and stays.
su postgres -c "psql -qtAc \"SELECT datname FROM pg_database WHERE datname ~ '^tenantry_(test|bench)_'\"" |
  while read -r name; do
    su postgres -c "psql -qc 'DROP DATABASE $name'" >/dev/null 2>&1 || true
  done
echo "postgres://postgres:$PASSWORD@127.0.0.1:5432/postgres"
