"""pipeline/leads.py: submitting, reviewing, duplicates, client records and merges."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from accounts.models import Notification
from pipeline.models import (
    Client,
    ClientCompetitorVolume,
    ClientContact,
    ClientMerge,
    Lead,
    LeadCompetitor,
    LeadContact,
    LeadEvent,
    LeadPhoto,
    StageChange,
)
from pipeline.models.leads import LeadStatus
from pipeline.selectors import leads as lead_selectors
from pipeline.services import clients as client_services
from pipeline.services import leads as services
from pipeline.services import matching, validation
from quota.models import DailyTally
from tests.factories_leads import (
    ClientContactFactory,
    ClientFactory,
    LeadFactory,
    image_upload,
    lead_data,
    volume,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in English here; the Chinese catalogue is exercised by the page and API tests.
    with translation.override("en"):
        yield


def _snapshot():
    return (
        Lead.objects.count(),
        LeadContact.objects.count(),
        LeadCompetitor.objects.count(),
        LeadPhoto.objects.count(),
        LeadEvent.objects.count(),
        Client.objects.count(),
        list(DailyTally.objects.values_list("person_id", "leads", "counted")),
    )


# --- Submitting -----------------------------------------------------------------------------------------


def test_a_courier_submits_a_lead_with_contacts_competitors_and_a_card_photo(org):
    data = lead_data(contacts=[{"name": "李会计", "role": "purchasing", "phone": "021-62345678"}])

    lead, created = services.lead_submit(by=org.courier, data=data, photos=[image_upload()])

    assert created
    lead.refresh_from_db()
    assert (lead.company_name, lead.normalized_name, lead.phone_normalized) == (
        "上海嘉禾贸易有限公司",
        "上海嘉禾贸易",
        "+8613812345678",
    )
    assert (lead.collected_by, lead.created_by, lead.station, lead.area) == (
        org.courier,
        org.courier,
        org.station_a,
        org.a1,
    )
    assert lead.collected_on == org.station_a.local_date(lead.collected_at)
    assert lead.status == LeadStatus.SUBMITTED and lead.duplicate_of is None
    assert list(lead.contacts.values_list("name", "role", "phone_normalized")) == [
        ("李会计", "purchasing", "+862162345678")
    ]
    assert list(lead.competitors.values_list("competitor__short_name", "monthly")) == [("ZTO", 200)]
    assert lead.photos.count() == 1
    assert list(lead.events.values_list("action", "by")) == [("submitted", org.courier.pk)]
    tally = DailyTally.objects.get(person=org.courier, day=lead.collected_on)
    assert (tally.leads, tally.counted, tally.station_id, tally.area_id) == (
        1,
        1,
        org.station_a.pk,
        org.a1.pk,
    )


def test_a_retried_submission_with_the_same_key_returns_the_first_lead(org):
    first, created = services.lead_submit(by=org.courier, data=lead_data(), idempotency_key="tap-1")
    again, created_again = services.lead_submit(
        by=org.courier, data=lead_data(company_name="完全不同"), idempotency_key="tap-1"
    )

    assert created and not created_again
    assert again.pk == first.pk
    assert Lead.objects.count() == 1
    assert DailyTally.objects.get(person=org.courier).leads == 1


def test_the_same_key_from_another_sender_is_another_lead(org):
    services.lead_submit(by=org.courier, data=lead_data(), idempotency_key="k")
    services.lead_submit(by=org.courier_a2, data=lead_data(contact_phone="13912345678"), idempotency_key="k")
    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"company_name": ""}, "company_name"),
        ({"company_name": "有限公司!!"}, "company_name"),
        ({"company_name": "公" * 201}, "company_name"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"contact_phone": ""}, "contact_phone"),
        ({"inbound_monthly": -5}, "inbound_monthly"),
        ({"outbound_monthly": "很多"}, "outbound_monthly"),
        ({"our_monthly": 12.5}, "our_monthly"),
        ({"our_monthly": 10**9}, "our_monthly"),
        ({"company_type": "alien"}, "company_type"),
        ({"source": "pigeon"}, "source"),
        ({"needs": "x" * 5001}, "needs"),
        ({"competitors": [{"competitor": "火星快递", "monthly": 3}]}, "competitors"),
        ({"competitors": [{"competitor": "SF", "monthly": -1}]}, "competitors"),
        (
            {"competitors": [{"competitor": "SF", "monthly": 1}, {"competitor": "顺丰", "monthly": 2}]},
            "competitors",
        ),
        ({"contacts": [{"name": "", "phone": "13800138000"}]}, "contacts"),
        ({"contacts": [{"name": "赵", "phone": "999"}]}, "contacts"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_saved(org, overrides, field):
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(by=org.courier, data=lead_data(**overrides), idempotency_key="x")
    assert field in exc.value.message_dict
    assert _snapshot() == before


def test_several_bad_fields_are_reported_together(org):
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(
            by=org.courier, data=lead_data(contact_phone="1", inbound_monthly=-1, source="x")
        )
    assert {"contact_phone", "inbound_monthly", "source"} <= set(exc.value.message_dict)


def test_a_file_that_is_not_an_image_is_refused(org):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("card.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(by=org.courier, data=lead_data(), photos=[fake])
    assert "card.jpg" in exc.value.message_dict["photos"][0]
    assert _snapshot() == before


def test_a_photo_over_the_size_limit_is_refused(org, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    big = image_upload(size=(400, 400), fmt="PNG")
    assert big.size > 1000
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(by=org.courier, data=lead_data(), photos=[big])
    assert "MB" in exc.value.message_dict["photos"][0]
    assert Lead.objects.count() == 0


def test_an_executive_may_not_submit_leads(org):
    with pytest.raises(PermissionDenied):
        services.lead_submit(by=org.executive, data=lead_data())
    assert Lead.objects.count() == 0


@time_machine.travel(dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC), tick=False)
def test_collected_on_is_the_stations_local_date(org):
    # 01:30 UTC is 09:30 in Shanghai: the same date; 17:00 UTC the day before is 01:00 local the next day.
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    assert lead.collected_on == dt.date(2026, 3, 10)
    late = dt.datetime(2026, 3, 9, 17, 0, tzinfo=dt.UTC)
    history, _ = services.lead_submit(
        by=org.station_master,
        data=lead_data(contact_phone="13900000001"),
        collected_by=org.courier,
        collected_at=late,
    )
    assert history.collected_on == dt.date(2026, 3, 10)


def test_a_station_master_imports_history_for_a_person_of_the_station(org):
    when = timezone.now() - dt.timedelta(days=20)
    lead, _ = services.lead_submit(
        by=org.station_master, data=lead_data(), collected_by=org.courier_a2, collected_at=when
    )
    assert (lead.collected_by, lead.created_by, lead.area, lead.collected_at) == (
        org.courier_a2,
        org.station_master,
        org.a2,
        when,
    )
    assert DailyTally.objects.get(person=org.courier_a2).day == org.station_a.local_date(when)


def test_a_station_master_may_not_record_leads_for_another_station(org):
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(by=org.station_master, data=lead_data(), collected_by=org.courier_b)
    assert "collected_by" in exc.value.message_dict
    assert Lead.objects.count() == 0


def test_collected_at_in_the_future_is_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(
            by=org.admin,
            data=lead_data(),
            collected_by=org.courier,
            collected_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert "collected_at" in exc.value.message_dict
    assert Lead.objects.count() == 0


def test_a_courier_cannot_back_date_or_submit_for_someone_else(org):
    lead, _ = services.lead_submit(
        by=org.courier,
        data=lead_data(),
        collected_by=org.courier_a2,
        collected_at=timezone.now() - dt.timedelta(days=3),
    )
    assert lead.collected_by == org.courier
    assert timezone.now() - lead.collected_at < dt.timedelta(minutes=1)


def test_an_administrator_without_a_station_must_name_the_collector(org):
    with pytest.raises(ValidationError) as exc:
        services.lead_submit(by=org.admin, data=lead_data())
    assert "collected_by" in exc.value.message_dict


# --- Duplicates -------------------------------------------------------------------------------------------


def test_a_rewritten_phone_and_another_legal_suffix_are_recognised_as_a_duplicate(org):
    client = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1)
    ClientContactFactory(client=client, phone="13812345678")

    by_phone, _ = services.lead_submit(
        by=org.courier,
        data=lead_data(company_name="嘉禾（上海）", contact_phone="+86 138-1234-5678"),
    )
    by_name, _ = services.lead_submit(
        by=org.courier_a2,
        data=lead_data(company_name="上海 嘉禾贸易 股份有限公司", contact_phone="13900000002"),
    )

    assert by_phone.duplicate_of == client
    assert by_name.duplicate_of == client


def test_the_same_name_in_another_station_is_only_a_warning(org):
    client = ClientFactory(name="上海嘉禾贸易有限公司", area=org.b1)
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    assert lead.duplicate_of is None
    matches = matching.find_matches(user=org.courier, company_name="上海嘉禾贸易股份有限公司")
    assert [(m.kind, m.id, m.match, m.visible) for m in matches if m.kind == "client"] == [
        ("client", client.pk, "name", False)
    ]
    shown = matches[0].as_dict()
    assert shown["id"] is None and shown["url"] == ""  # outside the courier's scope: no link


def test_matches_list_open_leads_and_similar_names(org):
    LeadFactory(company_name="浦东华联超市有限公司", contact_phone="13811112222", collected_by=org.courier_a2)
    similar = ClientFactory(name="浦东华联超市张江店", area=org.a1)

    matches = matching.find_matches(user=org.marketer, company_name="浦东华联超市", phones=["138 1111 2222"])

    kinds = {(m.kind, m.match) for m in matches}
    assert ("lead", "phone") in kinds
    assert ("client", "similar") in kinds
    assert any(m.id == similar.pk and m.visible for m in matches)


def test_a_merged_client_is_not_a_duplicate_target(org):
    kept = ClientFactory(area=org.a1)
    merged = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1, merged_into=kept)
    ClientContactFactory(client=merged, phone="13812345678")
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    assert lead.duplicate_of is None


# --- Review -------------------------------------------------------------------------------------------------


def test_accepting_a_complete_lead_creates_a_client_in_screening(org):
    lead, _ = services.lead_submit(
        by=org.courier,
        data=lead_data(contacts=[{"name": "李会计", "phone": "13900000003", "role": "purchasing"}]),
    )

    client = services.lead_accept(lead=lead, by=org.marketer)

    lead.refresh_from_db()
    assert (lead.status, lead.client, lead.reviewed_by) == (LeadStatus.ACCEPTED, client, org.marketer)
    client.refresh_from_db()
    assert (client.name, client.station, client.area, client.collected_by, client.stage) == (
        "上海嘉禾贸易有限公司",
        org.station_a,
        org.a1,
        org.courier,
        "screen",
    )
    assert (client.inbound_monthly, client.outbound_monthly, client.our_monthly) == (300, 50, 10)
    assert list(client.contacts.values_list("name", "phone_normalized", "source_lead")) == [
        ("王经理", "+8613812345678", lead.pk),
        ("李会计", "+8613900000003", lead.pk),
    ]
    month = lead.collected_on.replace(day=1)
    assert list(client.competitor_volumes.values_list("competitor__short_name", "month", "monthly")) == [
        ("ZTO", month, 200)
    ]
    assert client.competitor_monthly_total == 200 and client.priority_score > 0
    assert list(StageChange.objects.filter(client=client).values_list("from_stage", "to_stage", "by")) == [
        ("collect", "screen", org.marketer.pk)
    ]
    assert list(lead.events.values_list("action", flat=True)) == ["submitted", "accepted"]


def test_acceptance_names_exactly_the_missing_fields_and_changes_nothing(org):
    lead, _ = services.lead_submit(
        by=org.courier,
        data={"company_name": "某某商行", "contact_phone": "13812345678", "address": "某路1号"},
    )
    with pytest.raises(ValidationError) as exc:
        services.lead_accept(lead=lead, by=org.marketer)
    errors = exc.value.message_dict
    assert set(errors) == {"contact_name", "industry", "inbound_monthly", "outbound_monthly", "__all__"}
    assert "contact name" in errors["__all__"][0] and "address" not in errors["__all__"][0]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.SUBMITTED and lead.client is None
    assert Client.objects.count() == 0


def test_accepting_a_duplicate_attaches_it_to_the_existing_client(org):
    client = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1, address="")
    ClientContactFactory(client=client, phone="13812345678", name="王经理")
    volume(client, "ZTO", 150, month=timezone.localdate().replace(day=1))
    lead, _ = services.lead_submit(
        by=org.courier,
        data=lead_data(
            company_name="上海嘉禾贸易股份有限公司",
            contacts=[{"name": "新会计", "phone": "13900000004"}],
            competitors=[{"competitor": "ZTO", "monthly": 200}, {"competitor": "SF", "monthly": 40}],
        ),
    )
    assert lead.duplicate_of == client

    accepted_into = services.lead_accept(lead=lead, by=org.marketer)

    assert accepted_into == client
    assert Client.objects.count() == 1
    client.refresh_from_db()
    assert client.address == "浦东新区张江路1号"  # a blank filled from the lead
    assert list(client.contacts.values_list("name", flat=True)) == [
        "王经理",
        "新会计",
    ]  # the known phone is not repeated
    volumes = dict(client.competitor_volumes.values_list("competitor__short_name", "monthly"))
    assert volumes == {"ZTO": 150, "SF": 40}  # this month's known figure is kept, the new one added
    assert not StageChange.objects.filter(client=client).exists()


def test_a_duplicate_can_still_be_accepted_as_a_new_client(org):
    client = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1)
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    new = services.lead_accept(lead=lead, by=org.marketer, new_client=True)
    assert new != client and Client.objects.count() == 2


def test_returning_a_lead_tells_the_collector_who_completes_and_resubmits_it(org):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data(address=""))

    services.lead_return(lead=lead, by=org.marketer, reason="请补充详细地址")

    lead.refresh_from_db()
    assert (lead.status, lead.status_reason, lead.reviewed_by) == ("returned", "请补充详细地址", org.marketer)
    note = Notification.objects.get(recipient=org.courier)
    assert note.kind == "lead_returned" and "请补充详细地址" in note.message and str(lead.pk) in note.link

    services.lead_resubmit(lead=lead, by=org.courier, data={"address": "浦东新区张江路1号"})

    lead.refresh_from_db()
    assert (lead.status, lead.address) == ("submitted", "浦东新区张江路1号")
    assert list(lead.events.values_list("action", flat=True)) == ["submitted", "returned", "resubmitted"]
    assert DailyTally.objects.get(person=org.courier).leads == 1  # still one lead


def test_only_the_collector_resubmits(org):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    services.lead_return(lead=lead, by=org.marketer, reason="补充")
    with pytest.raises(PermissionDenied):
        services.lead_resubmit(lead=lead, by=org.marketer, data={})
    lead.refresh_from_db()
    assert lead.status == "returned"


@pytest.mark.parametrize(
    "category, counted", [("fake", 0), ("duplicate", 0), ("out_of_area", 1), ("other", 1)]
)
def test_rejecting_as_fake_or_duplicate_stops_the_lead_counting(org, category, counted):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())

    services.lead_reject(lead=lead, by=org.marketer, category=category, reason="核实")

    lead.refresh_from_db()
    assert (lead.status, lead.reject_reason, lead.status_reason) == ("rejected", category, "核实")
    tally = DailyTally.objects.get(person=org.courier)
    assert (tally.leads, tally.counted) == (1, counted)
    assert Lead.objects.counting_for_quota().count() == counted
    assert Notification.objects.filter(recipient=org.courier, kind="lead_rejected").count() == 1


def test_a_reject_needs_a_known_category_and_a_reason(org):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    with pytest.raises(ValidationError):
        services.lead_reject(lead=lead, by=org.marketer, category="boring", reason="x")
    with pytest.raises(ValidationError):
        services.lead_reject(lead=lead, by=org.marketer, category="fake", reason="  ")
    lead.refresh_from_db()
    assert lead.status == "submitted"
    assert DailyTally.objects.get(person=org.courier).counted == 1


def test_a_decided_lead_cannot_be_decided_again(org):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    services.lead_accept(lead=lead, by=org.marketer)
    for act in (
        lambda: services.lead_reject(lead=lead, by=org.marketer, category="fake", reason="x"),
        lambda: services.lead_return(lead=lead, by=org.marketer, reason="x"),
        lambda: services.lead_accept(lead=lead, by=org.marketer),
        lambda: services.lead_update(lead=lead, by=org.courier, data={"notes": "x"}),
    ):
        with pytest.raises(ValidationError):
            act()
    lead.refresh_from_db()
    assert lead.status == "accepted" and Client.objects.count() == 1
    assert DailyTally.objects.get(person=org.courier).counted == 1


@pytest.mark.parametrize("who", ["courier", "kam", "executive", "marketer_a2", "marketer_b"])
def test_only_reviewers_of_the_area_review(org, who):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data())
    with pytest.raises(PermissionDenied):
        services.lead_accept(lead=lead, by=getattr(org, who))
    lead.refresh_from_db()
    assert lead.status == "submitted" and Client.objects.count() == 0


def test_the_reviewer_completes_a_lead_before_accepting(org):
    lead, _ = services.lead_submit(by=org.courier, data=lead_data(industry=""))
    services.lead_update(
        lead=lead,
        by=org.marketer,
        data={"industry": "服装", "competitors": [{"competitor": "SF", "monthly": 10}]},
    )
    lead.refresh_from_db()
    assert lead.industry == "服装"
    assert list(lead.competitors.values_list("competitor__short_name", "monthly")) == [("SF", 10)]
    assert services.missing_for_acceptance(lead) == []


def test_review_queue_is_the_areas_submitted_leads_oldest_first(org):
    old = LeadFactory(collected_by=org.courier, collected_at=timezone.now() - dt.timedelta(hours=5))
    new = LeadFactory(collected_by=org.courier)
    LeadFactory(collected_by=org.courier_a2)
    LeadFactory(collected_by=org.courier, status="returned")
    assert list(lead_selectors.review_queue(org.marketer)) == [old, new]


# --- Clients ----------------------------------------------------------------------------------------------


def test_a_marketer_creates_a_client_directly(org):
    client = client_services.client_create(
        by=org.marketer,
        data={"name": "金桥电子有限公司", "outbound_monthly": 800, "company_type": "mature"},
        contacts=[{"name": "周总", "phone": "13900000005", "role": "decision_maker"}],
        competitors=[{"competitor": "SF", "monthly": 600}],
    )
    assert (client.station, client.area, client.stage, client.created_by) == (
        org.station_a,
        org.a1,
        "collect",
        org.marketer,
    )
    assert client.competitor_monthly_total == 600
    assert client.expected_revenue == 800 * 8


def test_creating_an_existing_client_again_is_refused(org):
    client = ClientFactory(name="金桥电子有限公司", area=org.a1)
    with pytest.raises(ValidationError) as exc:
        client_services.client_create(by=org.marketer, data={"name": "金桥电子股份有限公司"})
    assert str(client.pk) in exc.value.message_dict["name"][0]
    assert Client.objects.count() == 1


def test_a_courier_may_not_create_clients(org):
    with pytest.raises(PermissionDenied):
        client_services.client_create(by=org.courier, data={"name": "X公司"})


def test_competitor_volumes_are_kept_month_by_month(org):
    client = ClientFactory(area=org.a1, our_monthly=100)
    client_services.client_competitor_volumes_set(
        client=client,
        by=org.marketer,
        month=dt.date(2026, 1, 15),
        volumes=[{"competitor": "SF", "monthly": 300}],
    )
    client_services.client_competitor_volumes_set(
        client=client,
        by=org.marketer,
        month=dt.date(2026, 2, 1),
        volumes=[{"competitor": "SF", "monthly": 200}, {"competitor": "中通", "monthly": 100}],
    )
    client.refresh_from_db()
    assert list(
        ClientCompetitorVolume.objects.filter(client=client)
        .order_by("month", "competitor__short_name")
        .values_list("month", "competitor__short_name", "monthly")
    ) == [
        (dt.date(2026, 1, 1), "SF", 300),
        (dt.date(2026, 2, 1), "SF", 200),
        (dt.date(2026, 2, 1), "ZTO", 100),
    ]
    assert client.competitor_monthly_total == 300  # the latest month of each competitor
    assert client.our_share == 0.25


def test_merging_keeps_every_lead_contact_and_history_row_and_records_the_merge(org):
    kept = ClientFactory(name="嘉禾贸易", area=org.a1, industry="")
    other = ClientFactory(name="上海嘉禾贸易有限公司", area=org.a1, industry="服装", needs="要上门揽收")
    ClientContactFactory(client=kept, name="甲")
    ClientContactFactory(client=other, name="乙")
    lead_a = LeadFactory(collected_by=org.courier, client=other, status="accepted")
    lead_b = LeadFactory(collected_by=org.courier, duplicate_of=other)
    month = dt.date(2026, 1, 1)
    volume(kept, "SF", 100, month=month)
    volume(other, "SF", 999, month=month)  # same month: stays on the merged record
    volume(other, "ZTO", 50, month=month)
    StageChange.objects.create(client=other, from_stage="collect", to_stage="screen", at=timezone.now())
    older = ClientFactory(area=org.a1, merged_into=other)

    record = client_services.client_merge(kept=kept, merged=other, by=org.marketer, note="同一家公司")

    other.refresh_from_db()
    kept.refresh_from_db()
    older.refresh_from_db()
    assert other.merged_into == kept and older.merged_into == kept
    assert set(kept.contacts.values_list("name", flat=True)) == {"甲", "乙"}
    assert set(kept.leads.all()) == {lead_a}
    assert set(kept.duplicate_leads.all()) == {lead_b}
    assert StageChange.objects.filter(client=kept).count() == 1
    assert dict(kept.competitor_volumes.values_list("competitor__short_name", "monthly")) == {
        "SF": 100,
        "ZTO": 50,
    }
    assert list(other.competitor_volumes.values_list("monthly", flat=True)) == [999]
    assert (kept.industry, kept.needs) == ("服装", "要上门揽收")
    assert (record.kept, record.merged, record.by, record.note) == (kept, other, org.marketer, "同一家公司")
    assert record.moved["pipeline.Lead.client"] == 1 and record.moved["pipeline.ClientContact.client"] == 1
    assert Client.objects.active().filter(pk=other.pk).count() == 0


def test_a_merge_outside_ones_scope_or_of_a_merged_client_is_refused(org):
    mine = ClientFactory(area=org.a1)
    theirs = ClientFactory(area=org.a2)
    with pytest.raises(PermissionDenied):
        client_services.client_merge(kept=mine, merged=theirs, by=org.marketer)
    with pytest.raises(ValidationError):
        client_services.client_merge(kept=mine, merged=mine, by=org.marketer)
    gone = ClientFactory(area=org.a1, merged_into=mine)
    with pytest.raises(ValidationError):
        client_services.client_merge(kept=mine, merged=gone, by=org.marketer)
    assert ClientMerge.objects.count() == 0
    theirs.refresh_from_db()
    assert theirs.merged_into is None


def test_contacts_are_added_changed_and_removed(org):
    client = ClientFactory(area=org.a1)
    a = ClientContactFactory(client=client, name="甲")
    b = ClientContactFactory(client=client, name="乙")
    client_services.client_contacts_save(
        client=client,
        by=org.marketer,
        contacts=[
            {"id": a.pk, "name": "甲总", "role": "decision_maker", "phone": "13900000006"},
            {"name": "丙", "phone": "021-62345678", "phone2": "13900000007"},
        ],
    )
    assert list(client.contacts.values_list("name", "role", "phone2_normalized")) == [
        ("甲总", "decision_maker", ""),
        ("丙", "other", "+8613900000007"),
    ]
    assert not ClientContact.objects.filter(pk=b.pk).exists()


def test_the_competitors_list_is_edited_with_profiles(org):
    from pipeline.models import Competitor

    sf = Competitor.objects.get(short_name="SF")
    client_services.competitor_save(by=org.executive, competitor=sf, data={"prices_seen": "首重12元"})
    new = client_services.competitor_save(by=org.admin, data={"name": "丰网速运", "short_name": "FW"})
    sf.refresh_from_db()
    assert sf.prices_seen == "首重12元" and new.pk
    # One list for the whole network: no station's people change it.
    for person in (org.courier, org.marketer, org.station_master, org.kam):
        with pytest.raises(PermissionDenied):
            client_services.competitor_save(by=person, competitor=sf, data={"notes": "x"})
    sf.refresh_from_db()
    assert sf.notes != "x"
    with pytest.raises(ValidationError):
        client_services.competitor_save(by=org.executive, data={"name": "顺丰速运"})  # the name is taken


def test_a_phone_match_outside_scope_does_not_reveal_the_company(org):
    other = ClientFactory(name="别站公司", area=org.b1)
    ClientContactFactory(client=other, phone="13812345678")
    shown = matching.find_matches(user=org.courier, phones=["138 1234 5678"])[0].as_dict()
    assert (shown["kind"], shown["match"], shown["name"], shown["id"], shown["url"], shown["station"]) == (
        "client",
        "phone",
        "",
        None,
        "",
        "站B",
    )


@pytest.mark.postgres
def test_similar_names_come_from_the_trigram_index_on_postgresql(org):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'pipeline_client_name_trgm'")
        assert cursor.fetchone() == (1,)
    typo = ClientFactory(
        name="上海嘉和贸易有限公司", area=org.a1
    )  # 和 for 禾: no substring match, close in trigrams
    ClientFactory(name="北京远方物流有限公司", area=org.a1)
    assert list(matching.similar_clients("上海嘉禾贸易")) == [typo]
    matches = matching.find_matches(user=org.marketer, company_name="上海嘉禾贸易股份有限公司")
    assert [(m.id, m.match) for m in matches] == [(typo.pk, "similar")]


@pytest.mark.parametrize("spelling", ["顺丰速运", "顺丰", "SF", "sf", "ＳＦ"])
def test_competitors_are_recognised_by_name_short_name_or_id(spelling):
    from pipeline.models import Competitor

    sf = Competitor.objects.get(short_name="SF")
    assert validation.resolve_competitor(spelling) == sf
    assert validation.resolve_competitor(str(sf.pk)) == sf
    assert validation.resolve_competitor(sf.pk) == sf


def test_merging_two_clients_far_into_the_loop_keeps_both_proposal_histories(org):
    from pipeline.models.loop import Evaluation, Proposal
    from tests.factories_loop import walk_to

    kept = walk_to(ClientFactory(station=org.station_a, area=org.a1, owner=org.kam), "follow_up", org.kam)
    merged = walk_to(ClientFactory(station=org.station_a, area=org.a1, owner=org.kam), "follow_up", org.kam)
    for client in (kept, merged):
        from tests.factories_loop import satisfy_gate

        satisfy_gate(client, org.kam)  # an evaluation of this month on both

    record = client_services.client_merge(kept=kept, merged=merged, by=org.station_master)

    assert sorted(Proposal.objects.filter(client=kept).values_list("version", flat=True)) == [1, 2]
    assert not Proposal.objects.filter(client=merged).exists()
    # The same month evaluated on both: the kept client's stays, the other remains on the merged record.
    assert Evaluation.objects.filter(client=kept).count() == 1
    assert Evaluation.objects.filter(client=merged).count() == 1
    assert record.moved["pipeline.Proposal.client"] == 1


# --- One phone counts once per collector ---------------------------------------------------------------------


def test_the_same_collector_cannot_count_the_same_phone_twice(org):
    # Given a courier's lead, counted for today
    first, _ = services.lead_submit(by=org.courier, data=lead_data())
    before = _snapshot()
    # When the courier submits the same phone again, written another way, under another name
    with pytest.raises(ValidationError) as refused:
        services.lead_submit(
            by=org.courier, data=lead_data(company_name="嘉禾商行", contact_phone="+86 138-1234-5678")
        )
    # Then it is refused on the phone, naming the first lead, and nothing is saved or counted
    message = refused.value.message_dict["contact_phone"][0]
    assert "嘉禾贸易" in message and str(first.collected_on) in message
    assert _snapshot() == before


def test_another_collectors_lead_with_the_same_phone_is_kept_and_flagged_in_the_queue(org):
    # Given a courier's lead, and a marketer of the same area meeting the same customer
    first, _ = services.lead_submit(by=org.courier, data=lead_data())
    second, _ = services.lead_submit(by=org.marketer, data=lead_data(company_name="嘉禾商行"))
    same_name, _ = services.lead_submit(by=org.manager, data=lead_data(contact_phone="13900000001"))
    alone = LeadFactory(collected_by=org.courier)
    # When the marketer reads the queue
    queue = list(lead_selectors.review_queue(org.marketer))
    twins = lead_selectors.pending_twins(org.marketer, queue)
    # Then each of the three lists the two others (by phone or by name); the unrelated lead none
    assert twins[first.pk] == [second, same_name]
    assert twins[second.pk] == [first]
    assert twins[same_name.pk] == [first]
    assert alone.pk not in twins
    # A decided lead is no longer a twin
    services.lead_reject(lead=second, by=org.marketer, category="duplicate", reason="同一客户")
    assert lead_selectors.pending_twins(org.marketer, [first])[first.pk] == [same_name]


def test_a_rejected_lead_frees_its_phone_for_the_same_collector(org):
    first, _ = services.lead_submit(by=org.courier, data=lead_data())
    services.lead_reject(lead=first, by=org.marketer, category="other", reason="号码写错")
    again, created = services.lead_submit(by=org.courier, data=lead_data())
    assert created and again.pk != first.pk


def test_changing_a_lead_to_a_phone_already_counted_is_refused(org):
    services.lead_submit(by=org.courier, data=lead_data())
    other, _ = services.lead_submit(
        by=org.courier, data=lead_data(company_name="乙公司", contact_phone="13900000002")
    )
    with pytest.raises(ValidationError) as refused:
        services.lead_update(lead=other, by=org.courier, data={"contact_phone": "13812345678"})
    assert "contact_phone" in refused.value.message_dict
    other.refresh_from_db()
    assert other.phone_normalized == "+8613900000002"
    # Keeping its own phone is no repeat
    services.lead_update(
        lead=other, by=org.courier, data={"contact_phone": "139 0000 0002", "address": "新地址"}
    )
    other.refresh_from_db()
    assert other.address == "新地址"


# --- Several leads at once -----------------------------------------------------------------------------------


def test_bulk_accept_decides_each_lead_through_the_same_rules(org):
    complete, _ = services.lead_submit(by=org.courier, data=lead_data())
    partial, _ = services.lead_submit(by=org.courier, data=lead_data(contact_phone="13900000003", address=""))
    results = services.leads_review_bulk(leads=[complete, partial], by=org.marketer, action="accept")
    assert [(r.lead.pk, r.ok) for r in results] == [(complete.pk, True), (partial.pk, False)]
    assert results[0].client is not None
    assert "Address" in results[1].errors[0] or "address" in results[1].errors[0]
    complete.refresh_from_db()
    partial.refresh_from_db()
    assert (complete.status, partial.status) == ("accepted", "submitted")


def test_bulk_return_needs_a_reason_and_a_reviewer(org):
    a, _ = services.lead_submit(by=org.courier, data=lead_data())
    b, _ = services.lead_submit(by=org.courier, data=lead_data(contact_phone="13900000004"))
    with pytest.raises(ValidationError):
        services.leads_review_bulk(leads=[a, b], by=org.marketer, action="return", reason=" ")
    with pytest.raises(PermissionDenied):
        services.leads_review_bulk(leads=[a], by=org.courier, action="accept")
    with pytest.raises(ValidationError):
        services.leads_review_bulk(leads=[], by=org.marketer, action="accept")
    assert set(Lead.objects.values_list("status", flat=True)) == {"submitted"}
    results = services.leads_review_bulk(leads=[a, b], by=org.marketer, action="return", reason="补地址")
    assert all(r.ok for r in results)
    assert (
        list(Lead.objects.order_by("pk").values_list("status", "status_reason"))
        == [("returned", "补地址")] * 2
    )
