import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lantou")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one beat schedule. Beat keeps UTC; every job computes each station's local business date itself and
# takes explicit dates, so a late or repeated run is harmless.
app.conf.beat_schedule = {}
