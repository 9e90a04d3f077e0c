"""The pipeline's enumerations: what its models store and what other apps filter and show by.

The model modules import them from here and still export them under their old names."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The ten steps of the loop and a client's way out of it.


class Stage(models.TextChoices):
    COLLECT = "collect", _("Collect")
    SCREEN = "screen", _("Screen")
    SURVEY = "survey", _("Survey")
    NEEDS = "needs", _("Needs analysis")
    PROPOSAL = "proposal", _("Proposal")
    VISIT = "visit", _("Visit and negotiation")
    TRIAL_SHIPMENT = "trial_shipment", _("Trial shipment")
    CONTRACT = "contract", _("Contract")
    FOLLOW_UP = "follow_up", _("Follow-up")
    ARCHIVE = "archive", _("Archive")
    DROPPED = "dropped", _("Dropped")


LOOP = [s for s in Stage if s != Stage.DROPPED]  # the ten steps, in order


class DropReason(models.TextChoices):
    LOST_PRICE = "lost_price", _("Lost to a competitor on price")
    LOST_SERVICE = "lost_service", _("Lost on service")
    TOO_SMALL = "too_small", _("Too small")
    UNREACHABLE = "unreachable", _("Unreachable")
    OTHER = "other", _("Other")


# Client records.


class Source(models.TextChoices):
    COURIER_ROUTE = "courier_route", _("Courier route")
    HOTLINE_11183 = "hotline_11183", _("11183 hotline")
    REFERRAL = "referral", _("Referral by a customer")
    EXHIBITION = "exhibition", _("Exhibition")
    WEB = "web", _("Web / news")
    COMPETITOR = "competitor", _("Competitor")
    MARKET_SURVEY = "market_survey", _("Market survey")
    OTHER = "other", _("Other")


class CompanyType(models.TextChoices):
    MATURE = "mature", _("Mature enterprise")
    STARTUP = "startup", _("Startup")
    GOVERNMENT = "government", _("Government / public body")
    PRIVATE = "private", _("Private business")
    SHOP = "shop", _("Individual shop")
    ECOMMERCE = "ecommerce", _("E-commerce seller")
    OTHER = "other", _("Other")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class RelationshipStage(models.TextChoices):
    INCUBATION = "incubation", _("Incubation")
    INITIAL = "initial", _("Initial cooperation")
    STABLE = "stable", _("Stable cooperation")
    STRATEGIC = "strategic", _("Strategic cooperation")


class Difficulty(models.IntegerChoices):
    VERY_EASY = 1, _("Very easy")
    EASY = 2, _("Easy")
    MEDIUM = 3, _("Medium")
    HARD = 4, _("Hard")
    VERY_HARD = 5, _("Very hard")


class ContactRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", _("Key decision maker")
    INSIDER = "insider", _("Insider")
    PURCHASING = "purchasing", _("Purchasing")
    OTHER = "other", _("Other")


# Leads and their review.


class LeadStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for completion")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (LeadStatus.SUBMITTED, LeadStatus.RETURNED)


class RejectReason(models.TextChoices):
    DUPLICATE = "duplicate", _("Duplicate")
    FAKE = "fake", _("Fake")
    OUT_OF_AREA = "out_of_area", _("Out of area")
    OTHER = "other", _("Other")


class LeadAction(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    EDITED = "edited", _("Completed")
    RETURNED = "returned", _("Returned to the collector")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


# Records of steps 5-10.


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to the customer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class SettlementMode(models.TextChoices):
    MONTHLY = "monthly", _("Monthly statement")
    PREPAID = "prepaid", _("Prepaid account")
    PER_SHIPMENT = "per_shipment", _("Cash per shipment")
    CENTRAL = "central", _("Central settlement (national account)")


class OpportunityKind(models.TextChoices):
    PRODUCTS = "products", _("More products")
    BRANCHES = "branches", _("More branches of the customer")
    ROUTES = "routes", _("More routes")
    OTHER = "other", _("Other")


class OpportunityStatus(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class RegressionKind(models.TextChoices):
    REGRESSION = "regression", _("Regression")
    INTERRUPTION = "interruption", _("Interruption")


class RegressionCause(models.TextChoices):
    COMPETITOR_PRICE = "competitor_price", _("Competitor's price")
    COMPETITOR_SERVICE = "competitor_service", _("Competitor's service")
    OUR_SERVICE = "our_service", _("Our service fell short")
    COMPLAINT_UNHANDLED = "complaint_unhandled", _("Complaint not handled")
    CUSTOMER_BUSINESS = "customer_business", _("Customer's business changed")
    POLICY = "policy", _("Policy or force majeure")
    OTHER = "other", _("Other")


# Spreadsheet imports.


class ImportKind(models.TextChoices):
    LEADS = "leads", _("Leads")
    CLIENTS = "clients", _("Clients")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Waiting for the column mapping")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
