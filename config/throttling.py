"""Rate limits: DRF's scoped throttles, counted in Django's cache, for API views and plain views alike; and the
client address that they and the failed-login limits count by.

Scopes and rates are in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]; a signed-in caller is counted by
account, anybody else by address. An API view or action takes `throttle_classes=[throttle(scope)]`; a plain view
is wrapped in `rate_limited(scope)`.
"""

import math
from functools import wraps
from types import SimpleNamespace

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle


def client_address(request) -> str:
    """REMOTE_ADDR; behind TRUSTED_PROXY_COUNT reverse proxies, the address the outermost of them saw (the same
    reading of X-Forwarded-For as DRF's NUM_PROXIES, so throttles and login limits agree)."""
    return BaseThrottle().get_ident(request)


def too_many_requests(request, wait: float | None, *, json: bool = False):
    """429 in the request's language, with Retry-After."""
    seconds = max(1, math.ceil(wait or 1))
    message = _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": seconds}
    if json:
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttle(scope: str) -> type[ScopedRateThrottle]:
    """DRF's scoped throttle, counting in `scope` whatever view it is given to (a view set's actions included)."""

    class Throttle(ScopedRateThrottle):
        def allow_request(self, request, view):
            return super().allow_request(request, SimpleNamespace(throttle_scope=scope))

    Throttle.__name__ = f"Throttle[{scope}]"
    return Throttle


def rate_limited(scope: str, *, methods: frozenset[str] | None = None, json: bool = False):
    """Limit a plain Django view by the throttle scope `scope` (only the given HTTP methods, if any)."""

    def decorate(view):
        @wraps(view)
        def limited(request, *args, **kwargs):
            if methods is None or request.method in methods:
                counter = throttle(scope)()
                if not counter.allow_request(request, None):
                    return too_many_requests(request, counter.wait(), json=json)
            return view(request, *args, **kwargs)

        return limited

    return decorate
