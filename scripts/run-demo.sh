#!/usr/bin/env bash
# `make run`: migrate an embedded SQLite database under var/, load the demo, serve with gunicorn.
# It shows its progress as it goes and ends, once the server listens, with the demo's sign-ins
# and address. Then only what needs reading appears: emails (printed whole, as plain text),
# warnings and errors. GUNICORN_ACCESS_LOG=on adds a line per request.
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
export SITE_URL="http://127.0.0.1:${port}"
export EMAIL_BACKEND="parim.demo_mail.ConsoleEmailBackend"
export LOG_FORMAT=plain
export GUNICORN_ACCESS_LOG="${GUNICORN_ACCESS_LOG:-off}"
export PARIM_DEMO_SIGN_INS=1
export PYTHONUNBUFFERED=1
unset REDIS_URL  # tasks run eagerly in the demo
echo "Starting Parim's demo (the first run takes a minute; later runs a few seconds)."
.venv/bin/python manage.py seed_demo --prepare --no-sign-ins
echo "Starting the web server on 127.0.0.1:${port}…"
# The production settings (deploy/gunicorn.conf.py: the app preloaded and warmed before the
# workers start), on loopback, with readable log lines.
exec .venv/bin/gunicorn parim.wsgi:application --config deploy/gunicorn.conf.py \
  --bind "127.0.0.1:${port}" --workers 2 --threads 4 --log-level warning
