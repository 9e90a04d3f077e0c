"""Output shapes shared by the targets API and the dashboard's (the month as YYYY-MM, a ranking)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.schema import MONTH

from . import scorecards


@extend_schema_field(MONTH)
class MonthField(serializers.Field):
    """A month as `YYYY-MM`."""

    default_error_messages = {"invalid": _("Give the month as YYYY-MM.")}

    def to_internal_value(self, data):
        month = scorecards.parse_month(data if isinstance(data, str) else None)
        if month is None:
            self.fail("invalid")
        return month

    def to_representation(self, value):
        return value.strftime("%Y-%m")


class MetricCellSerializer(serializers.Serializer):
    target = serializers.FloatField()
    actual = serializers.FloatField()
    attainment = serializers.FloatField(allow_null=True)
    expected = serializers.FloatField()
    behind = serializers.BooleanField()


class RankedSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField(help_text="The person, area or station.")
    name = serializers.CharField()
    area_name = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="The average attainment of its targets.")
    behind = serializers.IntegerField(help_text="How many of its targets are behind.")
    metrics = serializers.DictField(child=MetricCellSerializer(), help_text="Per metric with a target.")


class TargetsSummarySerializer(serializers.Serializer):
    """This month's targets against actuals, ranked (the dashboard and the notice)."""

    month = MonthField()
    people = RankedSerializer(many=True, required=False)
    areas = RankedSerializer(many=True, required=False)
    stations = RankedSerializer(many=True, required=False)
