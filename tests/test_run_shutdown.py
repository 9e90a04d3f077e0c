"""`make run`'s Ctrl-C: the web server, the Celery worker and beat all stop, once, cleanly.

The same command line `make run` ends with (bin/serve), in a process group of its own as a terminal would start it,
on a free port and with its state (SQLite, filesystem broker, beat schedule) in a temporary folder, so it touches
neither the developer's `.run/` nor the Redis queues other tests use.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent
READY_SECONDS = 120  # three Python processes starting on a busy machine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # An exited child not yet reaped by anybody is no longer running.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return True


@pytest.mark.skipif(sys.platform != "linux", reason="process sessions and /proc are read as on Linux")
def test_ctrl_c_stops_web_worker_and_beat_cleanly(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}
    } | {
        "DEBUG": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RUN_DIR": str(tmp_path / "run"),
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "bin/serve", "--port", str(port), "--schedule", str(tmp_path / "beat-schedule")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # like a terminal's foreground job: Ctrl-C signals this whole group
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            log = "".join(lines)
            if "ready." in log and "beat: Starting" in log and _listening(port):
                break
            assert process.poll() is None, log
            time.sleep(0.5)
        else:
            if not REQUIRE_SERVICES:
                pytest.skip(f"web, worker and beat were not all up within {READY_SECONDS} s on this machine")
            pytest.fail("web, worker and beat were not all up in time:\n" + "".join(lines))
        pids = [int(word) for word in lines[0].replace(",", " ").split() if word.isdigit()]
        assert len(pids) == 3, lines[0]

        os.killpg(process.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    reader.join(timeout=10)
    log = "".join(lines)

    assert [pid for pid in pids if _alive(pid)] == []
    assert _left_in_sessions(pids) == []  # the worker's pool and runserver's reloaded child too
    assert "RecursionError" not in log
    assert "Traceback" not in log
    assert log.count("worker: Warm shutdown") <= 1
    assert "web, worker and beat stopped" in log


def _left_in_sessions(sessions: list[int]) -> list[str]:
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (FileNotFoundError, IndexError, ProcessLookupError):
            continue
        state, session = fields[0], int(fields[3])
        if session in sessions and state != "Z":
            left.append(stat.parent.name)
    return left


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0
