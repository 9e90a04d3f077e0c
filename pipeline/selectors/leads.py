"""Reads of leads shared by the pages and the API: the list (scope, filters, search, order) and the review queue."""

import django_filters
from django.db.models import Q

from ..models import Lead
from ..models.clients import Source
from ..models.leads import LeadStatus, RejectReason
from .search import search_leads


class LeadFilter(django_filters.FilterSet):
    """The lead list's filters, search and order, as the API takes them (`?status=…&q=…`) and the page too
    (pipeline/forms/leads.py LeadFilterForm hands its fields over under these names)."""

    status = django_filters.MultipleChoiceFilter(choices=LeadStatus.choices)
    collected_on = django_filters.DateFilter()
    collected_on_after = django_filters.DateFilter(field_name="collected_on", lookup_expr="gte")
    collected_on_before = django_filters.DateFilter(field_name="collected_on", lookup_expr="lte")
    collected_by = django_filters.NumberFilter(field_name="collected_by_id")
    area = django_filters.NumberFilter(field_name="area_id")
    station = django_filters.NumberFilter(field_name="station_id")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    reject_reason = django_filters.ChoiceFilter(choices=RejectReason.choices)
    duplicate = django_filters.BooleanFilter(
        field_name="duplicate_of", lookup_expr="isnull", exclude=True, label="Matches an existing client"
    )
    q = django_filters.CharFilter(
        method="search", label="Company or contact name contains, or phone number (whole or part)"
    )
    ordering = django_filters.OrderingFilter(
        fields=(("collected_at", "collected_at"), ("company_name", "company_name"), ("status", "status"))
    )

    class Meta:
        model = Lead
        fields = []

    def search(self, queryset, name, value):
        return search_leads(queryset, value)


def lead_list(user, params=None):
    """The leads `user` sees, filtered, searched and ordered by `params` (LeadFilter's names); newest first
    unless `ordering` says otherwise. The pages and the API page through it with config.paging."""
    queryset = Lead.objects.visible_to(user)
    if not params:
        return queryset
    return LeadFilter(params, queryset=queryset).qs


def review_queue(user):
    """Submitted leads the user reviews, oldest first."""
    return (
        Lead.objects.visible_to(user)
        .filter(status=LeadStatus.SUBMITTED)
        .select_related("collected_by", "area", "duplicate_of__station")
        .order_by("collected_at", "pk")
    )


def pending_twins(user, leads) -> dict[int, list[Lead]]:
    """For each of these leads, the other submitted leads in the user's queue with the same phone or the same
    company name (two collectors who met one customer), oldest first, in one query."""
    phones = {lead.phone_normalized for lead in leads if lead.phone_normalized}
    names = {lead.normalized_name for lead in leads if lead.normalized_name}
    if not (phones or names):
        return {}
    others = list(
        Lead.objects.visible_to(user)
        .filter(status=LeadStatus.SUBMITTED)
        .filter(Q(phone_normalized__in=phones) | Q(normalized_name__in=names))
        .select_related("collected_by")
        .order_by("collected_at", "pk")
    )
    twins = {}
    for lead in leads:
        found = [
            other
            for other in others
            if other.pk != lead.pk
            and (
                (lead.phone_normalized and other.phone_normalized == lead.phone_normalized)
                or (lead.normalized_name and other.normalized_name == lead.normalized_name)
            )
        ]
        if found:
            twins[lead.pk] = found
    return twins
