"""The house rules a reader relies on: one roles module the menu follows, hooks found by autodiscovery."""

import pytest

from accounts.navigation import MENU, menu_for
from accounts.roles import Role
from config import hooks


@pytest.mark.parametrize("role", Role.values)
def test_every_menu_entry_opens_for_the_roles_it_is_shown_to(org, client, role):
    user = org.by_role()[role]
    client.force_login(user)
    items = menu_for(user)
    assert items, role
    for item in items:
        response = client.get(item["url"], follow=True)
        assert response.status_code == 200, (role, item["name"], response.status_code)


@pytest.mark.parametrize("role", Role.values)
def test_the_menu_shows_every_page_the_role_may_open(org, role):
    shown = {item["name"] for item in menu_for(org.by_role()[role])}
    admitted = {name for name, _label, roles in MENU if role in roles}
    assert shown == admitted


def test_every_app_contributes_its_hooks():
    assert [f.__module__ for f in hooks.home_panels] == [
        "agenda.panels",
        "targets.panels",
        "quota.panels",
        "pipeline.panels",
        "visits.panels",
        "satisfaction.panels",
        "dashboard.panels",
    ]
    assert [f.__module__ for f in hooks.timeline_sources] == [
        "pipeline.timeline",
        "visits.timeline",
        "satisfaction.timeline",
    ]
    assert "satisfaction.panels" in {f.__module__ for f in hooks.client_panels}


def test_a_hook_keeps_its_order_and_registers_a_callable_once():
    hook = hooks.Hook("test")

    def late():
        return "late"

    def early():
        return "early"

    hook.register(order=20)(late)
    hook.register(order=10)(early)
    hook.register(order=10)(early)
    assert [f() for f in hook] == ["early", "late"]
