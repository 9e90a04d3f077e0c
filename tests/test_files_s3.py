"""FILE_STORAGE=s3: the same uploads, views and imports on an S3-compatible object store (django-storages),
configured through settings.STORAGES alone, against moto's server mode started here."""

import socket
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.env import env_bool
from pipeline.services import importing
from pipeline.services import leads as lead_services
from tests.factories_leads import image_upload, lead_data

pytestmark = pytest.mark.django_db
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3_storage(settings, monkeypatch):
    """A moto S3 server on a free local port, a private bucket, and STORAGES as FILE_STORAGE=s3 writes them."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # moto[server] is a development dependency
        reason = f"moto's server mode is not installed ({exc})"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    name = f"lantou-{uuid.uuid4().hex}"  # moto keeps its buckets per process, not per server
    options = {
        "bucket_name": name,
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "access_key": "test",
        "secret_key": "test",
        "default_acl": "private",
        "file_overwrite": False,
    }
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**options, "location": "media"}},
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {**options, "location": "private"},
        },
    }
    from django.utils.functional import empty

    from pipeline.models.imports import private_files

    private_files._wrapped = empty
    bucket = boto3.resource(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).Bucket(name)
    yield bucket
    private_files._wrapped = empty
    server.stop()


def keys(bucket) -> set[str]:
    return {o.key for o in bucket.objects.all()}


def test_photos_go_to_the_bucket_and_come_back_through_the_checked_view(org, client, s3_storage):
    lead, _created = lead_services.lead_submit(by=org.courier, data=lead_data(), photos=[image_upload()])
    photo = lead.photos.get()
    assert keys(s3_storage) == {f"media/{photo.image.name}"}
    assert s3_storage.Object(f"media/{photo.image.name}").Acl().grants[0]["Permission"] == "FULL_CONTROL"
    client.force_login(org.marketer)
    served = client.get(f"/leads/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert (
        b"".join(served.streaming_content)
        == s3_storage.Object(f"media/{photo.image.name}").get()["Body"].read()
    )
    client.force_login(org.marketer_b)
    assert client.get(f"/leads/photos/{photo.pk}/").status_code == 404


def test_an_import_reads_its_file_from_the_private_prefix_and_removes_it(org, s3_storage):
    upload = SimpleUploadedFile("leads.csv", "公司名称,联系电话\n甲公司,13800138000\n".encode())
    job = importing.import_upload(by=org.marketer, kind="leads", upload=upload)
    assert keys(s3_storage) == {f"private/{job.file.name}"}
    importing.import_start(job=job, by=org.marketer)
    job.refresh_from_db()
    assert job.created_count == 1
    assert keys(s3_storage) == set()
