"""The Chinese catalogues stay whole: no merge left half-done, and the compiled files match their sources."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 5


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_catalogue_has_no_merge_markers(po):
    lines = po.read_text(encoding="utf-8").splitlines()
    assert not [
        n for n, line in enumerate(lines, 1) if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "======="
    ]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext (msgfmt) is not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_catalogue_compiles_to_the_committed_file(po, tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(po)], check=True)
    assert compiled.read_bytes() == po.with_suffix(".mo").read_bytes(), f"run `make messages` for {po}"
