"""Output shapes of the dashboard API (documented in the OpenAPI schema; the figures are plain dicts)."""

from rest_framework import serializers

from targets.serializers import TargetsSummarySerializer


class _Named(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class StationRefSerializer(_Named):
    code = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="People who must collect a lead each working day.")
    leads = serializers.IntegerField(help_text="Leads collected on `date`.")
    leads_period = serializers.IntegerField(help_text="Leads collected from `start` to `end`.")
    met_today = serializers.IntegerField()
    due_today = serializers.IntegerField()
    behind_today = serializers.IntegerField()
    compliance_today = serializers.FloatField(allow_null=True)
    compliance_period = serializers.FloatField(allow_null=True)
    open_flags = serializers.IntegerField()


class PersonFiguresSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
    role = serializers.CharField()
    area = serializers.IntegerField(allow_null=True)
    leads = serializers.IntegerField(help_text="Leads collected on `date`.")
    counted = serializers.IntegerField(help_text="Of those, the ones that count for the quota.")
    met_quota = serializers.BooleanField(
        allow_null=True, help_text="Null when `date` is not a working day for this person."
    )
    leads_period = serializers.IntegerField()
    counted_period = serializers.IntegerField()
    due_days = serializers.IntegerField(help_text="Working days in the period on which a lead was due.")
    met_days = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    miss_streak = serializers.IntegerField(help_text="Working days missed in a row up to `date`.")
    open_flag = serializers.IntegerField(allow_null=True, help_text="The id of the person's open flag.")


class AreaFiguresSerializer(serializers.Serializer):
    area = serializers.IntegerField()
    name = serializers.CharField()
    people = serializers.IntegerField()
    leads = serializers.IntegerField(help_text="Leads collected on `date`.")
    leads_period = serializers.IntegerField()
    met_today = serializers.IntegerField()
    due_today = serializers.IntegerField()
    due_days = serializers.IntegerField()
    met_days = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    leads_per_person = serializers.FloatField(allow_null=True)


class TrendPointSerializer(serializers.Serializer):
    day = serializers.DateField()
    leads = serializers.IntegerField()
    counted = serializers.IntegerField()


class FunnelStepSerializer(serializers.Serializer):
    stage = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    reached = serializers.IntegerField(help_text="Clients at this step or further along.")
    conversion = serializers.FloatField(
        allow_null=True, help_text="Share of `reached` that got to the next step."
    )


class FlagSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
    status = serializers.CharField(
        help_text="open, investigated or assessed (resolved flags are not listed)."
    )
    area = serializers.IntegerField(allow_null=True)
    first_missed_on = serializers.DateField()
    last_missed_on = serializers.DateField()
    days_missed = serializers.IntegerField()


class ShareSerializer(serializers.Serializer):
    our_monthly = serializers.IntegerField()
    competitor_monthly = serializers.IntegerField()
    our_share = serializers.FloatField(allow_null=True)


class ContractsSerializer(serializers.Serializer):
    signed = serializers.IntegerField(help_text="Contracts signed in the period.")
    signed_monthly_volume = serializers.IntegerField()
    active = serializers.IntegerField(help_text="Contracts in force on `date`.")
    committed_monthly_volume = serializers.IntegerField()


class AreaRevenueSerializer(serializers.Serializer):
    area = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)


class RevenueSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM: the month of `date`.")
    total = serializers.DecimalField(max_digits=16, decimal_places=2, help_text="Yuan, from the volume feed.")
    areas = AreaRevenueSerializer(many=True, help_text="Per area, largest first.")


class OverdueVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client = serializers.IntegerField()
    client_name = serializers.CharField()
    planned_for = serializers.DateField()
    days_overdue = serializers.IntegerField()
    assignee = serializers.IntegerField()
    assignee_name = serializers.CharField()


class ReturnVisitsSerializer(serializers.Serializer):
    overdue = serializers.IntegerField()
    due_week = serializers.IntegerField(help_text="Planned from `date` to six days later.")
    overdue_list = OverdueVisitSerializer(many=True, help_text="The longest overdue first (at most 20).")


class SatisfactionSerializer(serializers.Serializer):
    open_complaints = serializers.IntegerField(help_text="Complaints open or in progress.")
    overdue_complaints = serializers.IntegerField(help_text="Of those, past their deadline.")
    responses = serializers.IntegerField(
        help_text="Survey responses submitted in the period (pilots left out)."
    )
    average = serializers.FloatField(allow_null=True, help_text="Their average score, 1 to 5.")
    open_warnings = serializers.IntegerField(help_text="Service-quality warnings not cleared.")


class ScheduledJobsSerializer(serializers.Serializer):
    late = serializers.BooleanField(
        help_text="Beat has stopped, or this station's daily evaluation is overdue."
    )
    beat_late = serializers.BooleanField(help_text="The scheduler has not run for BEAT_LATE_MINUTES.")
    beat_last_tick = serializers.DateTimeField(allow_null=True)
    evaluation_pending_day = serializers.DateField(
        allow_null=True, help_text="The finished day whose evaluation is overdue, if any."
    )


TARGETS_HELP = "This month's targets against actuals, ranked (the month of `date`; of `end` in the notice)."


class StationDashboardSerializer(serializers.Serializer):
    station = StationRefSerializer()
    area = _Named(allow_null=True)
    date = serializers.DateField()
    start = serializers.DateField()
    end = serializers.DateField()
    notes = serializers.ListField(child=serializers.CharField())
    totals = TotalsSerializer()
    people = PersonFiguresSerializer(many=True)
    areas = AreaFiguresSerializer(many=True)
    quota_per_day = serializers.IntegerField()
    open_flags = FlagSerializer(many=True)
    flags_by_status = serializers.DictField(child=serializers.IntegerField())
    funnel = serializers.DictField(child=serializers.IntegerField(), help_text="Clients per stage.")
    funnel_steps = FunnelStepSerializer(many=True)
    trend = TrendPointSerializer(many=True)
    share = ShareSerializer()
    contracts = ContractsSerializer()
    return_visits = ReturnVisitsSerializer()
    satisfaction = SatisfactionSerializer()
    revenue = RevenueSerializer()
    scheduled_jobs = ScheduledJobsSerializer(
        help_text="Read live: whether the jobs behind the figures are late."
    )
    targets = TargetsSummarySerializer(help_text=TARGETS_HELP)


class StationRankSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    station = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    people = serializers.IntegerField()
    areas = serializers.IntegerField()
    leads = serializers.IntegerField()
    leads_period = serializers.IntegerField()
    leads_per_person = serializers.FloatField(allow_null=True)
    met_today = serializers.IntegerField()
    due_today = serializers.IntegerField()
    compliance_today = serializers.FloatField(allow_null=True)
    compliance = serializers.FloatField(allow_null=True)
    open_flags = serializers.IntegerField()
    clients = serializers.IntegerField()
    revenue = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="Revenue from the volume feed in the month of `date` (yuan).",
    )


class ProvinceDashboardSerializer(serializers.Serializer):
    date = serializers.DateField()
    start = serializers.DateField()
    end = serializers.DateField()
    notes = serializers.ListField(child=serializers.CharField())
    totals = serializers.DictField()
    stations = StationRankSerializer(many=True)
    clients_as_of = serializers.DateTimeField(
        allow_null=True, help_text="When client counts were last rolled up (null: counted live)."
    )
    trend = TrendPointSerializer(many=True)
    funnel = serializers.DictField(child=serializers.IntegerField())
    funnel_steps = FunnelStepSerializer(many=True)
    targets = TargetsSummarySerializer(help_text=TARGETS_HELP)


class NoticeRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField()
    name = serializers.CharField()
    area = serializers.CharField(required=False)
    people = serializers.IntegerField(required=False)
    leads = serializers.IntegerField()
    counted = serializers.IntegerField()
    due_days = serializers.IntegerField()
    met_days = serializers.IntegerField()
    missed_days = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True)
    leads_per_person = serializers.FloatField(allow_null=True, required=False)


class NoticeSerializer(serializers.Serializer):
    station = StationRefSerializer()
    area = _Named(allow_null=True)
    period = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    notes = serializers.ListField(child=serializers.CharField())
    areas = NoticeRowSerializer(many=True)
    people = NoticeRowSerializer(many=True)
    targets = TargetsSummarySerializer(help_text=TARGETS_HELP)
