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
    # Daily lead quota, every 15 minutes: evaluate each station's finished days once the station's evaluation
    # hour has passed (local time, computed per station from this UTC tick) and send the afternoon reminders.
    # Every quarter hour so stations in any time zone (half-hour offsets too) are served on time.
    "quota-tick": {
        "task": "quota.tasks.quota_tick",
        "schedule": crontab(minute="*/15"),
    },
    # Every morning (06:00 in China): plan each maintained customer's due return visit and tell its owner.
    "visits-return-visits": {
        "task": "visits.tasks.plan_return_visits_all",
        "schedule": crontab(hour=22, minute=0),
    },
    # Every quarter of an hour: the task rules of every station (tasks from the loop made, closed when their ask
    # happened, overdue ones escalated; leads unreviewed at each station's own end of day). Safe to repeat.
    "agenda-tick": {
        "task": "agenda.tasks.agenda_tick",
        "schedule": crontab(minute="*/15"),
    },
    # Satisfaction. Survey links go out at 09:00 China time (01:00 UTC), when people read their mail;
    # reminders an hour later; each job is safe to run twice (see satisfaction/services/surveys.py).
    "satisfaction-due-campaigns": {
        "task": "satisfaction.tasks.send_due_campaigns",
        "schedule": crontab(hour=1, minute=0),
    },
    "satisfaction-survey-reminders": {
        "task": "satisfaction.tasks.send_survey_reminders",
        "schedule": crontab(hour=2, minute=0),
    },
    # Every 10 minutes: roll the daily tallies and client stages up per station for the network dashboard
    # (days that are over; today is always read live). Recomputes the last 35 days, so it is safe to repeat.
    "dashboard-refresh-totals": {
        "task": "dashboard.tasks.refresh_totals",
        "schedule": crontab(minute="*/10"),
    },
    # Every 10 minutes: fold the rows the clients' triggers add to the network's loop tally (headquarters'
    # kanban and funnel read it), so that it stays a few hundred rows.
    "pipeline-loop-tally-compact": {
        "task": "pipeline.tasks.loop_tally_compact",
        "schedule": crontab(minute="*/10"),
    },
    # Every minute: the scheduler's pulse (/readyz and the dashboard say when it stops) and the outbox relay,
    # which publishes work queued while the broker was down (both cheap when there is nothing to do).
    "health-beat-tick": {
        "task": "health.tasks.beat_tick",
        "schedule": crontab(),
    },
    "outbox-relay": {
        "task": "outbox.tasks.relay",
        "schedule": crontab(),
    },
    # Every minute: webhooks. Events whose fan-out the broker missed, and deliveries due for a retry (1 minute
    # doubling to an hour, for a day): retries wait in the database, so nothing depends on the broker remembering.
    "integrations-webhooks": {
        "task": "integrations.tasks.webhooks_tick",
        "schedule": crontab(),
    },
    # Nightly (03:30 China time): audit rows older than AUDIT_RETENTION_DAYS (default two years) are pruned.
    "audit-prune-trail": {
        "task": "audit.tasks.prune_trail_tick",
        "schedule": crontab(hour=19, minute=30),
    },
    # Nightly (04:00 China time): every station's tiers from the volume feed and the commitment warnings, so a
    # new month moves the tier window even without a feed (the feed itself queues the same job for its stations).
    "volumes-nightly": {
        "task": "volumes.tasks.volumes_nightly",
        "schedule": crontab(hour=20, minute=0),
    },
    # Hourly: overdue complaints go to the area manager, then to the station master.
    "satisfaction-complaint-escalation": {
        "task": "satisfaction.tasks.escalate_overdue_complaints",
        "schedule": crontab(minute=5),
    },
}
