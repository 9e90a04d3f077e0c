import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Variables of the test run that would change what is being tried (the suite's own settings module among them).
_OWN = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "TRUSTED_PROXY_COUNT",
)


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in _OWN} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="crm.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DEBUG="0", ALLOWED_HOSTS="crm.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_without_any_configuration_the_product_refuses_to_start_and_says_it_needs_a_secret_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_with_a_key_and_hosts_alone_bare_manage_py_runs_as_production():
    # No DEBUG set: the production profile, so the deployment checks pass as they stand.
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "crm.example.com"}
    assert _manage("check", "--deploy", "--fail-level", "WARNING", **env).returncode == 0
    shown = _manage(
        "shell", "-v", "0", "-c", "from django.conf import settings; print(settings.DEBUG)", **env
    )
    assert shown.stdout.strip() == "False", shown.stderr


def test_the_migrations_check_needs_no_key():
    # It reads models and migrations and signs nothing, so a fresh checkout can run it as it stands.
    result = _manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_is_asked_for_explicitly_and_still_needs_a_key():
    assert "SECRET_KEY" in _manage("check", DEBUG="1").stderr
    assert _manage("check", DEBUG="1", SECRET_KEY=secrets.token_urlsafe(50)).returncode == 0


def _setting(name, **env):
    code = f"from django.conf import settings; print(repr(getattr(settings, {name!r}, None)))"
    result = _manage("shell", "-v", "0", "-c", code, SECRET_KEY=secrets.token_urlsafe(50), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_forwarded_protocol_header_is_believed_only_behind_a_declared_proxy():
    assert _setting("SECURE_PROXY_SSL_HEADER") == "None"
    assert (
        _setting("SECURE_PROXY_SSL_HEADER", TRUSTED_PROXY_COUNT="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def _make_run_dry(**variables) -> str:
    args = [f"{k}={v}" for k, v in variables.items()]
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_serves_this_machine_only_unless_a_host_is_given():
    assert "bin/serve --host 127.0.0.1 --port 8000" in _make_run_dry()
    assert "bin/serve --host 0.0.0.0 --port 8000" in _make_run_dry(HOST="0.0.0.0")


@pytest.mark.parametrize(("name", "value"), [("DEBUG", "perhaps"), ("EMAIL_PORT", "twenty-five")])
def test_a_malformed_setting_stops_start_up_naming_the_variable(name, value):
    result = _manage("check", SECRET_KEY=secrets.token_urlsafe(50), **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_file_storage_is_chosen_by_configuration_alone():
    """FILE_STORAGE=s3 puts both storages on S3 (django-storages) under their own prefixes; a wrong value or a
    missing bucket stops start-up naming the variable."""
    key = secrets.token_urlsafe(50)
    show = "from django.conf import settings as s; print(s.STORAGES['default'], s.STORAGES['private'], sep='\\n')"
    s3 = _manage("shell", "-c", show, SECRET_KEY=key, FILE_STORAGE="s3", S3_BUCKET="lantou-files")
    assert s3.returncode == 0, s3.stderr
    default, private = s3.stdout.strip().splitlines()[-2:]
    assert "storages.backends.s3.S3Storage" in default and "'location': 'media'" in default
    assert "'default_acl': 'private'" in default and "'location': 'private'" in private
    assert "lantou-files" in private
    bogus = _manage("check", SECRET_KEY=key, FILE_STORAGE="ftp")
    assert bogus.returncode != 0 and "FILE_STORAGE" in bogus.stderr
    no_bucket = _manage("check", SECRET_KEY=key, FILE_STORAGE="s3")
    assert no_bucket.returncode != 0 and "S3_BUCKET" in no_bucket.stderr
