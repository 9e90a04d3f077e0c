"""One read path for lists: pages and API read the same selector and the same bounded paging (config/paging.py);
pickers answer the first matches in scope (config/widgets.py, */api pick_*); search by name or phone
(pipeline/selectors/search.py) and the global search, page and API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config import paging
from tests.factories import AreaFactory, StationFactory, UserFactory
from tests.factories_leads import ClientContactFactory, ClientFactory, LeadFactory

pytestmark = pytest.mark.django_db


# --- Paging and query counts ---------------------------------------------------------------------------------


_seq = iter(range(10**6))


def _grow(org, n):
    """n more of everything the lists show and their filters could list: leads, clients, people and areas."""
    for _ in range(n):
        StationFactory()
        area = AreaFactory(station=org.station_a, name=f"新片区{next(_seq)}")
        courier = UserFactory(role="courier", area=area)
        LeadFactory(collected_by=courier)
        LeadFactory(collected_by=org.courier)
        ClientFactory(area=area)


@pytest.mark.parametrize(
    "url_name, role",
    [
        ("pipeline:lead_list", "executive"),
        ("pipeline:lead_list", "station_master"),
        ("pipeline:lead_list", "courier"),
        ("pipeline:client_list", "executive"),
        ("pipeline:screening_list", "station_master"),
        ("pipeline:review_queue", "area_marketer"),
        ("pipeline:search", "executive"),
        ("pipeline:kanban", "executive"),
        ("pipeline:kanban", "station_master"),
        ("pipeline:kanban", "key_account_manager"),
        ("pipeline:kanban", "area_manager"),
        ("pipeline:funnel", "executive"),
        ("pipeline:funnel", "station_master"),
        ("pipeline:funnel", "key_account_manager"),
        ("pipeline:funnel", "area_manager"),
        ("visits:calendar", "executive"),
        ("visits:calendar", "station_master"),
        ("quota:flags", "executive"),
        ("quota:flags", "station_master"),
        ("satisfaction:complaint_list", "executive"),
        ("agenda:list", "station_master"),
        ("targets:scorecard", "executive"),
        ("accounts:people", "station_master"),
    ],
)
def test_a_list_page_reads_as_many_queries_and_options_whatever_the_data(
    org, client, monkeypatch, url_name, role
):
    # Given a user and a little data, more than a page of 3
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)
    monkeypatch.setattr("pipeline.views.leads.QUEUE_PAGE", 3)
    user = org.by_role()[role]
    client.force_login(user)
    params = {"q": "公司"} if url_name == "pipeline:search" else {}
    _grow(org, 4)
    client.get(reverse(url_name), params)  # warm caches (content types, competitor list)
    with CaptureQueriesContext(connection) as few:
        small = client.get(reverse(url_name), params)
    # When people, areas, leads and clients grow
    _grow(org, 20)
    with CaptureQueriesContext(connection) as many:
        large = client.get(reverse(url_name), params)
    # Then the page costs the same number of queries and draws no option per person or area
    assert large.status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    if url_name != "pipeline:review_queue":  # whose rows each carry the reasons to reject
        assert large.content.count(b"<option") == small.content.count(b"<option")


@pytest.mark.parametrize(
    "url_name, role",
    [
        ("visits:plan_new", "station_master"),
        ("visits:record_new", "station_master"),
        ("satisfaction:complaint_new", "station_master"),
        ("agenda:new", "station_master"),
        ("pipeline:client_new", "station_master"),
        ("satisfaction:questionnaire_new", "executive"),
        ("agenda:settings", "admin"),
        ("targets:edit", "executive"),
        ("quota:calendar", "executive"),
    ],
)
def test_a_form_offers_clients_people_and_areas_by_picker_not_by_select(org, client, url_name, role):
    # Given a user whose scope grows by people, areas and clients
    client.force_login(org.by_role()[role])
    _grow(org, 2)
    small = client.get(reverse(url_name))
    _grow(org, 20)
    # When the form is drawn
    large = client.get(reverse(url_name))
    # Then it holds as many options as before, and pickers
    assert large.status_code == 200
    assert large.content.count(b"<option") == small.content.count(b"<option")
    assert b"data-picker=" in large.content


def test_past_the_count_limit_the_page_says_more_than_and_pages_on(org, client, monkeypatch):
    # Given a count limit of 3 and five leads
    monkeypatch.setattr(paging, "COUNT_LIMIT", 3)
    for _ in range(5):
        LeadFactory(collected_by=org.courier)
    client.force_login(org.station_master)
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    # When the page is read two rows at a time
    first = client.get(reverse("pipeline:lead_list"))
    last = client.get(reverse("pipeline:lead_list"), {"page": 3})
    # Then the first page gives no number and no page total; the last counts its way to the end
    assert first.context["page"].count is None and first.context["page"].has_next()
    assert "More than 3 leads" in first.content.decode() or "超过 3 条线索" in first.content.decode()
    assert last.context["page"].count == 5 and not last.context["page"].has_next()
    # And a page past the end shows the first page rather than an error
    assert client.get(reverse("pipeline:lead_list"), {"page": 99}).status_code == 200


def test_the_lead_page_and_the_api_read_the_same_list(org, client, api_as):
    # Given leads of two collectors in two areas, some matching a search
    LeadFactory(collected_by=org.courier, company_name="顺丰样品贸易公司")
    LeadFactory(collected_by=org.courier, company_name="顺丰样品二号", status="rejected")
    LeadFactory(collected_by=org.courier_a2, company_name="顺丰样品三号")
    LeadFactory(collected_by=org.courier, company_name="别的公司")
    client.force_login(org.station_master)
    api = api_as(org.station_master)
    cases = [
        ({"q": "样品"}, {"q": "样品"}),
        ({"q": "样品", "status": "submitted"}, {"q": "样品", "status": "submitted"}),
        ({"area": org.a2.pk}, {"area": org.a2.pk}),
        ({"collected_by": org.courier.pk, "q": "样品"}, {"collected_by": org.courier.pk, "q": "样品"}),
    ]
    for page_params, api_params in cases:
        # When the page and the API are asked the same
        page = client.get(reverse("pipeline:lead_list"), page_params)
        body = api.get("/api/v1/leads/", api_params).json()
        # Then they answer the same leads in the same order
        assert [lead.pk for lead in page.context["page"].object_list] == [r["id"] for r in body["results"]]
        assert page.context["page"].count == body["count"]


def test_the_lead_page_names_the_chosen_collector_and_area_but_not_one_out_of_scope(org, client):
    client.force_login(org.station_master)
    mine = client.get(reverse("pipeline:lead_list"), {"collected_by": org.courier.pk, "area": org.a1.pk})
    assert str(org.courier).encode() in mine.content and org.a1.name.encode() in mine.content
    # A person of another station is not named, and filters nothing open
    theirs = client.get(reverse("pipeline:lead_list"), {"collected_by": org.courier_b.pk, "area": org.b1.pk})
    assert theirs.status_code == 200
    assert (
        org.courier_b.username.encode() not in theirs.content and org.b1.name.encode() not in theirs.content
    )


# --- Search --------------------------------------------------------------------------------------------------


def test_leads_are_found_by_company_contact_or_part_of_a_phone(org, api_as):
    lead = LeadFactory(collected_by=org.courier, company_name="星辰电子商务", contact_name="王小明")
    LeadFactory(collected_by=org.courier, company_name="别家", contact_name="赵")
    api = api_as(org.marketer)
    digits = lead.phone_normalized[-6:]
    for text in ("星辰电子", "小明", digits, lead.contact_phone):
        ids = [r["id"] for r in api.get("/api/v1/leads/", {"q": text}).json()["results"]]
        assert ids == [lead.pk], text


def test_clients_are_found_by_name_or_a_contacts_phone(org, api_as):
    found = ClientFactory(area=org.a1, name="远航国际物流")
    contact = ClientContactFactory(client=found)
    ClientFactory(area=org.a1, name="他家")
    api = api_as(org.marketer)
    for text in ("远航", contact.phone, contact.phone_normalized[-5:]):
        ids = [r["id"] for r in api.get("/api/v1/clients/", {"q": text}).json()["results"]]
        assert ids == [found.pk], text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes exist on PostgreSQL only")
def test_search_is_served_by_trigram_indexes(org):
    from pipeline.models import Lead
    from pipeline.selectors.search import search_clients, search_leads

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'pipeline_%%trgm'")
        names = {row[0] for row in cursor.fetchall()}
        assert {
            "pipeline_lead_company_trgm",
            "pipeline_lead_phone_trgm",
            "pipeline_contact_name_trgm",
        } <= names
        cursor.execute("SET LOCAL enable_seqscan = off")
        from pipeline.models import Client

        for qs in (
            search_leads(Lead.objects.all(), "星辰电子"),
            search_leads(Lead.objects.all(), "138001"),
            search_clients(Client.objects.all(), "远航国际"),
        ):
            plan = qs.order_by().explain()  # tiny tables: without the order's index to walk instead
            assert "trgm" in plan, plan


# --- Global search -------------------------------------------------------------------------------------------


def test_the_global_search_finds_leads_clients_and_contacts_in_scope_only(org, client, api_as):
    # Given a lead, a client and a contact named alike in station A, and the same in station B
    lead = LeadFactory(collected_by=org.courier, company_name="蓝海科技")
    mine = ClientFactory(area=org.a1, name="蓝海科技集团")
    contact = ClientContactFactory(client=mine, name="蓝海联系人")
    LeadFactory(collected_by=org.courier_b, company_name="蓝海科技B")
    theirs = ClientFactory(area=org.b1, name="蓝海科技B站")
    ClientContactFactory(client=theirs, name="蓝海B联系人")
    # When the station master of A searches
    body = api_as(org.station_master).get("/api/v1/search/", {"q": "蓝海"}).json()
    page = client
    page.force_login(org.station_master)
    html = page.get(reverse("pipeline:search"), {"q": "蓝海"}).content.decode()
    # Then only station A's records come back, grouped by kind, on the page and in the API
    assert [r["id"] for r in body["leads"]] == [lead.pk]
    assert [r["id"] for r in body["clients"]] == [mine.pk]
    assert [r["id"] for r in body["contacts"]] == [contact.pk]
    assert body["more"] == {"leads": False, "clients": False, "contacts": False}
    assert (
        "蓝海科技集团" in html
        and "蓝海联系人" in html
        and "蓝海科技B" not in html
        and "蓝海B联系人" not in html
    )
    # And a contact is found by phone too
    by_phone = api_as(org.station_master).get("/api/v1/search/", {"q": contact.phone}).json()
    assert [r["id"] for r in by_phone["contacts"]] == [contact.pk]


def test_the_top_bar_has_the_search_box(org, client):
    client.force_login(org.courier)
    html = client.get(reverse("pipeline:lead_list")).content.decode()
    assert 'role="search"' in html and reverse("pipeline:search") in html


# --- Pickers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, people, areas",
    [
        ("courier", {"courier"}, {"片区A1"}),
        ("area_marketer", {"courier", "marketer", "manager"}, {"片区A1"}),
        (
            "station_master",
            {"courier", "courier_a2", "marketer", "marketer_a2", "manager", "master", "kam"},
            None,
        ),
        ("executive", None, {"片区A1", "片区A2", "片区B1"}),
    ],
)
def test_pickers_answer_only_what_the_user_sees(org, api_as, role, people, areas):
    api = api_as(org.by_role()[role])
    found_people = api.get("/api/v1/pick/people/").json()["results"]
    found_areas = {r["label"].split(" · ")[-1] for r in api.get("/api/v1/pick/areas/").json()["results"]}
    usernames = {
        u.username for u in org.courier.__class__.objects.filter(pk__in=[r["id"] for r in found_people])
    }
    if people is not None:
        assert usernames == people
    else:
        assert {"courier_b", "master_b"} <= usernames
    if areas is not None:
        assert found_areas == areas


def test_a_picker_answers_the_first_twenty_matches_of_the_text(org, api_as):
    for i in range(25):
        UserFactory(username=f"walker{i:02d}", display_name=f"步行者{i:02d}", role="courier", area=org.a1)
    api = api_as(org.station_master)
    results = api.get("/api/v1/pick/people/", {"q": "步行者"}).json()["results"]
    assert len(results) == 20 and all("步行者" in r["label"] for r in results)
    assert (
        api.get("/api/v1/pick/people/", {"q": "步行者07"})
        .json()["results"][0]["label"]
        .startswith("步行者07")
    )
    couriers = api.get("/api/v1/pick/people/", {"role": "station_master"}).json()["results"]
    assert [r["id"] for r in couriers] == [org.station_master.pk]


def test_the_client_picker_is_scoped(org, api_as):
    mine = ClientFactory(area=org.a1, name="甲方客户")
    ClientFactory(area=org.b1, name="甲方客户B")
    results = api_as(org.station_master).get("/api/v1/pick/clients/", {"q": "甲方"}).json()["results"]
    assert results == [{"id": mine.pk, "label": "甲方客户"}]
    assert api_as(org.courier_b).get("/api/v1/pick/clients/", {"q": "甲方"}).json()["results"] == []


# --- Complaints ----------------------------------------------------------------------------------------------


def _complaints(org, n, severity="low"):
    from django.utils import timezone

    from satisfaction.services import complaints

    for _ in range(n):
        complaints.complaint_create(
            by=org.kam,
            client=ClientFactory(area=org.a1, owner=org.kam),
            channel="phone",
            category="delay",
            severity=severity,
            description="延误",
            now=timezone.now(),
        )


def test_the_complaint_page_and_the_api_read_the_same_list_with_as_many_queries(
    org, client, api_as, monkeypatch
):
    # Given complaints of two severities
    _complaints(org, 4, "low")
    _complaints(org, 2, "high")
    client.force_login(org.kam)
    api = api_as(org.kam)
    # When the page and the API are asked for the same complaints
    for page_params, api_params in [
        ({"severity": "high"}, {"severity": "high", "unresolved": "true"}),
        ({"mine": "1"}, {"mine": "true", "unresolved": "true"}),
        ({"status": "resolved"}, {"status": "resolved"}),
    ]:
        page = client.get(reverse("satisfaction:complaint_list"), page_params)
        body = api.get("/api/v1/complaints/", api_params).json()
        # Then they hold the same complaints (the page puts the soonest due first, the API the newest)
        assert {c.pk for c in page.context["page"].object_list} == {r["id"] for r in body["results"]}
    # And past a page of 3, more complaints cost the page no more queries
    monkeypatch.setattr(paging, "PAGE_SIZE", 3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("satisfaction:complaint_list"))
    _complaints(org, 10)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("satisfaction:complaint_list"))
    assert len(many) == len(few)
