"""The Parim project package: settings, URL map, WSGI entry point, Celery app and demo data."""

from parim.celery import app as celery_app

__all__ = ["celery_app"]
