"""Results per segment, a client's satisfaction page, and the clients whose relationship health is low."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import role_required
from accounts.roles import COMPLAINT_ROLES, SATISFACTION_VIEWERS
from pipeline.models import Client

from ..health import health_for, low_health
from ..models import Complaint, FollowUpTask, IndicatorReading, IndicatorWarning, SurveyResponse
from ..results import ResponseFilter, dimension_rows, responses_with_comments, summarize
from .common import pipeline_client_url


@role_required(*SATISFACTION_VIEWERS)
def results(request):
    filterset = ResponseFilter(
        request.GET or None, queryset=SurveyResponse.objects.visible_to(request.user), user=request.user
    )
    responses = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    summary = summarize(responses)
    page = Paginator(
        responses_with_comments(responses.filter(is_pilot=False)).order_by("-submitted_at", "-pk"), 20
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "satisfaction/results.html",
        {
            "filter": filterset,
            "summary": summary,
            "dimensions": dimension_rows(summary),
            "page": page,
            "query": query.urlencode(),
        },
    )


@role_required(*SATISFACTION_VIEWERS)
def client_page(request, pk):
    client = get_object_or_404(
        Client.objects.visible_to(request.user).select_related("owner", "area", "station"), pk=pk
    )
    now = timezone.now()
    responses = SurveyResponse.objects.filter(client=client)
    summary = summarize(responses)
    health = health_for(client, now=now)
    return render(
        request,
        "satisfaction/client.html",
        {
            "client": client,
            "client_url": pipeline_client_url(client),
            "health": health,
            "threshold": settings.SATISFACTION_HEALTH_THRESHOLD,
            "summary": summary,
            "dimensions": dimension_rows(summary),
            "responses": responses_with_comments(responses).order_by("-submitted_at")[:20],
            "complaints": Complaint.objects.filter(client=client)
            .select_related("owner")
            .order_by("-received_at")[:30],
            "warnings": IndicatorWarning.objects.open().filter(client=client).select_related("indicator"),
            "readings": IndicatorReading.objects.filter(client=client).select_related("indicator")[:30],
            "tasks": FollowUpTask.objects.open().filter(client=client).select_related("assignee"),
            "now": now,
            "may_record_complaint": request.user.role in COMPLAINT_ROLES,
        },
    )


@role_required(*SATISFACTION_VIEWERS)
def health_list(request):
    clients = Client.objects.visible_to(request.user).active()
    mine = request.GET.get("mine") == "1" or (
        request.user.role == Role.KEY_ACCOUNT_MANAGER and request.GET.get("mine") != "0"
    )
    if mine:
        clients = clients.filter(owner=request.user)
    pairs = low_health(clients, now=timezone.now())
    return render(
        request,
        "satisfaction/health_list.html",
        {"pairs": pairs, "mine": mine, "threshold": settings.SATISFACTION_HEALTH_THRESHOLD},
    )
