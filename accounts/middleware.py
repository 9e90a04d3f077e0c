import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils.cache import add_never_cache_headers

# Session keys: when the session's login was first seen, and when the session was last renewed (Unix seconds).
SESSION_STARTED = "lantou_started_at"
SESSION_SEEN = "lantou_seen_at"


class BrowserDefaultLanguageMiddleware:
    """Pages are in Chinese unless the user picked another language with the switch (a cookie).

    A phone set to English would otherwise get English pages the couriers' trainers never saw; the API
    keeps honouring Accept-Language, as integrations expect (shared/API.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class PrivateResponseMiddleware:
    """Nothing said to a signed-in person, and no API answer, is kept by a browser or a proxy cache.

    Pages, API answers and exports carry client records: `Cache-Control: no-store, private` (Django's never-cache
    headers) on every response to an authenticated request and on everything under /api/.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


class SessionExpiryMiddleware:
    """A browser session ends after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after login.

    The idle limit is the session's age (SESSION_COOKIE_AGE), renewed by saving the session: at most once a
    minute, so that a page with many requests does not write the session each time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED, now)
            if now - started > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
            elif now - request.session.get(SESSION_SEEN, 0) >= 60:
                request.session[SESSION_SEEN] = now  # modified, so saved with a fresh expiry
        return self.get_response(request)
