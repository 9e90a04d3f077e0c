"""config/cache.py: a Redis that does not answer is a cache miss, logged at most once a minute."""

import logging
import socket

import pytest
from django.core.cache.backends.redis import RedisCacheClient

from config import cache as degrading
from config.cache import DegradingRedisCache


def _dead_redis() -> DegradingRedisCache:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return DegradingRedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 1}})


def test_every_operation_answers_as_a_miss_when_redis_is_down():
    cache = _dead_redis()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    cache.set("k", 1)
    assert cache.add("k", 1) is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys that were not stored
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    cache.delete_many(["a"])
    assert cache.get_or_set("k", lambda: 42) == 42
    with pytest.raises(ValueError):
        cache.incr("k")  # as for a missing key
    with pytest.raises(Exception):  # noqa: B017 - the readiness check needs the real error
        cache.ping()


def test_the_outage_is_logged_at_most_once_a_minute_and_redis_rested_after_a_failure(caplog, monkeypatch):
    cache = _dead_redis()
    tried = []
    refuse = RedisCacheClient.get

    def counting(self, *args, **kwargs):
        tried.append(args[0])
        return refuse(self, *args, **kwargs)

    monkeypatch.setattr(RedisCacheClient, "get", counting)
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.get("a")
        cache.get("b")  # within the pause after a failure: Redis is not even tried
        cache._paused_until = 0
        cache.get("c")  # tried again, fails again: not logged again within the minute
        cache._paused_until = 0
        cache._last_logged -= degrading.LOG_EVERY
        cache.get("d")
    assert [key.rsplit(":", 1)[-1] for key in tried] == ["a", "c", "d"]
    assert len([r for r in caplog.records if r.name == "config.cache"]) == 2
