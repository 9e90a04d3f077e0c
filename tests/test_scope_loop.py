"""Who sees what in the loop and visits, table-driven: every role against a client of its own area (a1),
another area of its station (a2) and another station (b1), on every list, detail, page and write we add.
Outside the scope: 404. Roles that may not act: 403."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pipeline.models import (
    Contract,
    Evaluation,
    NeedsAnalysis,
    Opportunity,
    OwnerTransfer,
    Proposal,
    Regression,
    RelationshipChange,
    StageChange,
    Survey,
    TrialShipment,
)
from pipeline.models.loop import Stage
from tests.factories_leads import ClientFactory
from tests.factories_loop import add_account_history, walk_to
from visits.models import VisitPlan, VisitRecord

pytestmark = pytest.mark.django_db

# role -> visible? for (a client of area a1, of area a2 in the same station, of station B).
# The courier collected the a1 client; couriers see only what they collected.
EXPECTED = {
    "courier": (True, False, False),
    "area_marketer": (True, False, False),
    "area_manager": (True, False, False),
    "station_master": (True, True, False),
    "key_account_manager": (True, True, False),
    "executive": (True, True, True),
    "admin": (True, True, True),
}
MAY_ACT = {"courier": False}

RECORD_ENDPOINTS = [
    ("stage-changes", StageChange),
    ("surveys", Survey),
    ("needs-analyses", NeedsAnalysis),
    ("proposals", Proposal),
    ("trial-shipments", TrialShipment),
    ("contracts", Contract),
    ("evaluations", Evaluation),
    ("opportunities", Opportunity),
    ("owner-transfers", OwnerTransfer),
    ("relationship-changes", RelationshipChange),
    ("regressions", Regression),
    ("visit-plans", VisitPlan),
    ("visit-records", VisitRecord),
]


@pytest.fixture
def targets(org):
    made = []
    for area, collector, master in (
        (org.a1, org.courier, org.station_master),
        (org.a2, org.courier_a2, org.station_master),
        (org.b1, org.courier_b, org.station_master_b),
    ):
        client = ClientFactory(area=area, collected_by=collector, stage=Stage.SCREEN)
        walk_to(client, Stage.ARCHIVE, org.admin)
        add_account_history(client, org.admin, new_owner=master)
        made.append(client)
    contract_file = SimpleUploadedFile("contract.pdf", b"%PDF-1.4")
    for contract in Contract.objects.all():
        contract.attachment.save("contract.pdf", contract_file, save=True)
    return made


def _status(visible: bool) -> int:
    return 200 if visible else 404


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_api_follows_scope_and_role(org, api_as, targets, role):
    api = api_as(org.by_role()[role])
    for client, visible in zip(targets, EXPECTED[role], strict=True):
        for path in ("history", "gate"):
            assert api.get(f"/api/v1/clients/{client.pk}/{path}/").status_code == _status(visible), (
                role,
                path,
            )
        for name, model in RECORD_ENDPOINTS:
            ids = list(model.objects.filter(client=client).values_list("pk", flat=True))
            assert ids, name
            listed = {row["id"] for row in api.get(f"/api/v1/{name}/?page_size=200").json()["results"]}
            assert bool(listed & set(ids)) == visible, (role, name, client.area)
            assert api.get(f"/api/v1/{name}/{ids[0]}/").status_code == _status(visible), (role, name)
    # Writes: a role that may not act gets 403; a client outside the scope does not exist
    may_act = MAY_ACT.get(role, True)
    for client, visible in zip(targets, EXPECTED[role], strict=True):
        moved = api.post(
            f"/api/v1/clients/{client.pk}/transition/", {"to": "follow_up", "reason": "二次开发"}
        )
        tier = api.post(f"/api/v1/clients/{client.pk}/tier/", {"tier": "A"})
        needs = api.post("/api/v1/needs-analyses/", {"client": client.pk, "speed": "快"})
        if not may_act:
            assert (moved.status_code, tier.status_code, needs.status_code) == (403, 403, 403), role
        elif visible:
            assert (moved.status_code, tier.status_code, needs.status_code) == (200, 200, 201), role
        else:
            # Outside the scope the client does not exist: 404 on its URL, a field error in a body
            assert (moved.status_code, tier.status_code, needs.status_code) == (404, 404, 400), role
            client.refresh_from_db()
            assert client.stage == Stage.ARCHIVE


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_pages_follow_scope_and_role(org, client, targets, role):
    user = org.by_role()[role]
    client.force_login(user)
    may_act = MAY_ACT.get(role, True)
    for customer, visible in zip(targets, EXPECTED[role], strict=True):
        proposal = Proposal.objects.filter(client=customer).first()
        contract = Contract.objects.filter(client=customer).first()
        plan = VisitPlan.objects.filter(client=customer).first()
        record = VisitRecord.objects.filter(client=customer).first()
        readable = [
            f"/clients/{customer.pk}/",
            f"/proposals/{proposal.pk}/",
            f"/proposals/{proposal.pk}/print/",
            f"/contracts/{contract.pk}/attachment/",
            f"/visits/plans/{plan.pk}/",
            f"/visits/records/{record.pk}/",
        ]
        for url in readable:
            assert client.get(url).status_code == _status(visible), (role, url)
        forms = [f"/clients/{customer.pk}/needs/", f"/clients/{customer.pk}/regressions/new/"]
        for url in forms:
            expected = 403 if not may_act else _status(visible)
            assert client.get(url).status_code == expected, (role, url)
    for url in ("/kanban/", "/funnel/", "/visits/"):
        assert client.get(url).status_code == (200 if may_act else 403), (role, url)
    if may_act:
        board = client.get("/kanban/").content.decode()
        for customer, visible in zip(targets, EXPECTED[role], strict=True):
            assert (f'data-id="{customer.pk}"' in board) == visible, (role, customer.area)
