"""The small demo (`make run`) gives the key-account manager a day to start from and the station targets to
follow: tasks made by the rules from the demo's history, targets for this month."""

import pytest
from django.core.management import call_command

from accounts.models import User
from agenda.models import Task
from targets.models import Target

pytestmark = pytest.mark.django_db


def test_the_demo_has_tasks_and_targets_and_loads_once(client):
    call_command("seed_demo", scale="small", allow_production=True, verbosity=0)
    kam = User.objects.get(username="kam")
    kinds = set(Task.objects.values_list("kind", flat=True))
    assert {"manual", "next_step"} <= kinds, kinds
    assert Task.objects.filter(assignee=kam, status="open").count() >= 3
    assert Target.objects.filter(person=kam).count() == 3
    assert Target.objects.filter(person__isnull=True, area__isnull=True).count() == 2
    tasks, targets = Task.objects.count(), Target.objects.count()
    call_command("seed_demo", scale="small", allow_production=True, verbosity=0)
    assert (Task.objects.count(), Target.objects.count()) == (tasks, targets)
    client.force_login(kam)
    page = client.get("/").content.decode()
    assert "我的一天" in page and "整理本月重点客户拜访计划" in page and 'id="targets-panel"' in page
