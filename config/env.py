"""Read settings from the environment; a bad value stops start-up with a message naming the variable."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# manage.py commands that sign nothing (no session, token or link), so they need no SECRET_KEY.
KEYLESS_COMMANDS = frozenset(
    {"makemigrations", "showmigrations", "sqlmigrate", "makemessages", "compilemessages"}
)


def manage_py_command() -> str | None:
    """The manage.py sub-command this process runs, if it is manage.py."""
    argv = sys.argv
    return argv[1] if len(argv) > 1 and os.path.basename(argv[0]) == "manage.py" else None
