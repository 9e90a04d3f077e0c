"""A phone number known in another station: accepting a lead never writes into that client (item 7), and no
answer names the client or gives its id (item 8): the capture message, the lead page and the review queue, the
duplicates endpoint and the capture form's look-up (also for a further contact's number), the client-create
error. Outside the caller's scope they say only that the number is known in station X."""

import pytest

from pipeline.models import Client, ClientCompetitorVolume, ClientContact, Lead
from pipeline.models.leads import LeadStatus
from pipeline.services import leads as lead_services
from tests.factories_leads import ClientContactFactory, ClientFactory, LeadFactory, lead_data

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PHONE = "13912345678"
SECRET = "乙站机密客户有限公司"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"  # pages follow the language switch, not the browser


@pytest.fixture
def foreign(org):
    """A client of station B holding the number PHONE."""
    customer = ClientFactory(area=org.b1, name=SECRET, needs="只走陆运")
    ClientContactFactory(client=customer, name="赵总", phone=PHONE)
    return customer


def leaks(text: str, customer: Client) -> bool:
    return SECRET in text or f"/clients/{customer.pk}/" in text


def assert_unchanged(customer: Client) -> None:
    customer.refresh_from_db()
    assert customer.needs == "只走陆运"
    assert list(ClientContact.objects.filter(client=customer).values_list("name", flat=True)) == ["赵总"]
    assert not ClientCompetitorVolume.objects.filter(client=customer).exists()


def submitted(org) -> Lead:
    lead, _created = lead_services.lead_submit(by=org.courier, data=lead_data(contact_phone=PHONE))
    return lead


def test_accepting_a_lead_never_writes_into_a_client_of_another_station(org, foreign, api_as, client):
    lead = submitted(org)
    assert lead.duplicate_of_id == foreign.pk
    refused = api_as(org.marketer).post(f"/api/v1/leads/{lead.pk}/accept/", {}, format="json", **EN)
    assert refused.status_code == 400
    message = str(refused.json())
    assert "known in station 站B" in message and not leaks(message, foreign)
    client.force_login(org.marketer)
    page = client.post(f"/leads/{lead.pk}/accept/", follow=True, **EN)
    assert "known in station 站B" in page.content.decode() and not leaks(page.content.decode(), foreign)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.SUBMITTED and lead.client_id is None
    assert_unchanged(foreign)
    # As a new client of the reviewer's own station it may go ahead; the other station's client stays as it was.
    accepted = api_as(org.marketer).post(
        f"/api/v1/leads/{lead.pk}/accept/", {"new_client": True}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    lead.refresh_from_db()
    assert lead.client.station == org.station_a
    assert_unchanged(foreign)


def test_the_capture_message_and_the_lead_pages_say_only_the_station(org, foreign, client):
    client.force_login(org.courier)
    saved = client.post("/leads/new/", {**lead_data(contact_phone=PHONE, competitors=[])}, follow=True, **EN)
    assert "known in station 站B" in saved.content.decode()
    assert not leaks(saved.content.decode(), foreign)
    lead = Lead.objects.get()
    client.force_login(org.marketer)
    for url in (f"/leads/{lead.pk}/", "/leads/review/"):
        page = client.get(url, **EN).content.decode()
        assert "known in station 站B" in page and not leaks(page, foreign), url
    # Within scope the same banner names the client and links to it.
    client.force_login(org.station_master_b)
    mine = LeadFactory(collected_by=org.courier_b, contact_phone=PHONE, duplicate_of=foreign)
    page = client.get(f"/leads/{mine.pk}/", **EN).content.decode()
    assert SECRET in page and f"/clients/{foreign.pk}/" in page


def test_the_duplicates_endpoint_and_the_lookup_give_neither_name_nor_id(org, foreign, api_as, client):
    body = api_as(org.marketer).get("/api/v1/leads/duplicates/", {"contact_phone": PHONE}).json()
    assert body["duplicate_of"] is None
    (match,) = body["matches"]
    assert match == {
        "kind": "client",
        "id": None,
        "name": "",
        "match": "phone",
        "station": "站B",
        "area": "",
        "status": "",
        "collected_on": None,
        "collected_by": "",
        "url": "",
    }
    client.force_login(org.courier)
    lookup = client.get("/leads/lookup/", {"contact_phone": PHONE}).json()
    assert lookup["matches"] == [{**match, "collected_on": None}]


def test_a_further_contacts_number_is_a_phone_match_and_names_nothing(org, api_as):
    other = LeadFactory(collected_by=org.courier_b, company_name="乙站机密线索", contact_phone="13900001111")
    other.contacts.create(name="钱经理", phone="13977776666", phone_normalized="+8613977776666")
    body = (
        api_as(org.marketer)
        .get("/api/v1/leads/duplicates/", {"company_name": "乙站机密线索", "contact_phone": "13977776666"})
        .json()
    )
    (match,) = [m for m in body["matches"] if m["kind"] == "lead"]
    assert (match["match"], match["name"], match["id"]) == ("phone", "", None)


def test_creating_a_client_with_a_known_number_names_only_the_station(org, foreign, api_as, client):
    api = api_as(org.marketer).post(
        "/api/v1/clients/",
        {"name": "新公司", "contacts": [{"name": "孙", "phone": PHONE, "role": "other"}]},
        format="json",
        **EN,
    )
    assert api.status_code == 400
    assert "known in station 站B" in str(api.json()) and not leaks(str(api.json()), foreign)
    assert str(foreign.pk) not in str(api.json())
    client.force_login(org.marketer)
    page = client.post(
        "/clients/new/",
        {
            "name": "新公司",
            "source": "courier_route",
            "contact_name": "孙",
            "contact_phone": PHONE,
            "area": org.a1.pk,
        },
        **EN,
    )
    assert "known in station 站B" in page.content.decode() and not leaks(page.content.decode(), foreign)
    assert Client.objects.count() == 1
