"""Error answers: JSON in the contract's format under /api/ (and for the health probes), pages elsewhere.

DRF answers the errors it raises itself; these handlers cover the rest: an unknown API address (404), a body
Django refuses before DRF sees it (400), and any exception nobody caught (500), whose answer carries the request's
id as it appears in the log next to the traceback.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from .logs import current_request_id


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def _too_large(request) -> HttpResponse:
    message = _("The request is larger than %(max)s MB; send fewer or smaller files at a time.") % {
        "max": f"{settings.REQUEST_MAX_BYTES / 1024 / 1024:g}"
    }
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=413)
    # Before log-in is known: a page that needs no user, no database.
    return HttpResponse(loader.get_template("413.html").render({"message": message}), status=413)


class RequestSizeMiddleware:
    """Refuses a body larger than settings.REQUEST_MAX_BYTES before anything reads it (Django caps the form
    fields of a body, never the files in it), in the user's language: the upload limits per file are the
    services' (config/files.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return _too_large(request)
        return self.get_response(request)


def bad_request(request, exception):
    if isinstance(exception, RequestDataTooBig):
        return _too_large(request)
    if _wants_json(request):
        return JsonResponse({"detail": _("The request could not be understood.")}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": _("You do not have permission to perform this action.")}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    request_id = current_request_id()
    if _wants_json(request):
        detail = _("A server error occurred; it has been logged with the id %(id)s.") % {"id": request_id}
        return JsonResponse({"detail": detail, "request_id": request_id}, status=500)
    # The page needs nothing that could fail again: no context processors, no database.
    html = loader.get_template("500.html").render({"request_id": request_id})
    return HttpResponseServerError(html)


class NulCharacterMiddleware:
    """Refuses a NUL character in the address's parameters or a form's fields with 400: no field accepts one
    (forms and serializers say so field by field), and a search or filter reading a parameter directly would
    otherwise hand it to PostgreSQL, which refuses it in any text."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request.GET) or (
            request.method == "POST"
            and request.content_type == "application/x-www-form-urlencoded"
            and _has_nul(request.POST)
        ):
            message = _("The request contains a NUL character, which no field accepts.")
            if _wants_json(request):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


class ProductErrorPagesMiddleware:
    """With DEBUG on (`make run`), Django answers an unknown address or an uncaught exception with its English
    technical page; this shows the product's own pages instead, in the user's language, as production does.
    `DEBUG_TECHNICAL_PAGES=1` asks for Django's pages again. The exception is logged either way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            not settings.DEBUG
            or settings.DEBUG_TECHNICAL_PAGES
            or response.status_code not in (404, 500)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        if response.status_code == 404:
            return page_not_found(request, None)
        return server_error(request)
