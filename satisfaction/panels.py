"""Cards other pages show: the home page's satisfaction card, and a card for the client file and the dashboard."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Role
from accounts.roles import HQ_ROLES, SATISFACTION_VIEWERS
from config.hooks import client_panels, home_panels
from pipeline.models import Client

from .health import health_for, low_health
from .models import Complaint, FollowUpTask, IndicatorWarning

DUE_SOON = timedelta(hours=24)


def _my_clients(user):
    """An owner watches their own clients; managers watch everything they see."""
    clients = Client.objects.visible_to(user).active()
    if user.role == Role.KEY_ACCOUNT_MANAGER:
        return clients.filter(owner=user)
    return clients


@home_panels.register(order=60)
def home(request) -> str | None:
    user = request.user
    if user.role not in SATISFACTION_VIEWERS:
        return None
    now = timezone.now()
    clients = _my_clients(user)
    warnings = list(
        IndicatorWarning.objects.open()
        .filter(client__in=clients.values("pk"))
        .select_related("client", "indicator")
        .order_by("-raised_on")[:5]
    )
    complaints = Complaint.objects.visible_to(user).unresolved().filter(due_at__lt=now + DUE_SOON)
    if user.role not in HQ_ROLES and user.role != Role.STATION_MASTER:
        complaints = complaints.filter(Q(owner=user) | Q(client__owner=user) | Q(escalation_level__gt=0))
    complaints = list(complaints.select_related("client").order_by("due_at")[:5])
    tasks = list(
        FollowUpTask.objects.open().filter(assignee=user).select_related("client").order_by("due_on")[:5]
    )
    low = low_health(clients, now=now)[:5] if user.role not in HQ_ROLES else []
    if not (warnings or complaints or tasks or low):
        return None
    return render_to_string(
        "satisfaction/_panel_home.html",
        {
            "warnings": warnings,
            "complaints": complaints,
            "tasks": tasks,
            "low": low,
            "now": now,
            "threshold": settings.SATISFACTION_HEALTH_THRESHOLD,
        },
        request=request,
    )


@client_panels.register(order=10)
def client(request, client) -> str:
    """For the client file: health score with its explanation, open warnings and unresolved complaints."""
    now = timezone.now()
    return render_to_string(
        "satisfaction/_panel_client.html",
        {
            "client": client,
            "health": health_for(client, now=now),
            "threshold": settings.SATISFACTION_HEALTH_THRESHOLD,
            "warnings": IndicatorWarning.objects.open().filter(client=client).select_related("indicator"),
            "complaints": Complaint.objects.unresolved().filter(client=client).order_by("due_at"),
            "now": now,
        },
        request=request,
    )


def dashboard(request, station=None) -> str | None:
    """For the station dashboard: open early warnings and low-health clients of the station."""
    user = request.user
    clients = Client.objects.visible_to(user).active()
    if station is not None:
        clients = clients.filter(station=station)
    warnings = list(
        IndicatorWarning.objects.open()
        .filter(client__in=clients.values("pk"))
        .select_related("client", "indicator")
        .order_by("-raised_on")[:10]
    )
    low = low_health(clients, now=timezone.now())[:10]
    if not (warnings or low):
        return None
    return render_to_string(
        "satisfaction/_panel_dashboard.html",
        {"warnings": warnings, "low": low, "threshold": settings.SATISFACTION_HEALTH_THRESHOLD},
        request=request,
    )


def station_figures(clients, *, now, limit: int = 10) -> dict:
    """Figures for the dashboard API over a queryset of clients: warnings, complaints, low relationship health."""
    warnings = IndicatorWarning.objects.open().filter(client__in=clients.values("pk"))
    unresolved = Complaint.objects.unresolved().filter(client__in=clients.values("pk"))
    low = low_health(clients, now=now)
    return {
        "open_warnings": warnings.count(),
        "warnings": [
            {
                "client": w.client_id,
                "client_name": w.client.name,
                "indicator": w.indicator.code,
                "value": w.value,
                "threshold": w.threshold,
                "raised_on": w.raised_on,
            }
            for w in warnings.select_related("client", "indicator").order_by("-raised_on", "pk")[:limit]
        ],
        "unresolved_complaints": unresolved.count(),
        "overdue_complaints": unresolved.filter(due_at__lt=now).count(),
        "low_health": [
            {"client": client.pk, "client_name": client.name, "score": health.score}
            for client, health in low[:limit]
        ],
        "health_threshold": settings.SATISFACTION_HEALTH_THRESHOLD,
    }
