from celery import shared_task

from .services import importing, tally


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str:
    """Run a queued spreadsheet import; a second delivery finds the job claimed and does nothing."""
    return importing.run_import(job_id=job_id).status


@shared_task
def loop_tally_compact() -> bool:
    """Fold the network's loop tally (rows added by every client change) into one row per key."""
    return tally.loop_tally_compact()
