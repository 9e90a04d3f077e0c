"""Every door leaves one audit row with the right actor, the request id and the field-by-field change: the page,
the API (session and token), the admin, an import, a Celery job on a real worker, `queryset.update()`, raw SQL,
a management command; deletions stay findable; security events; the trail cannot be changed."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client as WebClient

from accounts import services as account_services
from audit.context import audit_context
from audit.models import EVENT_MODELS, UserPasswordEvent
from audit.selectors import trail
from pipeline.models import Client, ClientContact, Competitor
from tests.factories_leads import ClientContactFactory, ClientFactory

pytestmark = pytest.mark.django_db

ClientEvent = EVENT_MODELS["pipeline.Client"]


def _client(org, **kw):
    return ClientFactory(area=org.a1, owner=org.kam, **kw)


def _rows(model, obj_id):
    return list(model.objects.filter(pgh_obj_id=obj_id).order_by("pgh_id"))


def _only_entry(user, **filters):
    entries, more = trail(user=user, **filters)
    assert len(entries) == 1 and not more, [(e.object_type, e.action, e.changes) for e in entries]
    return entries[0]


@pytest.mark.postgres
def test_page_tier_change_is_one_row_with_actor_request_id_and_diff(org):
    client = _client(org, tier="B")
    web = WebClient()
    web.force_login(org.kam)
    before = ClientEvent.objects.count()

    response = web.post(f"/clients/{client.pk}/tier/", {"tier": "A"})

    assert response.status_code == 302
    assert ClientEvent.objects.count() == before + 1  # an update() in the service: the trigger sees it
    entry = _only_entry(
        org.executive, object_type="client", object_id=client.pk, since=None, actor=org.kam.pk
    )
    assert entry.action == "update" and entry.changes["tier"] == ["B", "A"]
    # A tier set by hand is an override, recorded with who set it and when.
    assert entry.changes["tier_override"] == ["", "A"]
    assert set(entry.changes) == {"tier", "tier_override", "tier_override_by_id", "tier_override_at"}
    assert (entry.actor, entry.actor_name, entry.actor_kind) == (org.kam.pk, str(org.kam), "person")
    assert entry.request_id == response["X-Request-ID"]


@pytest.mark.postgres
def test_api_with_a_token_names_the_tokens_owner(org, api_client):
    client = _client(org, tier="B")
    _token, key = account_services.token_issue(user=org.kam)

    response = api_client.post(
        f"/api/v1/clients/{client.pk}/tier/", {"tier": "C"}, format="json", HTTP_AUTHORIZATION=f"Token {key}"
    )

    assert response.status_code == 200
    entry = _only_entry(org.executive, object_type="client", object_id=client.pk, actor=org.kam.pk)
    assert entry.changes["tier"] == ["B", "C"] and entry.changes["tier_override"] == ["", "C"]
    assert entry.request_id == response["X-Request-ID"]


def test_api_create_is_recorded_on_every_database(org, api_as):
    """The ORM door, which SQLite (make run) records too."""
    response = api_as(org.admin).post(
        "/api/v1/competitors/", {"name": "测试新快运", "short_name": "测试"}, format="json"
    )

    assert response.status_code == 201, response.content
    competitor = Competitor.objects.get(name="测试新快运")
    rows = _rows(EVENT_MODELS["pipeline.Competitor"], competitor.pk)
    assert [r.pgh_label for r in rows] == ["insert"]
    assert rows[0].pgh_context["user"] == org.admin.pk
    assert rows[0].pgh_context["request_id"] == response["X-Request-ID"]
    entry = trail(user=org.admin, object_type="competitor", object_id=competitor.pk)[0][0]
    assert entry.action == "create" and entry.changes["name"] == [None, "测试新快运"]


@pytest.mark.postgres
def test_admin_role_change_is_recorded_with_the_administrator(org):
    web = WebClient()
    web.force_login(org.admin)
    person = org.courier
    data = {
        "username": person.username,
        "display_name": person.display_name,
        "role": "area_marketer",
        "station": person.station_id,
        "area": person.area_id,
        "phone": "",
        "email": "",
        "date_joined": person.date_joined.isoformat(),
        "is_active": "on",
    }

    response = web.post(f"/admin/accounts/user/{person.pk}/change/", data)

    assert response.status_code == 302, response.content[:2000]
    entry = _only_entry(org.executive, object_type="user", object_id=person.pk, actor=org.admin.pk)
    assert entry.changes == {"role": ["courier", "area_marketer"]}
    assert entry.request_id == response["X-Request-ID"]


@pytest.mark.postgres
def test_import_through_the_page_records_each_client_with_the_importer(org):
    from pipeline.services import importing
    from tests.test_leads_importing import xlsx

    with audit_context(user=org.station_master.pk):
        job = importing.import_upload(
            by=org.station_master,
            kind="clients",
            upload=xlsx([["金桥电子有限公司", "片区A1"]], headers=["客户名称", "片区"]),
        )
    web = WebClient()
    web.force_login(org.station_master)
    mapping = {f"col_{i}": job.mapping.get(str(i), "") for i in range(len(job.headers))}
    response = web.post(f"/imports/{job.pk}/", {**mapping, "start": "1"})

    assert response.status_code == 302
    client = Client.objects.get(name="金桥电子有限公司")
    rows = _rows(ClientEvent, client.pk)
    assert rows[0].pgh_label == "insert"
    assert rows[0].pgh_context["user"] == org.station_master.pk
    assert rows[0].pgh_context["request_id"] == response["X-Request-ID"]


@pytest.mark.postgres
@pytest.mark.redis
def test_a_job_on_a_real_worker_is_named_in_the_trail(org, celery_worker):
    from pipeline.services import importing
    from pipeline.tasks import run_import_job
    from tests.test_leads_importing import xlsx

    job = importing.import_upload(
        by=org.station_master,
        kind="clients",
        upload=xlsx([["浦东物流有限公司", "片区A1"]], headers=["客户名称", "片区"]),
    )

    run_import_job.delay(job.pk).get(timeout=60)

    client = Client.objects.get(name="浦东物流有限公司")
    entry = trail(user=org.executive, object_type="client", object_id=client.pk)[0][0]
    assert entry.action == "create"
    assert (entry.actor, entry.actor_kind, entry.job) == (None, "job", "pipeline.tasks.run_import_job")
    assert entry.actor_name == "pipeline.tasks.run_import_job"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_bulk_update_and_raw_sql_are_recorded(org):
    # Each statement its own transaction, as in production: a context is local to its transaction.
    first, second = _client(org, tier="B"), _client(org, tier="B")

    with audit_context(user=org.station_master.pk, request_id="bulk-0001"):
        Client.objects.filter(pk__in=[first.pk, second.pk]).update(tier="C")
    with audit_context(user=org.admin.pk, request_id="raw-00001"):
        with connection.cursor() as cursor:
            cursor.execute("UPDATE pipeline_client SET tier = 'A' WHERE id = %s", [first.pk])
    with connection.cursor() as cursor:  # outside the product: nobody to name
        cursor.execute("UPDATE pipeline_client SET tier = 'B' WHERE id = %s", [second.pk])

    entries = trail(user=org.executive, object_type="client", object_id=first.pk)[0]
    assert [(e.action, e.changes, e.actor, e.request_id) for e in entries[:2]] == [
        ("update", {"tier": ["C", "A"]}, org.admin.pk, "raw-00001"),
        ("update", {"tier": ["B", "C"]}, org.station_master.pk, "bulk-0001"),
    ]
    newest = trail(user=org.executive, object_type="client", object_id=second.pk)[0][0]
    assert (newest.changes, newest.actor, newest.actor_kind) == ({"tier": ["C", "B"]}, None, "database")


@pytest.mark.postgres
def test_a_deleted_contact_stays_findable_with_what_it_held(org):
    client = _client(org)
    contact = ClientContactFactory(client=client, name="王五")

    with audit_context(user=org.kam.pk):
        ClientContact.objects.filter(pk=contact.pk).delete()

    entry = trail(user=org.station_master, client_id=client.pk, object_type="client_contact")[0][0]
    assert entry.action == "delete" and entry.changes["name"] == ["王五", None]
    assert entry.object_id == str(contact.pk)


@pytest.mark.postgres
def test_a_command_is_named(org):
    with audit_context(command="seed_demo", os_user="ops"):
        Competitor.objects.create(name="测试快运")
    entry = trail(user=org.executive, object_type="competitor")[0][0]
    assert (entry.actor_kind, entry.actor_name) == ("command", "manage.py seed_demo")


# --- Security events ----------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_logins_failures_tokens_and_passwords_are_in_the_trail(org, api_client):
    # Signed in first: the test's single transaction would lend it the context of the requests before.
    master = WebClient()
    master.force_login(org.station_master)
    web = WebClient()
    assert web.post("/accounts/login/", {"username": "courier", "password": "wrong"}).status_code == 200
    assert (
        web.post("/accounts/login/", {"username": "courier", "password": "pass-1234-lantou"}).status_code
        == 302
    )
    issued = api_client.post(
        "/api/v1/auth/token/", {"username": "courier", "password": "pass-1234-lantou"}, format="json"
    )
    assert issued.status_code == 200
    revoked = api_client.post(
        "/api/v1/auth/token/revoke/", {}, format="json", HTTP_AUTHORIZATION=f"Token {issued.json()['token']}"
    )
    assert revoked.status_code == 204
    form = {
        "username": "courier",
        "display_name": "courier",
        "role": "courier",
        "area": org.a1.pk,
        "date_joined": org.courier.date_joined.isoformat(),
        "is_active": "on",
        "password": "a-new-password-9931",
    }
    assert master.post(f"/people/{org.courier.pk}/", form).status_code == 302

    actions = [e.action for e in trail(user=org.station_master, person=org.courier, limit=50)[0]]
    assert actions.count("login_failed") == 1
    assert actions.count("login") == 2  # the page and the token
    assert actions.count("token_issued") == 1 and actions.count("token_revoked") == 1
    assert "password_changed" in actions
    issued_entry = trail(user=org.executive, object_type="api_token")[0][-1]
    assert (issued_entry.action, issued_entry.actor) == ("token_issued", org.courier.pk)
    password = UserPasswordEvent.objects.get(pgh_obj_id=org.courier.pk)
    assert password.pgh_context["user"] == org.station_master.pk
    assert "password" not in {f.name for f in UserPasswordEvent._meta.fields}


# --- Nothing in the trail can be changed ------------------------------------------------------------------------


@pytest.mark.postgres
def test_event_rows_cannot_be_updated_or_deleted(org):
    Competitor.objects.create(name="不可改快运")
    event_model = EVENT_MODELS["pipeline.Competitor"]
    row = event_model.objects.latest("pgh_id")
    for attempt in (
        lambda: event_model.objects.filter(pk=row.pk).update(name="改过"),
        lambda: event_model.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert event_model.objects.get(pk=row.pk).name == "不可改快运"


def test_the_admin_shows_the_trail_read_only(org):
    web = WebClient()
    web.force_login(org.admin)
    Competitor.objects.create(name="只读快运")
    url = "/admin/audit/competitorevent/"
    assert web.get(url).status_code == 200
    row = EVENT_MODELS["pipeline.Competitor"].objects.latest("pgh_id")
    assert web.get(f"{url}add/").status_code == 403
    assert web.post(f"{url}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert web.post(f"{url}{row.pk}/change/", {"name": "x"}).status_code == 403
    assert EVENT_MODELS["pipeline.Competitor"].objects.filter(pk=row.pk, name="只读快运").exists()
