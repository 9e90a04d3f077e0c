"""Who sees what for steps 1-2, table-driven: every role against a lead and a client of its own area (a1), of the
other area of its station (a2) and of another station (b1); 404 outside scope, 403 for roles that may not act."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from pipeline.models import ImportJob
from tests.factories_leads import ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db

ROLES = [role.value for role in Role]

# role -> visible (own area, other area of the station, other station). The a1 records are the courier's own.
VISIBLE = {
    "courier": (True, False, False),
    "area_marketer": (True, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (True, True, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}
REVIEWERS = {"area_marketer", "area_manager", "station_master", "admin"}
EDITORS = {"area_marketer", "area_manager", "station_master", "key_account_manager", "admin"}
COLLECTORS = {"courier", "area_marketer", "area_manager", "key_account_manager", "station_master", "admin"}


@pytest.fixture
def records(org):
    leads = [
        LeadFactory(collected_by=org.courier),
        LeadFactory(collected_by=org.courier_a2),
        LeadFactory(collected_by=org.courier_b),
    ]
    clients = [
        ClientFactory(area=org.a1, collected_by=org.courier),
        ClientFactory(area=org.a2, collected_by=org.courier_a2),
        ClientFactory(area=org.b1, collected_by=org.courier_b),
    ]
    return leads, clients


@pytest.mark.parametrize("role", ROLES)
def test_leads_list_and_detail_follow_scope(org, api_as, records, role):
    leads, _ = records
    client = api_as(org.by_role()[role])
    listed = {r["id"] for r in client.get("/api/v1/leads/?page_size=200").json()["results"]}
    for lead, visible in zip(leads, VISIBLE[role], strict=True):
        assert (lead.pk in listed) == visible, (role, lead.area)
        assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == (200 if visible else 404)


@pytest.mark.parametrize("role", ROLES)
def test_clients_list_and_detail_follow_scope(org, api_as, records, role):
    _, clients = records
    client = api_as(org.by_role()[role])
    listed = {r["id"] for r in client.get("/api/v1/clients/?page_size=200").json()["results"]}
    for record, visible in zip(clients, VISIBLE[role], strict=True):
        assert (record.pk in listed) == visible, (role, record.area)
        assert client.get(f"/api/v1/clients/{record.pk}/").status_code == (200 if visible else 404)


def _expected(role, visible, allowed):
    if not visible:
        return 404
    return 200 if role in allowed else 403


def _fresh_leads(org):
    return [
        LeadFactory(collected_by=org.courier),
        LeadFactory(collected_by=org.courier_a2),
        LeadFactory(collected_by=org.courier_b),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_review_actions_by_role_and_scope(org, api_as, role):
    client = api_as(org.by_role()[role])
    for action in ("accept", "return", "reject"):
        for lead, visible in zip(_fresh_leads(org), VISIBLE[role], strict=True):
            response = client.post(
                f"/api/v1/leads/{lead.pk}/{action}/", {"reason": "补充", "category": "other"}, format="json"
            )
            assert response.status_code == _expected(role, visible, REVIEWERS), (role, action, lead.area)
            lead.refresh_from_db()
            if response.status_code != 200:
                assert lead.status == "submitted"


@pytest.mark.parametrize("role", ROLES)
def test_lead_changes_by_role_and_scope(org, api_as, records, role):
    leads, _ = records
    client = api_as(org.by_role()[role])
    may_edit = REVIEWERS | {"courier"}  # the courier is the a1 lead's collector
    for lead, visible in zip(leads, VISIBLE[role], strict=True):
        response = client.patch(f"/api/v1/leads/{lead.pk}/", {"notes": "补充"}, format="json")
        assert response.status_code == _expected(role, visible, may_edit), (role, lead.area)
        photo = client.post(f"/api/v1/leads/{lead.pk}/photos/", {}, format="multipart")
        assert photo.status_code == (404 if not visible else 400)  # no file: 400 once in scope


@pytest.mark.parametrize("role", ROLES)
def test_client_writes_by_role_and_scope(org, api_as, records, role):
    _, clients = records
    client = api_as(org.by_role()[role])
    for record, visible in zip(clients, VISIBLE[role], strict=True):
        patch = client.patch(f"/api/v1/clients/{record.pk}/", {"notes": "x"}, format="json")
        assert patch.status_code == _expected(role, visible, EDITORS), (role, record.area)
        plan = client.put(f"/api/v1/clients/{record.pk}/visit-plan/", {"plan_key_points": "x"}, format="json")
        assert plan.status_code == _expected(role, visible, EDITORS)
        volumes = client.post(
            f"/api/v1/clients/{record.pk}/competitor-volumes/",
            {"month": "2026-01-01", "volumes": [{"competitor": "SF", "monthly": 1}]},
            format="json",
        )
        assert volumes.status_code == _expected(role, visible, EDITORS)
    create = client.post("/api/v1/clients/", {"name": f"新客户{role}", "area": org.a1.pk}, format="json")
    assert create.status_code == (
        201 if role in EDITORS and VISIBLE[role][0] else 403 if role not in EDITORS else 400
    )


@pytest.mark.parametrize("role", ROLES)
def test_submitting_leads_by_role(org, api_as, role):
    user = org.by_role()[role]
    payload = {"company_name": "甲公司", "contact_phone": "13812345678"}
    if role in ("executive", "admin"):
        payload["collected_by"] = org.courier.pk
    response = api_as(user).post("/api/v1/leads/", payload, format="json")
    assert response.status_code == (201 if role in COLLECTORS else 403)


def test_imports_are_private_to_their_uploader(org, api_as):
    job = ImportJob.objects.create(
        kind="leads", original_name="x.csv", created_by=org.marketer, file="imports/x.csv", status="done"
    )
    for role in ROLES:
        expected = 200 if role in ("area_marketer", "admin") else 404
        assert api_as(org.by_role()[role]).get(f"/api/v1/imports/{job.pk}/").status_code == expected, role


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/leads/",
        "/api/v1/clients/",
        "/api/v1/competitors/",
        "/api/v1/imports/",
        "/api/v1/screening-settings/",
    ],
)
def test_anonymous_gets_401(api_client, url):
    assert api_client.get(url).status_code == 401


# --- Pages ---------------------------------------------------------------------------------------------------

ALL = set(ROLES)
PAGES = [
    # (url name, roles allowed)
    ("pipeline:lead_list", ALL),
    ("pipeline:lead_capture", COLLECTORS),
    ("pipeline:review_queue", REVIEWERS),
    ("pipeline:client_list", ALL),
    ("pipeline:screening_list", ALL),
    ("pipeline:client_new", EDITORS),
    ("pipeline:competitor_list", ALL),
    ("pipeline:competitor_new", {"executive", "admin"}),
    ("pipeline:screening_settings", {"station_master", "admin"}),
    ("pipeline:import_new", COLLECTORS | EDITORS),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(org, client, role):
    client.force_login(org.by_role()[role])
    for page, allowed in PAGES:
        assert client.get(reverse(page)).status_code == (200 if role in allowed else 403), (role, page)


RECORD_PAGES = [
    # (url name, which record, roles allowed when in scope)
    ("pipeline:lead_detail", "lead", ALL),
    ("pipeline:lead_edit", "lead", REVIEWERS | {"courier"}),
    ("pipeline:client_edit", "client", EDITORS),
    ("pipeline:client_contacts", "client", EDITORS),
    ("pipeline:client_plan", "client", EDITORS),
    ("pipeline:client_competitors", "client", EDITORS),
    ("pipeline:client_merge", "client", EDITORS),
]


@pytest.mark.parametrize("role", ROLES)
def test_record_pages_by_role_and_scope(org, client, records, role):
    leads, clients = records
    client.force_login(org.by_role()[role])
    for page, kind, allowed in RECORD_PAGES:
        for record, visible in zip(leads if kind == "lead" else clients, VISIBLE[role], strict=True):
            status = client.get(reverse(page, args=[record.pk])).status_code
            if role not in allowed and kind == "client":
                assert status == 403, (role, page)  # the page is not for this role at all
            else:
                assert status == _expected(role, visible, allowed), (role, page, record.pk)


@pytest.mark.parametrize("role", ROLES)
def test_review_posts_by_role_and_scope(org, client, role):
    client.force_login(org.by_role()[role])
    for action in ("pipeline:lead_accept", "pipeline:lead_return", "pipeline:lead_reject"):
        for lead, visible in zip(_fresh_leads(org), VISIBLE[role], strict=True):
            status = client.post(
                reverse(action, args=[lead.pk]), {"reason": "x", "category": "other"}
            ).status_code
            if role not in REVIEWERS:
                assert status == 403
            else:
                assert status == (302 if visible else 404), (role, action)


def _xlsx_names(response, column=1):
    import io

    import openpyxl

    return {
        row[column] for row in list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)[1:]
    }


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_and_exports_follow_scope(org, api_as, records, role):
    leads, clients = records
    client = api_as(org.by_role()[role])
    queued = {r["id"] for r in client.get("/api/v1/leads/review-queue/?page_size=200").json()["results"]}
    lead_rows = _xlsx_names(client.get("/api/v1/leads/export/"))
    client_rows = _xlsx_names(client.get("/api/v1/clients/export/"))
    for lead, record, visible in zip(leads, clients, VISIBLE[role], strict=True):
        assert (lead.pk in queued) == visible, role
        assert (lead.company_name in lead_rows) == visible, role
        assert (record.name in client_rows) == visible, role


@pytest.mark.parametrize("role", ROLES)
def test_client_contacts_screen_and_merge_by_role_and_scope(org, api_as, records, role):
    _, clients = records
    client = api_as(org.by_role()[role])
    for record, visible in zip(clients, VISIBLE[role], strict=True):
        contacts = client.put(f"/api/v1/clients/{record.pk}/contacts/", {"contacts": []}, format="json")
        assert contacts.status_code == _expected(role, visible, EDITORS), (role, record.area)
        screen = client.post(f"/api/v1/clients/{record.pk}/screen/", {}, format="json")
        assert screen.status_code == _expected(role, visible, EDITORS)
        twin = ClientFactory(area=record.area, collected_by=record.collected_by)
        merge = client.post(f"/api/v1/clients/{record.pk}/merge/", {"other": twin.pk}, format="json")
        assert merge.status_code == _expected(role, visible, EDITORS)


@pytest.mark.parametrize("role", ROLES)
def test_competitors_and_screening_settings_by_role(org, api_as, role):
    client = api_as(org.by_role()[role])
    created = client.post("/api/v1/competitors/", {"name": f"新快递{role}"}, format="json")
    assert created.status_code == (201 if role in ("executive", "admin") else 403)
    price = {"average_parcel_price": "9.00"}
    own = client.put(f"/api/v1/screening-settings/{org.station_a.pk}/", price, format="json")
    other = client.put(f"/api/v1/screening-settings/{org.station_b.pk}/", price, format="json")
    sees_all = role in ("executive", "admin")
    assert own.status_code == (200 if role in ("station_master", "admin") else 403)
    assert other.status_code == (200 if role == "admin" else 403 if sees_all else 404)


def test_import_pages_are_private_to_their_uploader(org, client):
    job = ImportJob.objects.create(
        kind="leads", original_name="x.csv", created_by=org.marketer, file="imports/x.csv", status="done"
    )
    for role in ROLES:
        client.force_login(org.by_role()[role])
        for name in ("pipeline:import_detail", "pipeline:import_status"):
            status = client.get(reverse(name, args=[job.pk])).status_code
            expected = 200 if role in ("area_marketer", "admin") else 403 if role == "executive" else 404
            assert status == expected, (role, name)
