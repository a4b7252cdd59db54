"""WSGI entry point for gunicorn."""

import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

from parim.startup import run_or_explain

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parim.settings")

application: WSGIHandler = run_or_explain(get_wsgi_application)
