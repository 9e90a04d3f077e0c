"""Survey results: average, per TQCSO dimension, distribution over the five levels, and the trend per quarter."""

import django_filters
from django import forms
from django.db.models import Avg, Count
from django.db.models.functions import TruncQuarter
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Area, Station
from config.widgets import Picker
from pipeline.models.clients import RelationshipStage, Tier

from .models import Answer, Dimension, Questionnaire, SurveyResponse


class ResponseFilter(django_filters.FilterSet):
    """The segment: used by the results page and the API alike."""

    client = django_filters.NumberFilter(field_name="client_id", label=_("client"))
    tier = django_filters.MultipleChoiceFilter(
        field_name="client__tier", choices=Tier.choices, label=_("tier"), widget=forms.CheckboxSelectMultiple
    )
    relationship_stage = django_filters.MultipleChoiceFilter(
        field_name="client__relationship_stage",
        choices=RelationshipStage.choices,
        label=_("relationship stage"),
        widget=forms.CheckboxSelectMultiple,
    )
    industry = django_filters.CharFilter(
        field_name="client__industry", lookup_expr="iexact", label=_("industry")
    )
    station = django_filters.ModelChoiceFilter(
        field_name="client__station", queryset=Station.objects.all(), label=_("station")
    )
    area = django_filters.ModelChoiceFilter(
        field_name="client__area", queryset=Area.objects.all(), label=_("area")
    )
    questionnaire = django_filters.ModelChoiceFilter(
        queryset=Questionnaire.objects.all(), label=_("questionnaire")
    )
    since = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte", label=_("from"))
    until = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = SurveyResponse
        fields = ["client", "tier", "relationship_stage", "industry", "station", "area", "questionnaire"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.filters["station"].queryset = Station.objects.visible_to(user)
            self.filters["area"].queryset = Area.objects.visible_to(user).select_related("station")
            self.filters["questionnaire"].queryset = Questionnaire.objects.visible_to(user)
        # A picker on the page: a network has 1,000 areas.
        self.filters["area"].extra["widget"] = Picker("api-pick-areas", label=lambda area: area.long_name)


def _avg(value) -> float | None:
    return None if value is None else round(value, 2)


def _quarter(moment) -> str:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def summarize(responses) -> dict:
    """Figures over a queryset of responses (already scoped and filtered; pilots are excluded here)."""
    responses = responses.filter(is_pilot=False)
    answers = Answer.objects.filter(response__in=responses.values("pk"), score__isnull=False)
    by_dimension = {dim: None for dim in Dimension.values}
    counts = {dim: 0 for dim in Dimension.values}
    for row in answers.values("dimension").annotate(avg=Avg("score"), n=Count("pk")):
        by_dimension[row["dimension"]] = _avg(row["avg"])
        counts[row["dimension"]] = row["n"]
    distribution = {dim: {str(level): 0 for level in range(1, 6)} for dim in [*Dimension.values, "all"]}
    for row in answers.values("dimension", "score").annotate(n=Count("pk")):
        distribution[row["dimension"]][str(row["score"])] += row["n"]
        distribution["all"][str(row["score"])] += row["n"]
    trend = {}
    tzinfo = timezone.get_current_timezone()
    for row in (
        answers.annotate(quarter=TruncQuarter("response__submitted_at", tzinfo=tzinfo))
        .values("quarter", "dimension")
        .annotate(avg=Avg("score"), n=Count("pk"), responses=Count("response", distinct=True))
        .order_by("quarter")
    ):
        label = _quarter(row["quarter"])
        entry = trend.setdefault(
            label,
            {
                "quarter": label,
                "responses": 0,
                "_sum": 0.0,
                "_n": 0,
                "by_dimension": dict.fromkeys(Dimension.values),
            },
        )
        entry["by_dimension"][row["dimension"]] = _avg(row["avg"])
        entry["_sum"] += row["avg"] * row["n"]
        entry["_n"] += row["n"]
    per_quarter_responses = {
        _quarter(row["quarter"]): row["n"]
        for row in responses.annotate(quarter=TruncQuarter("submitted_at", tzinfo=tzinfo))
        .values("quarter")
        .annotate(n=Count("pk"))
    }
    quarters = []
    for label, entry in trend.items():
        quarters.append(
            {
                "quarter": label,
                "responses": per_quarter_responses.get(label, 0),
                "average": _avg(entry["_sum"] / entry["_n"]) if entry["_n"] else None,
                "by_dimension": entry["by_dimension"],
            }
        )
    overall = answers.aggregate(avg=Avg("score"))["avg"]
    return {
        "responses": responses.count(),
        "average": _avg(overall),
        "by_dimension": by_dimension,
        "answers_by_dimension": counts,
        "distribution": distribution,
        "trend": sorted(quarters, key=lambda q: q["quarter"]),
    }


def dimension_rows(summary: dict) -> list[dict]:
    """For templates: one row per dimension with its label, average, count and distribution bars."""
    rows = []
    for dim in Dimension:
        dist = summary["distribution"][dim.value]
        total = sum(dist.values())
        rows.append(
            {
                "key": dim.value,
                "label": dim.label,
                "average": summary["by_dimension"][dim.value],
                "answers": total,
                "levels": [
                    {"score": int(k), "count": v, "percent": round(100 * v / total) if total else 0}
                    for k, v in sorted(dist.items())
                ],
            }
        )
    return rows


def responses_with_comments(responses):
    return responses.select_related("client", "campaign").prefetch_related("answers__question")


def scoped_responses(user):
    return SurveyResponse.objects.visible_to(user)
