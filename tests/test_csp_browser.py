"""The Content-Security-Policy in a real browser: it blocks what it should, and no page of any role trips it."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs (through the browser's debugging protocol, which the policy leaves alone).
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " on " + e.documentURI);
});
"""


def _violations(page, url: str) -> list[str]:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status < 400 or url.startswith("/s/"), (url, response.status)
    return page.evaluate("window.__cspViolations")


def _watched(browser_page, user=None, **kwargs):
    page = browser_page(user, **kwargs)
    page.add_init_script(WATCH)
    return page


def test_an_injected_inline_script_is_blocked_and_reported(org, browser_page):
    page = _watched(browser_page, org.courier)
    page.goto("/")
    ran = page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__injected = true";
          document.body.appendChild(s);
          return window.__injected === true;
        }"""
    )
    assert ran is False
    assert any(v.startswith("script-src") for v in page.evaluate("window.__cspViolations"))


def _main_pages(org) -> dict[str, list[str]]:
    from tests.factories_loop import ClientFactory

    client = ClientFactory(area=org.a1, owner=org.kam)
    return {
        "courier": ["/", "/leads/new/", "/quota/"],
        "area_marketer": ["/", "/leads/review/", "/screening/"],
        "area_manager": ["/", "/quota/flags/"],
        "station_master": ["/", f"/dashboard/stations/{org.station_a.pk}/", "/people/"],
        "key_account_manager": ["/", "/clients/", f"/clients/{client.pk}/", "/kanban/", "/visits/"],
        "executive": ["/", "/dashboard/"],
        "admin": ["/", "/admin/", "/api/docs/"],
    }


def test_no_page_of_any_role_reports_a_policy_violation(org, browser_page):
    pages = _main_pages(org)
    found = {}
    for role, user in org.by_role().items():
        page = _watched(browser_page, user, phone=role in ("courier", "area_marketer"))
        for url in pages[role]:
            violations = _violations(page, url)
            if violations:
                found[f"{role} {url}"] = violations
    anonymous = _watched(browser_page)
    for url in ("/accounts/login/", "/s/no-such-link/"):
        if violations := _violations(anonymous, url):
            found[f"anonymous {url}"] = violations
    assert found == {}


def test_the_api_docs_work_under_the_policy(org, browser_page):
    page = _watched(browser_page, org.admin)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Lantou CRM API" in page.locator(".swagger-ui .info .title").inner_text()
    page.wait_for_selector("text=/api/v1/auth/token/revoke/")
    assert page.evaluate("window.__cspViolations") == []
