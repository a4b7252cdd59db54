#!/usr/bin/env bash
# `make run`: migrate an embedded SQLite database under var/, load the demo, serve with gunicorn.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${1:-8000}"
mkdir -p var
if [ ! -s var/secret_key ]; then
  .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
  chmod 600 var/secret_key
fi
export DEBUG=false
export HTTPS=false
export SECRET_KEY_FILE="$PWD/var/secret_key"
export ALLOWED_HOSTS="127.0.0.1,localhost"
export DATABASE_URL="sqlite:///$PWD/var/parim.sqlite3"
export EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"
unset REDIS_URL  # tasks run eagerly in the demo
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
.venv/bin/python manage.py seed_demo
echo
echo "Parim is starting on http://127.0.0.1:${port}/  (Ctrl+C to stop)"
# The production settings (JSON access log without query strings or tokens), on loopback.
exec .venv/bin/gunicorn parim.wsgi:application --config deploy/gunicorn.conf.py \
  --bind "127.0.0.1:${port}" --workers 2 --threads 4 --log-level warning
