"""bin/backup and bin/restore (docs/operations.md): a seeded database and its stored files, dumped with pg_dump,
restored into a new database and folder, are found there again row for row and byte for byte."""

import hashlib
import shutil
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from pipeline.models import Lead, LeadPhoto

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Per table of the public schema: its row count and a digest of all its rows."""
    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            cursor.execute(
                f"SELECT COUNT(*), md5(COALESCE(string_agg(t::text, chr(10) ORDER BY t::text), '')) FROM \"{table}\" t"
            )
            result[table] = cursor.fetchone()
    conn.close()
    return result


def _files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def restored_database():
    name = f"{connection.settings_dict['NAME']}_restored"
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_a_backup_restored_into_a_new_database_has_every_row_and_file(restored_database, tmp_path):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (apt-get install postgresql-client)")
    call_command("seed_demo", scale="small", allow_production=True, verbosity=0)  # tests run with DEBUG off
    for n, lead in enumerate(Lead.objects.order_by("pk")[:3]):
        LeadPhoto.objects.create(lead=lead, image=ContentFile(b"\x89PNG card %d" % n, name=f"card{n}.png"))
    original = _fingerprint(_url(connection.settings_dict["NAME"]))
    files = _files(Path(settings.MEDIA_ROOT))
    assert original["pipeline_lead"][0] > 0 and original["pipeline_leadphoto"][0] == 3
    assert len(files) >= 3

    backup = subprocess.run(
        [str(ROOT / "bin" / "backup"), str(tmp_path / "backups")],
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": _url(connection.settings_dict["NAME"])}
        | {"MEDIA_ROOT": str(settings.MEDIA_ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert backup.returncode == 0, backup.stderr
    folder = backup.stdout.strip().splitlines()[-1]
    restored_media = tmp_path / "restored-media"
    restore = subprocess.run(
        [str(ROOT / "bin" / "restore"), folder],
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": _url(restored_database),
            "MEDIA_ROOT": str(restored_media),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restore.returncode == 0, restore.stderr

    assert _fingerprint(_url(restored_database)) == original
    assert _files(restored_media) == files
    # Every stored file a restored row names is there.
    with psycopg2.connect(_url(restored_database)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT image FROM pipeline_leadphoto")
        named = [row[0] for row in cursor.fetchall()]
    conn.close()
    assert named and all((restored_media / name).is_file() for name in named)
