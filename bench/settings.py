"""Settings for benchmark runs only (DJANGO_SETTINGS_MODULE=bench.settings): the product's settings plus the
bare reference view and a header counting each request's queries. Production never loads this module, so
neither the reference view nor the header exists there."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE, STORAGES

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.count_queries", *MIDDLEWARE]
# The benchmark serves no static files; pages render their static URLs without a collected manifest.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
