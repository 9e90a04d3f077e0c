"""Lead capture, the act every courier repeats every working day: a bounded number of queries through either door
(`POST /api/v1/leads/` and the phone form's POST share pipeline.services.leads.lead_submit), the duplicate check
included, and an answer built from what was written that says exactly what reading the lead back says."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from pipeline.models import Lead
from quota.models import DailyTally
from tests.factories_leads import ClientContactFactory, ClientFactory, lead_data, phone_for

pytestmark = pytest.mark.django_db

# The token (1), the competitors named (1), the collector's lock with their station and an earlier try of the key
# (1), their earlier lead with the phone (1), the lead with its duplicate check (1), its competitor volume (1), its
# history row (1), the day's tally (1). A session costs one more (the session, then its user). With no webhook
# subscribed to `lead.created` no event is recorded; which types are subscribed is cached (warmed below, as any
# busy server has it).
CAPTURE_MAX_QUERIES = 8
SESSION_MAX_QUERIES = 9
# SQLite has neither the INSERT … RETURNING duplicate check nor the audit trigger: it reads the duplicate back and
# writes the audit row itself, two statements more.
SQLITE_EXTRA = 2
FORM_MAX_QUERIES = 10  # and the form's list of competitors


@pytest.fixture(autouse=True)
def _subscribed_types_known():
    from outbox.events import subscribed_types

    subscribed_types()


def _api(user, *, token=False):
    api = APIClient()
    if token:
        from accounts.services import token_issue

        _token, key = token_issue(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api
    api.force_login(user)
    api.get("/api/v1/leads/?page_size=1")  # the first request after a login renews the session
    return api


def _statements(queries) -> list[str]:
    """The statements a request sends, without the savepoints the test's own transaction turns its atomic block
    into (in production: BEGIN and COMMIT, which are not queries)."""
    savepoint = re.compile(r'(^|; )(RELEASE )?SAVEPOINT "[^"]+"$')
    return [q["sql"] for q in queries.captured_queries if not savepoint.search(q["sql"])]


def _sql(statements) -> list[str]:
    return [sql[:70] + " … " + sql[-90:] for sql in statements]


def test_the_api_capture_costs_a_bounded_number_of_queries_with_its_duplicate_check(org):
    # Given clients that a new lead's phone and name are checked against
    for n in range(20):
        ClientContactFactory(client=ClientFactory(area=org.a1), phone=phone_for(500 + n))
    for n, (token, budget) in enumerate([(True, CAPTURE_MAX_QUERIES), (False, SESSION_MAX_QUERIES)]):
        api = _api(org.courier, token=token)
        # When a courier captures a lead with an idempotency key
        with CaptureQueriesContext(connection) as queries:
            response = api.post(
                "/api/v1/leads/",
                lead_data(contact_phone=phone_for(900 + n)),
                format="json",
                HTTP_IDEMPOTENCY_KEY=f"cost-{n}",
            )
        # Then it costs no more than the budget, and the day's tally counts it
        assert response.status_code == 201, response.json()
        statements = _statements(queries)
        print(f"\ncapture (API, {'token' if token else 'session'}): {len(statements)} queries")
        extra = SQLITE_EXTRA if connection.vendor == "sqlite" else 0
        assert len(statements) <= budget + extra, _sql(statements)
    assert DailyTally.objects.get(person=org.courier).leads == 2


def test_the_capture_answer_is_what_reading_the_lead_back_answers(org):
    # Given a lead duplicating a known client, with a competitor volume and a second contact
    known = ClientFactory(area=org.a1)
    ClientContactFactory(client=known, phone=phone_for(777))
    api = _api(org.courier)
    body = lead_data(
        contact_phone=phone_for(777),
        contacts=[{"name": "李会计", "phone": phone_for(778)}],
    )
    # When it is captured
    response = api.post("/api/v1/leads/", body, format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    # Then the answer, built from what was written, equals the lead read back, and names the duplicate
    read = api.get(f"/api/v1/leads/{created['id']}/").json()
    assert created == read
    assert created["duplicate_of"] == known.pk
    assert [c["monthly"] for c in created["competitors"]] == [200]
    assert [c["name"] for c in created["contacts"]] == ["李会计"]
    assert [h["action"] for h in created["history"]] == ["submitted"]


def test_a_retried_capture_answers_the_first_lead_without_a_second(org):
    api = _api(org.courier)
    first = api.post("/api/v1/leads/", lead_data(), format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = api.post("/api/v1/leads/", lead_data(), format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Lead.objects.count() == 1 and DailyTally.objects.get(person=org.courier).leads == 1


def test_the_phone_form_capture_costs_a_bounded_number_of_queries(org, client):
    client.force_login(org.courier)
    client.get("/leads/new/")
    form = {k: v for k, v in lead_data(contact_phone=phone_for(901)).items() if k not in ("competitors",)}
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/leads/new/", {**form, "idempotency_key": "form-1"})
    assert response.status_code == 302, response.content.decode()[:500]
    statements = _statements(queries)
    print(f"\ncapture (form): {len(statements)} queries")
    extra = SQLITE_EXTRA if connection.vendor == "sqlite" else 0
    assert len(statements) <= FORM_MAX_QUERIES + extra, _sql(statements)
    assert Lead.objects.filter(collected_by=org.courier).count() == 1
