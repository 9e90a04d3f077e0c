"""Demo visits for `make run`: next week's plans for the clients being worked on (one awaiting the area manager's
answer on a superior, one approved), a missed return visit, and the daily return-visit run for today."""

import datetime as dt

from django.utils import timezone

from accounts.models import Role
from pipeline.models import Client
from pipeline.models.loop import Stage
from visits import services
from visits.models import VisitKind, VisitPlan


def seed(org, *, scale, today, rng) -> None:
    managers = {p.area_id: p for p in org.people if p.role == Role.AREA_MANAGER}
    kam = next((p for p in org.people if p.role == Role.KEY_ACCOUNT_MANAGER), None)
    marketers = {p.area_id: p for p in org.people if p.role == Role.AREA_MARKETER}
    working = Client.objects.filter(
        station__in=org.stations,
        stage__in=[Stage.SCREEN, Stage.SURVEY, Stage.NEEDS, Stage.PROPOSAL, Stage.VISIT],
    ).order_by("pk")
    asked = approved = False
    for i, client in enumerate(working[:14]):
        by = client.owner or marketers.get(client.area_id) or kam
        if by is None:
            continue
        wants_superior = not asked or (not approved and i > 3)
        plan = services.plan_create(
            client=client,
            by=by,
            planned_for=today + dt.timedelta(days=1 + i % 9),
            planned_time=dt.time(9 + i % 8, 30),
            kind=VisitKind.FIRST if client.stage in (Stage.SCREEN, Stage.SURVEY) else VisitKind.NEGOTIATION,
            from_screening=bool(client.plan_key_points),
            key_points=client.plan_key_points or "介绍时效产品，了解现有合作快递",
            superior_requested=wants_superior,
            superior_request_note="对方老板希望见我们的领导" if wants_superior else "",
        )
        if wants_superior and asked and managers.get(client.area_id):
            services.superior_decide(plan=plan, by=managers[client.area_id], approve=True, note="我一起去")
            approved = True
        asked = asked or wants_superior
    for station in org.stations:
        services.plan_return_visits(station=station, on=today)
    customer = Client.objects.filter(station__in=org.stations, stage=Stage.FOLLOW_UP, owner=kam).first()
    if customer is not None and kam is not None:
        # A return visit planned for last week and not made: it shows as overdue on the owner's home page.
        VisitPlan.objects.create(
            client=customer,
            kind=VisitKind.RETURN,
            planned_for=today - dt.timedelta(days=4),
            assignee=kam,
            key_points="季度回访：了解旺季备货和发货计划",
            created_by=kam,
            created_at=timezone.now() - dt.timedelta(days=10),
        )
