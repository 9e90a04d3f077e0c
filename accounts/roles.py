"""Who may do what: every role set in one place.

Visibility (which rows a person sees) is `visible_to` beside each model; these sets say who may *act*, and the
services, the pages, the API permissions and the menu all import them from here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COURIER = "courier", _("Courier")
    AREA_MARKETER = "area_marketer", _("Area marketer")
    AREA_MANAGER = "area_manager", _("Area manager")
    STATION_MASTER = "station_master", _("Station master")
    KEY_ACCOUNT_MANAGER = "key_account_manager", _("Key-account manager")
    EXECUTIVE = "executive", _("Executive")
    ADMIN = "admin", _("Administrator")


R = Role
EVERYONE = frozenset(Role)

# --- Scope: where a person's view of the data is bounded -----------------------------------------------------
# Headquarters see the whole network.
HQ_ROLES = frozenset({R.EXECUTIVE, R.ADMIN})
# People who belong to an area (and see only it, or only their own leads for couriers).
AREA_ROLES = frozenset({R.COURIER, R.AREA_MARKETER, R.AREA_MANAGER})

# --- The organisation -------------------------------------------------------------------------------------------
# Manage people and areas: a station master for their station, an administrator for all.
ORG_MANAGERS = frozenset({R.STATION_MASTER, R.ADMIN})

# --- Leads (steps 1 and 2) ------------------------------------------------------------------------------------------
# Submit leads; executives only read.
LEAD_COLLECTORS = frozenset(
    {R.COURIER, R.AREA_MARKETER, R.AREA_MANAGER, R.KEY_ACCOUNT_MANAGER, R.STATION_MASTER, R.ADMIN}
)
# Review leads: accept, return, reject.
REVIEWERS = frozenset({R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.ADMIN})
# Send `collected_at` and `collected_by` (history import; an integration uses one of these accounts).
HISTORY_IMPORTERS = frozenset({R.STATION_MASTER, R.ADMIN})

# --- Clients and the loop (steps 3-10) ----------------------------------------------------------------------------
# Screen and edit client records; couriers and executives only read them.
CLIENT_EDITORS = frozenset(
    {R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.KEY_ACCOUNT_MANAGER, R.ADMIN}
)
# Upload spreadsheets: leads for collectors, client records for editors.
IMPORTERS = LEAD_COLLECTORS | CLIENT_EDITORS
# Edit the competitors list: one for the whole network, kept by headquarters; stations record volumes against it.
COMPETITOR_EDITORS = HQ_ROLES
# Set a station's average parcel price for screening.
PRICE_EDITORS = frozenset({R.STATION_MASTER, R.ADMIN})
# Move clients along the loop and write the records of steps 3-10. Couriers collect; they do not drive the loop.
LOOP_ROLES = frozenset(
    {R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.KEY_ACCOUNT_MANAGER, R.EXECUTIVE, R.ADMIN}
)
# Hand a client to another owner: the managers above the owner (and the owner themself, checked per client).
OWNER_MANAGERS = frozenset({R.AREA_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Own a client.
OWNER_ROLES = frozenset(
    {R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.KEY_ACCOUNT_MANAGER, R.EXECUTIVE}
)

# --- The daily lead quota ------------------------------------------------------------------------------------------
# Must collect at least one lead per working day (DOMAIN.md, daily lead quota).
QUOTA_ROLES = frozenset({R.COURIER, R.AREA_MARKETER})
# Watch the quota of others: flags, the notice, the calendar.
QUOTA_MANAGERS = frozenset({R.AREA_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Investigate a miss flag.
FLAG_INVESTIGATORS = frozenset({R.AREA_MANAGER, R.STATION_MASTER, R.ADMIN})
# Decide a flag's assessment.
ASSESSORS = frozenset({R.STATION_MASTER, R.ADMIN})
# Keep a station's working calendar.
CALENDAR_KEEPERS = frozenset({R.STATION_MASTER, R.ADMIN})
# Record leave.
LEAVE_KEEPERS = frozenset({R.AREA_MANAGER, R.STATION_MASTER, R.ADMIN})

# --- Work: my day, tasks, targets -----------------------------------------------------------------------------------
# Whose home page is their day: the people working through leads and clients every day.
MY_DAY_ROLES = frozenset({R.KEY_ACCOUNT_MANAGER, R.AREA_MARKETER})
# Keep a station's task rules and intervals.
TASK_RULE_KEEPERS = frozenset({R.STATION_MASTER, R.ADMIN})
# Set monthly targets: a station master for the people and areas of their station, headquarters for any.
TARGET_SETTERS = frozenset({R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Read scorecards: those who set targets or answer for an area, and those who are held to one.
SCORECARD_READERS = TARGET_SETTERS | {R.AREA_MANAGER, R.KEY_ACCOUNT_MANAGER, R.AREA_MARKETER}

# --- The dashboard ----------------------------------------------------------------------------------------------------
# Couriers, area marketers and key-account managers work from their own lists; the monitoring dashboard is for the
# people who answer for an area, a station or the network.
DASHBOARD_ROLES = frozenset({R.AREA_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})

# --- Satisfaction ---------------------------------------------------------------------------------------------------
# Design questionnaires, pilot them and run campaigns; area roles see results through their clients only.
SURVEY_MANAGERS = frozenset({R.KEY_ACCOUNT_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Approve a piloted questionnaire: someone above the person who wrote it.
SURVEY_APPROVERS = frozenset({R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Record and handle complaints: everyone who deals with customers' accounts (couriers pass them on).
COMPLAINT_ROLES = frozenset(
    {R.AREA_MARKETER, R.AREA_MANAGER, R.STATION_MASTER, R.KEY_ACCOUNT_MANAGER, R.EXECUTIVE, R.ADMIN}
)
# See the satisfaction pages (results, client page, health, indicators).
SATISFACTION_VIEWERS = COMPLAINT_ROLES
# Post service-quality readings (integrations use an account of one of these roles).
INDICATOR_WRITERS = frozenset({R.KEY_ACCOUNT_MANAGER, R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Change indicator definitions and thresholds.
INDICATOR_ADMINS = frozenset({R.ADMIN})

# --- The audit trail ----------------------------------------------------------------------------------------------
# Read the trail (the API and a client's history), scoped like the objects; couriers do not.
AUDIT_READERS = EVERYONE - {R.COURIER}
# Read a person's history (what they did, what happened to their account): their station master, headquarters.
PERSON_HISTORY_READERS = frozenset({R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})

# --- Volumes (the waybill system's monthly feed) ----------------------------------------------------------------
# Push monthly volumes: headquarters for any client, a station master for their station's clients (an integration
# uses an account or key of one of these). Every row is checked against the writer's scope.
VOLUME_WRITERS = frozenset({R.STATION_MASTER, R.EXECUTIVE, R.ADMIN})
# Read volumes and revenue: everybody who sees the client, except couriers.
VOLUME_READERS = EVERYONE - {R.COURIER}

# --- Integrations ------------------------------------------------------------------------------------------------
# Create and revoke integration keys, subscribe webhooks: headquarters (a key with `webhooks:manage` manages its own
# subscriptions through the API).
INTEGRATION_MANAGERS = HQ_ROLES
