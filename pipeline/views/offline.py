"""The installable capture app: its web app manifest and its service worker, both served from the site's root so
that the worker's scope covers the capture page, "my leads" and "my quota" (docs/offline.md).

The worker is a template: it names the static files it keeps by their served (hashed) URLs, and its text changes
whenever one of them does, which is what makes browsers install the new worker.
"""

import hashlib

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

# What the phone keeps for use without signal: the shell's styles and scripts, and the icons.
SHELL_FILES = (
    "css/lantou.css",
    "css/leads.css",
    "css/quota.css",
    "js/lantou.js",
    "js/lead_capture.js",
    "js/offline_queue.js",
    "js/offline.js",
    "icons/lantou-192.png",
)


def offline_pages() -> list[str]:
    """The pages that open without signal, with the last copy the phone saw."""
    return [reverse("pipeline:lead_capture"), reverse("pipeline:lead_list"), reverse("quota:mine")]


@require_GET
def manifest(request):
    icons = [
        {"src": static("icons/lantou-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": static("icons/lantou-512.png"), "sizes": "512x512", "type": "image/png"},
        {
            "src": static("icons/lantou-512-maskable.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ]
    body = {
        "id": "/",
        "name": _("Lantou lead capture"),
        "short_name": _("Lantou"),
        "description": _("Capture leads on your round, with or without signal."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("pipeline:lead_capture"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0a5c36",
        "icons": icons,
        "shortcuts": [
            {"name": _("New lead"), "url": reverse("pipeline:lead_capture")},
            {"name": _("My leads"), "url": reverse("pipeline:lead_list")},
            {"name": _("My quota"), "url": reverse("quota:mine")},
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
@never_cache  # the browser checks for a new worker on every visit; a cached copy would delay updates
def service_worker(request):
    shell = [static(name) for name in SHELL_FILES]
    script = render_to_string(
        "pipeline/sw.js",
        {
            "version": _shell_version(shell),
            "shell": shell,
            "pages": offline_pages(),
            "queue_script": static("js/offline_queue.js"),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # Served from the root, the worker's scope is the whole site; the header says so explicitly.
    response["Service-Worker-Allowed"] = "/"
    return response


def _shell_version(urls: list[str]) -> str:
    """Changes when a kept file changes: its hashed URL in production, its contents where names are fixed."""
    digest = hashlib.sha256("\n".join(urls).encode())
    for name in SHELL_FILES:
        found = finders.find(name)
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()[:12]
