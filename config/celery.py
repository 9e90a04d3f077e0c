import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lantou")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one beat schedule. Beat keeps UTC; every job computes each station's local business date itself and
# takes explicit dates, so a late or repeated run is harmless.
app.conf.beat_schedule = {
    # Every morning (06:00 in China): plan each maintained customer's due return visit and tell its owner.
    "visits-return-visits": {
        "task": "visits.tasks.plan_return_visits_all",
        "schedule": crontab(hour=22, minute=0),
    },
}
