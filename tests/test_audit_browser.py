"""A key-account manager reads a client's history on a phone: who changed what, in Chinese, nothing sideways."""

import pytest

from audit.context import audit_context
from tests.factories_leads import ClientContactFactory, ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_clients_history_on_a_phone(org, browser_page):
    client = ClientFactory(
        area=org.a1, owner=org.kam, tier="B", name="顺达商贸有限公司（浦东新区世纪大道分公司）"
    )
    with audit_context(user=org.kam.pk, request_id="phone-history-1"):
        ClientContactFactory(client=client, name="周总", title="物流部经理（负责华东区域所有仓库的发货安排）")
        client.tier = "A"
        client.save(update_fields=["tier"])

    page = browser_page(org.kam, phone=True)
    page.goto(f"/clients/{client.pk}/")
    page.locator(f'a[href="/clients/{client.pk}/history/"]').click()
    page.wait_for_load_state()
    entries = page.locator(".audit-entry")
    assert entries.count() >= 2
    newest = entries.first.inner_text()
    assert "修改" in newest and str(org.kam) in newest and "phone-history-1" in newest
    assert "周总" in page.locator(".audit-trail").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
