"""Reads of the survey side, scoped by the reader. Every figure and every list of links or answers counts what
the reader may see: on a company-wide campaign a station sees its own customers' links and answers, and the
totals of those, never another station's.

A list's figures are read in one grouped query over the links of the page's campaigns: counting links and
responses with joins in the list's own GROUP BY multiplies them by each other (800 links × 560 responses is 448,000
rows for one campaign), and a subquery per row and figure is paid again for every row an OFFSET skips."""

from datetime import datetime

import django_filters
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Campaign, Complaint, Invitation, Question, Questionnaire, SurveyResponse
from .models.complaints import UNRESOLVED
from .models.scope import client_scope_q
from .services.surveys import campaign_contacts


def _count(queryset: QuerySet, of: str) -> Coalesce:
    """COUNT(*) of `queryset` (filtered on an OuterRef to `of`) as a column; 0 when there is none."""
    counted = queryset.order_by().values(of).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def visible_campaigns(user, *, now: datetime, pending: bool = False) -> QuerySet:
    """The campaigns the user sees, newest first; `pending`: only those with a link still waiting for its answer
    among the user's customers."""
    campaigns = (
        Campaign.objects.visible_to(user)
        .select_related("questionnaire", "station", "area")
        .order_by("-created_at", "-pk")
    )
    if pending:
        waiting = Invitation.objects.visible_to(user).filter(campaign=OuterRef("pk")).waiting(now)
        campaigns = campaigns.filter(Exists(waiting))
    return campaigns


def with_figures(user, campaigns, *, now: datetime) -> list[Campaign]:
    """The campaigns, each with the figures of the user's customers: `invitation_count` (links sent),
    `response_count` (answered) and `waiting_count` (neither answered nor expired)."""
    campaigns = list(campaigns)
    figures = {
        row["campaign"]: row
        for row in Invitation.objects.visible_to(user)
        .filter(campaign__in=[campaign.pk for campaign in campaigns])
        .order_by()  # the model's ordering would join the GROUP BY
        .values("campaign")
        .annotate(
            sent=Count("pk"),
            answered=Count("response"),
            waiting=Count("pk", filter=Q(response__isnull=True, expires_at__gt=now)),
        )
    }
    for campaign in campaigns:
        row = figures.get(campaign.pk, {})
        campaign.invitation_count = row.get("sent", 0)
        campaign.response_count = row.get("answered", 0)
        campaign.waiting_count = row.get("waiting", 0)
    return campaigns


def questionnaires_with_figures(user) -> QuerySet:
    """The questionnaires the user sees, each with `question_count` and `pilot_response_count` (the pilot
    answers the user may read)."""
    return (
        Questionnaire.objects.visible_to(user)
        .select_related("station")
        .annotate(
            question_count=_count(Question.objects.filter(questionnaire=OuterRef("pk")), "questionnaire"),
            pilot_response_count=_count(
                SurveyResponse.objects.visible_to(user).filter(questionnaire=OuterRef("pk"), is_pilot=True),
                "questionnaire",
            ),
        )
    )


def campaign_links(user, campaign: Campaign, *, now: datetime, pending: bool = False) -> QuerySet:
    """A campaign's personal links that the user may see, each with `answered`; `pending`: only those waiting."""
    links = (
        Invitation.objects.visible_to(user)
        .filter(campaign=campaign)
        .select_related("client")
        .annotate(answered=Exists(SurveyResponse.objects.filter(invitation=OuterRef("pk"))))
        .order_by("-round_on", "client__name", "pk")
    )
    return links.waiting(now) if pending else links


def campaign_recipients(user, campaign: Campaign) -> int:
    """How many of the user's contacts the campaign's next sending reaches."""
    return campaign_contacts(campaign).filter(client_scope_q(user)).count()


def pilot_responses(user, questionnaire: Questionnaire) -> QuerySet:
    """The pilot's answers the user may read, for the review before approval."""
    return (
        SurveyResponse.objects.visible_to(user)
        .filter(questionnaire=questionnaire, is_pilot=True)
        .select_related("client", "invitation")
        .prefetch_related("answers__question")
    )


# --- Complaints: the list of the page and of the API ---------------------------------------------------------

COMPLAINTS_NEWEST = ("-received_at", "-pk")  # the API's order
COMPLAINTS_DUE_FIRST = ("due_at", "-pk")  # the page's: what must be resolved soonest


class ComplaintFilter(django_filters.FilterSet):
    """The complaint list's filters, as the API takes them and the page hands them over."""

    overdue = django_filters.BooleanFilter(method="filter_overdue", label="overdue")
    unresolved = django_filters.BooleanFilter(method="filter_unresolved", label="not resolved or closed yet")
    mine = django_filters.BooleanFilter(method="filter_mine", label="mine or my clients'")

    class Meta:
        model = Complaint
        fields = ["status", "severity", "category", "channel", "client", "owner", "escalation_level"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=UNRESOLVED, due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_unresolved(self, queryset, name, value):
        return queryset.filter(status__in=UNRESOLVED) if value else queryset.exclude(status__in=UNRESOLVED)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(Q(owner=user) | Q(client__owner=user))


def complaint_list(request, params, *, order=COMPLAINTS_NEWEST) -> QuerySet:
    """The complaints the request's user sees, filtered by `params` (ComplaintFilter's names), in `order`."""
    queryset = Complaint.objects.visible_to(request.user).select_related("client", "owner").order_by(*order)
    return ComplaintFilter(params, queryset=queryset, request=request).qs if params else queryset
