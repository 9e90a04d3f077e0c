from celery import shared_task

from .services import importing


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str:
    """Run a queued spreadsheet import; a second delivery finds the job claimed and does nothing."""
    return importing.run_import(job_id=job_id).status
