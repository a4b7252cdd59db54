#!/usr/bin/env bash
# `make bench`: install wrk, start PostgreSQL when it is installed but stopped (as scripts/test.sh
# does), then run the benchmark (bench/run.py): database, seed, measurements, docs/benchmarks.md.
# BENCH_QUICK=1: small audit logs and short runs (a check that the whole run works);
# BENCH_AUDIT_SIZES=10000,100000: other audit log sizes; BENCH_DATABASE: the database's name.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

# The load generator: Debian's wrk, installed as scripts/test.sh installs chromium.
if ! command -v wrk >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
    || echo "could not install wrk with apt-get" >&2
fi
if ! command -v wrk >/dev/null 2>&1; then
  echo "make bench needs wrk (Debian's package wrk) as its load generator." >&2
  exit 1
fi

pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
fi
if ! pg_up; then
  echo "make bench needs PostgreSQL on 127.0.0.1:5432 (trust auth, superuser postgres)." >&2
  exit 1
fi
# Redis keeps the reused rota weeks, as in production; without it they are kept in each process.
redis_up() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  for _ in $(seq 1 20); do redis_up && break; sleep 0.25; done
fi
exec .venv/bin/python -m bench "$@"
