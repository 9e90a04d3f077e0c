"""Every model the audit trail records, in one place: what it is called in the trail, who may read its rows,
and which fields are left out (secrets, and columns the product rewrites on every request).

Each entry gets an event table in this app (pghistory): a row per insert, per update that changed a recorded
field, and per delete, written by a PostgreSQL trigger, so the page, the API, the admin, imports, jobs, bulk
`update()`, `bulk_create()` and raw SQL are all recorded alike. `scope` mirrors the object's own `visible_to`,
read from the event row's copy of the object's fields, so a deleted object stays findable by those who saw it.

Left out on purpose: rows that are themselves history or bookkeeping (LeadEvent, StageChange, FlagEvent,
ComplaintEvent are already who/when/why rows; DailyTally, StationDay and the dashboard totals are recomputed from
the leads; notifications, outbox messages, heartbeats and sessions carry no business fact).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, Subquery

from accounts.models import User, scope_q
from accounts.roles import HQ_ROLES

ScopeFn = Callable[[object], Q]


def _everything(user) -> Q:
    return Q(pk__isnull=False)


def _hq(user) -> Q:
    return Q(pk__isnull=False) if user.role in HQ_ROLES else Q(pk__in=[])


def _station(lookup: str = "station") -> ScopeFn:
    """Station settings and calendars: their station's people, headquarters everything (Station.visible_to)."""

    def scope(user) -> Q:
        if user.role in HQ_ROLES:
            return Q(pk__isnull=False)
        return Q(**{lookup: user.station_id})

    return scope


def _client(prefix: str = "") -> ScopeFn:
    def scope(user) -> Q:
        from pipeline.models.clients import client_scope_q

        return client_scope_q(user, prefix)

    return scope


def _people(station: str, area: str, person: str | None = None) -> ScopeFn:
    return lambda user: scope_q(user, station=station, area=area, person=person)


def _logins(user) -> Q:
    """Log-in rows name an account by its username: visible with the account."""
    if user.role in HQ_ROLES:
        return Q(pk__isnull=False)
    return Q(username__in=Subquery(User.objects.visible_to(user).values("username")))


@dataclass(frozen=True)
class Tracked:
    model: str  # app_label.Model
    object_type: str  # the name in the trail and in GET /api/v1/audit/?object_type=
    scope: ScopeFn
    exclude: tuple[str, ...] = ()
    client: str | None = None  # lookup from the event row to the client id, for the client's history page
    # Labels of the three row events, when the trail names them otherwise than create/update/delete.
    actions: dict = field(default_factory=dict)
    events: tuple[str, ...] = ("insert", "update", "delete")
    object_id: str = "id"  # the field naming the object (tokens are named by their public prefix)
    # The field naming the person a row is about (their account, logins, tokens): the person's history page
    # shows these rows, and when nobody is signed in (a login, a token asked for) that person is the actor.
    subject: str | None = None


_client_record = {"scope": _client("client__"), "client": "client_id"}

TRACKED: list[Tracked] = [
    # The organisation and its people. Passwords are recorded as an event of their own (models.py), never their
    # hashes; last_login changes on every login, which is recorded as a login.
    Tracked("accounts.Company", "company", _hq),
    Tracked("accounts.Branch", "branch", _hq),
    Tracked("accounts.Station", "station", _station("id")),
    Tracked("accounts.Area", "area", _people("station", "id")),
    Tracked(
        "accounts.User",
        "user",
        _people("station", "area", "id"),
        exclude=("password", "last_login"),
        subject="id",
    ),
    Tracked(
        "accounts.ApiToken",
        "api_token",
        _people("user__station", "user__area", "user"),
        exclude=("digest",),
        actions={"insert": "token_issued", "delete": "token_revoked"},
        object_id="token_key",
        subject="user_id",
    ),
    # Logins, page and token alike (axes writes one row per login and per failure; logging out updates the row).
    Tracked(
        "axes.AccessLog",
        "login",
        _logins,
        exclude=("session_hash", "logout_time"),
        actions={"insert": "login"},
        events=("insert",),
        subject="username",
    ),
    Tracked(
        "axes.AccessFailureLog",
        "login_failed",
        _logins,
        actions={"insert": "login_failed"},
        events=("insert",),
        subject="username",
    ),
    # Leads and clients (steps 1-2).
    Tracked("pipeline.Competitor", "competitor", _everything),
    Tracked("pipeline.ScreeningSettings", "screening_settings", _station()),
    Tracked("pipeline.Lead", "lead", _people("station", "area", "collected_by"), client="client_id"),
    Tracked(
        "pipeline.LeadContact", "lead_contact", _people("lead__station", "lead__area", "lead__collected_by")
    ),
    Tracked("pipeline.LeadPhoto", "lead_photo", _people("lead__station", "lead__area", "lead__collected_by")),
    Tracked(
        "pipeline.LeadCompetitor",
        "lead_competitor",
        _people("lead__station", "lead__area", "lead__collected_by"),
    ),
    Tracked("pipeline.ImportJob", "import", _people("created_by__station", "created_by__area", "created_by")),
    # The loop's summary on the client (furthest step, drop reason) repeats its stage changes, already history.
    Tracked(
        "pipeline.Client",
        "client",
        _client(),
        exclude=("normalized_name", "furthest_stage", "drop_reason"),
        client="id",
    ),
    Tracked("pipeline.ClientContact", "client_contact", **_client_record),
    Tracked("pipeline.ClientCompetitorVolume", "client_competitor", **_client_record),
    Tracked("pipeline.ClientMerge", "client_merge", _client("kept__"), client="kept_id"),
    # The ten-step loop's records (steps 3-10).
    Tracked("pipeline.Survey", "survey", **_client_record),
    Tracked("pipeline.NeedsAnalysis", "needs_analysis", **_client_record),
    Tracked("pipeline.Proposal", "proposal", **_client_record),
    Tracked("pipeline.QuoteLine", "quote_line", _client("proposal__client__"), client="proposal__client_id"),
    Tracked("pipeline.TrialShipment", "trial_shipment", **_client_record),
    Tracked("pipeline.Contract", "contract", **_client_record),
    Tracked("pipeline.Evaluation", "evaluation", **_client_record),
    Tracked("pipeline.Opportunity", "opportunity", **_client_record),
    Tracked("pipeline.OwnerTransfer", "owner_transfer", **_client_record),
    Tracked("pipeline.RelationshipChange", "relationship_change", **_client_record),
    Tracked("pipeline.Regression", "regression", **_client_record),
    Tracked("visits.VisitPlan", "visit_plan", **_client_record),
    Tracked("visits.VisitRecord", "visit_record", **_client_record),
    Tracked("visits.VisitPhoto", "visit_photo", _client("record__client__"), client="record__client_id"),
    # The daily quota.
    Tracked("quota.QuotaSettings", "quota_settings", _station()),
    Tracked("quota.CalendarDay", "calendar_day", _station()),
    Tracked("quota.Leave", "leave", _people("person__station", "person__area", "person")),
    Tracked("quota.QuotaFlag", "flag", _people("station", "area", "person")),
    # Satisfaction.
    Tracked("satisfaction.Questionnaire", "questionnaire", _station()),
    Tracked("satisfaction.Question", "question", _station("questionnaire__station")),
    Tracked("satisfaction.Campaign", "campaign", _station()),
    Tracked("satisfaction.Invitation", "survey_invitation", exclude=("token",), **_client_record),
    Tracked("satisfaction.SurveyResponse", "survey_response", **_client_record),
    Tracked("satisfaction.Complaint", "complaint", **_client_record),
    Tracked("satisfaction.Indicator", "indicator", _everything),
    Tracked("satisfaction.IndicatorReading", "indicator_reading", **_client_record),
    Tracked("satisfaction.FollowUpTask", "follow_up_task", **_client_record),
    # Work.
    Tracked("agenda.Task", "task", _people("station", "area", "assignee"), client="client_id"),
    Tracked("agenda.TaskSettings", "task_settings", _station()),
    Tracked(
        "agenda.CalendarFeed",
        "calendar_feed",
        _people("user__station", "user__area", "user"),
        exclude=("digest",),
    ),
    Tracked("targets.Target", "target", _people("station", "area", "person")),
    # Integrations: who made, changed and revoked a key or a subscription (never the secrets; not each use).
    Tracked("integrations.IntegrationKey", "integration_key", _hq, exclude=("digest", "last_used_at")),
    Tracked("integrations.Webhook", "webhook", _hq, exclude=("secret", "failing_since")),
]

BY_MODEL = {t.model: t for t in TRACKED}
BY_OBJECT_TYPE = {t.object_type: t for t in TRACKED}
assert len(BY_OBJECT_TYPE) == len(TRACKED), "object types must be unique"

# The password of a person is recorded as an event of its own, without its hash (models.py).
PASSWORD_OBJECT_TYPE = "user"
PASSWORD_CHANGED = "password_changed"

ROW_ACTIONS = {"insert": "create", "update": "update", "delete": "delete"}


def action_for(tracked: Tracked, label: str) -> str:
    return tracked.actions.get(label) or ROW_ACTIONS.get(label, label)
