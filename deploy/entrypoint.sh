#!/bin/sh
# One image, four processes: web (default), worker, beat, migrate. Anything else runs as given.
set -eu
case "${1:-web}" in
  web) exec gunicorn --config /app/deploy/gunicorn.conf.py parim.wsgi:application ;;
  worker) exec celery --app parim worker --loglevel INFO --concurrency "${CELERY_CONCURRENCY:-2}" ;;
  beat) exec celery --app parim beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
  migrate) exec python manage.py migrate --noinput ;;
  *) exec "$@" ;;
esac
