"""The compose stack is production: no demo data, no default key, HTTPS hardening as the product's defaults."""

import re
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from accounts.models import Station, User

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def _environment(compose) -> dict:
    return compose["x-env"]


def test_no_container_loads_demo_data(compose):
    for name, service in compose["services"].items():
        assert "seed_demo" not in str(service.get("command", "")), name


def test_the_stack_refuses_to_start_without_a_secret_key(compose):
    # ${VAR:?message}: compose stops with the message when SECRET_KEY is unset or empty.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", _environment(compose)["SECRET_KEY"])


def test_no_security_setting_is_switched_off_by_default(compose):
    env = _environment(compose)
    assert "DEBUG" not in env  # the product's default: off
    for name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        assert env.get(name, f"${{{name}:-1}}") == f"${{{name}:-1}}", name
    assert env["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-0}"
    assert "console" not in env["EMAIL_BACKEND"]


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_loads_nothing(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo")

    assert not User.objects.exists()
    assert not Station.objects.exists()


@pytest.mark.django_db
def test_seed_demo_loads_with_debug_off_only_when_told_explicitly(settings, capsys):
    settings.DEBUG = False

    call_command("seed_demo", "--allow-production")

    assert Station.objects.filter(code="PD01").exists()
    assert User.objects.filter(username="admin", is_superuser=True).exists()
