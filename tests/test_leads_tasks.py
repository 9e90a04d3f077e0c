"""pipeline/tasks.py: a large import runs in a real Celery worker and reports its progress."""

import io
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pipeline.models import ImportJob, Lead
from pipeline.services import importing
from pipeline.tasks import run_import_job
from quota.models import DailyTally
from tests.factories_leads import phone_for

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _sheet(rows: int) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["公司名称", "联系电话", "月出口件量"])
    for n in range(rows):
        sheet.append([f"批量{n}号商行", phone_for(n), "坏数据" if n == 7 else n])
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("big.xlsx", out.getvalue())


def test_a_large_import_runs_in_the_worker_with_progress(org, celery_worker):
    rows = importing.SYNC_MAX_ROWS * 4
    job = importing.import_upload(by=org.courier, kind="leads", upload=_sheet(rows))

    queued = importing.import_start(job=job, by=org.courier)

    assert queued.status == "queued"
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.append((job.status, job.progress))
        if job.finished:
            break
        time.sleep(0.05)
    assert job.status == "done", job.failure
    assert (job.created_count, job.error_count, job.progress) == (rows - 1, 1, 100)
    assert job.errors[0]["row"] == 9
    progress = [p for _s, p in seen]
    assert progress == sorted(progress)  # the bar only moves forward
    assert Lead.objects.count() == rows - 1
    assert DailyTally.objects.get(person=org.courier).leads == rows - 1


def test_a_second_delivery_of_the_task_changes_nothing(org, celery_worker):
    job = importing.import_upload(by=org.courier, kind="leads", upload=_sheet(5))
    ImportJob.objects.filter(pk=job.pk).update(status="queued")
    assert run_import_job.delay(job.pk).get(timeout=30) == "done"
    assert run_import_job.delay(job.pk).get(timeout=30) == "done"
    assert Lead.objects.count() == 5
    assert DailyTally.objects.get(person=org.courier).leads == 5
