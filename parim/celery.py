"""The Celery application; tasks take ids and enter the tenant context themselves."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parim.settings")

app = Celery("parim")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
