"""Django's Redis cache, for which an unreachable Redis is a miss.

Everything cached here (the dashboard's figures and fragments, throttle counters) can be computed again from
PostgreSQL, so a Redis outage must cost time, never an error page: each operation that fails answers as if the
key were absent, the failure is logged at most once a minute per process, and for a few seconds afterwards the
cache is not even tried, so that a Redis that times out cannot slow every request down by its time-out.
"""

import functools
import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_EVERY = 60.0  # seconds between two log lines about the same outage
PAUSE = 5.0  # seconds without trying Redis after a failure


def _degrades(fallback):
    """The operation answers `fallback(*args, **kwargs)` instead of raising when Redis fails."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._paused_until:
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                self._failed(exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _missing_key(*args, **kwargs):
    raise ValueError("Key not found: the cache is unavailable.")  # what incr() says of a missing key


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._paused_until = 0.0
        self._last_logged = 0.0
        self._lock = threading.Lock()

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._paused_until = now + PAUSE
        with self._lock:
            if now - self._last_logged < LOG_EVERY and self._last_logged:
                return
            self._last_logged = now
        logger.warning("The cache is unavailable; serving without it: %s", exc)

    def ping(self) -> None:
        """Raise if Redis does not answer (the readiness check); ignores the pause."""
        self._cache.get_client(write=False).ping()

    add = _degrades(lambda *a, **k: False)(RedisCache.add)
    get = _degrades(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _degrades(lambda *a, **k: None)(RedisCache.set)
    touch = _degrades(lambda *a, **k: False)(RedisCache.touch)
    delete = _degrades(lambda *a, **k: False)(RedisCache.delete)
    get_many = _degrades(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _degrades(lambda *a, **k: False)(RedisCache.has_key)
    incr = _degrades(_missing_key)(RedisCache.incr)
    set_many = _degrades(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _degrades(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _degrades(lambda *a, **k: False)(RedisCache.clear)
