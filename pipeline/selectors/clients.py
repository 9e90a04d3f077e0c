"""Reads of client records shared by the pages and the API: the list (scope, filters, search, order)."""

import django_filters

from ..models import Client
from ..models.clients import CompanyType, Source
from ..models.loop import Stage
from ..services import screening
from .search import search_clients

# The pages' sort orders (pipeline/forms/clients.py); the API orders by `ordering`.
SORTS = {
    "priority": ("-priority_score", "-expected_revenue", "pk"),
    "revenue": ("-expected_revenue", "pk"),
    "updated": ("-updated_at", "-pk"),
    "name": ("name", "pk"),
}


class ClientFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    tier = django_filters.CharFilter()
    area = django_filters.NumberFilter(field_name="area_id")
    station = django_filters.NumberFilter(field_name="station_id")
    owner = django_filters.NumberFilter(field_name="owner_id")
    source = django_filters.ChoiceFilter(choices=Source.choices)
    company_type = django_filters.ChoiceFilter(choices=CompanyType.choices)
    signal = django_filters.ChoiceFilter(
        choices=[(s.code, s.label) for s in screening.SIGNALS], method="with_signal", label="Screening signal"
    )
    min_priority = django_filters.NumberFilter(field_name="priority_score", lookup_expr="gte")
    screened = django_filters.BooleanFilter(field_name="screened_at", lookup_expr="isnull", exclude=True)
    q = django_filters.CharFilter(method="search", label="Name, address or contact phone contains")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("priority_score", "priority_score"),
            ("expected_revenue", "expected_revenue"),
            ("updated_at", "updated_at"),
            ("name", "name"),
            ("difficulty", "difficulty"),
        )
    )

    class Meta:
        model = Client
        fields = []

    def with_signal(self, queryset, name, value):
        return queryset.filter(screening.SIGNALS_BY_CODE[value].filter)

    def search(self, queryset, name, value):
        return search_clients(queryset, value)


def client_list(user, params=None, *, sort: str | None = None):
    """The active clients `user` sees, filtered and searched by `params` (ClientFilter's names), in the order of
    `sort` (SORTS) when given. The pages and the API page through it with config.paging."""
    queryset = Client.objects.visible_to(user).active()
    if params:
        queryset = ClientFilter(params, queryset=queryset).qs
    return queryset.order_by(*SORTS[sort]) if sort else queryset
