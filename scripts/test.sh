#!/usr/bin/env bash
# `make test`: prepare what the tests need (browser, PostgreSQL, Redis, database roles), then run
# every check and the test suite. With CI=true nothing may be skipped: a missing component fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
ci="${CI:-false}"
say() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

say "Browser (Debian's chromium)"
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null \
      || echo "could not install chromium with apt-get"
  fi
fi
command -v chromium >/dev/null 2>&1 && chromium --version || echo "chromium missing: browser tests will skip (fail under CI=true)"

say "PostgreSQL"
pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
fi
if pg_up; then
  DEBUG=true "$PY" manage.py db_bootstrap --owner-can-create-databases \
    --admin-url "${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}" || exit 1
  export DATABASE_URL="${TEST_DATABASE_URL:-postgresql://parim_app@127.0.0.1:5432/parim}"
  export DATABASE_OWNER_URL="${TEST_DATABASE_OWNER_URL:-postgresql://parim_owner@127.0.0.1:5432/parim}"
  export DATABASE_APP_ROLE=parim_app
else
  echo "PostgreSQL is not running on 127.0.0.1:5432: the tests use SQLite and the PostgreSQL tests skip (fail under CI=true)"
fi

say "Redis"
redis_up() { command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  for _ in $(seq 1 20); do redis_up && break; sleep 0.25; done
fi
redis_up && echo "redis: up" || echo "Redis is not running: the broker tests skip (fail under CI=true)"

status=0
run() { say "$*"; "$@" || status=1; }
run .venv/bin/ruff check .
run .venv/bin/ruff format --check .
run env DEBUG=true .venv/bin/mypy .
run .venv/bin/lint-imports
run env DEBUG=true DATABASE_URL=sqlite:///:memory: "$PY" manage.py makemigrations --check --dry-run
run .venv/bin/hadolint Dockerfile
run .venv/bin/cfn-lint deploy/aws/*.yaml
run .venv/bin/checkov --directory deploy/aws --framework cloudformation --skip-download --quiet --compact
run .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
say "$( [ $status = 0 ] && echo 'all checks passed' || echo 'SOME CHECKS FAILED')"
exit $status
