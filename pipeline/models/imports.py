"""Spreadsheet imports of leads or clients: the uploaded file, its column mapping, progress and row errors."""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models.functions import Now
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from config.files import random_name

from .choices import ImportKind, ImportStatus  # noqa: F401  (also exported from here)


class PrivateStorage(LazyObject):
    """settings.STORAGES["private"], looked up when first used (as Django's default_storage is)."""

    def _setup(self):
        self._wrapped = storages["private"]


private_files = PrivateStorage()


def private_storage():
    """Import spreadsheets stay apart from every other file (settings.STORAGES["private"]); nothing serves them."""
    return private_files


def import_upload_to(instance, filename):
    return random_name("imports", filename)


class ImportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import is its uploader's; administrators see every import."""
        if not user.is_authenticated:
            return self.none()
        if user.role == "admin":
            return self
        return self.filter(created_by=user)


class ImportJob(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=ImportKind.choices)
    # Emptied once the import has run.
    file = models.FileField(_("file"), upload_to=import_upload_to, storage=private_storage, blank=True)
    original_name = models.CharField(_("file name"), max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    headers = models.JSONField(default=list, blank=True)
    # The first rows as read ([row number, values]), for the preview without reading the file again.
    sample = models.JSONField(default=list, blank=True)
    # Column index (as a string, JSON keys are strings) -> field name; unmapped columns are left out.
    mapping = models.JSONField(default=dict, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(_("imported"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already present"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    # [{"row": 7, "field": "contact_phone", "message": "..."}], row numbers as in the spreadsheet.
    errors = models.JSONField(default=list, blank=True)
    failure = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # When the row last changed: lists pull changes by it (`?updated_since=`, config/api.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True, db_default=Now())

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return self.original_name

    @property
    def progress(self) -> int:
        """Percent done, 0..100."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
