from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required
from accounts.roles import SATISFACTION_VIEWERS, SURVEY_APPROVERS, SURVEY_MANAGERS
from config.web import put_errors

from .. import selectors
from ..forms import ApproveForm, CampaignForm, PilotForm, QuestionFormSet, QuestionnaireForm
from ..models import Campaign, CampaignKind, CampaignStatus, QuestionnaireStatus, SurveyResponse
from ..models import Questionnaire as Q_
from ..permissions import may_change_survey
from ..services import surveys as services

CAMPAIGNS_PER_PAGE = 25
LINKS_PER_PAGE = 50


def _pending(request) -> bool:
    return request.GET.get("pending") == "1"


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@role_required(*SURVEY_MANAGERS)
def questionnaire_list(request):
    now, pending = timezone.now(), _pending(request)
    campaigns = selectors.visible_campaigns(request.user, now=now, pending=pending)
    page = Paginator(campaigns, CAMPAIGNS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_figures(request.user, page.object_list, now=now)
    return render(
        request,
        "satisfaction/questionnaire_list.html",
        {
            "questionnaires": selectors.questionnaires_with_figures(request.user).order_by(
                "status", "-created_at"
            ),
            "page": page,
            "pending": pending,
            "query": _query_without_page(request),
        },
    )


def _questions_initial(questionnaire):
    return [
        {
            "text": q.text,
            "text_en": q.text_en,
            "kind": q.kind,
            "dimension": q.dimension,
            "required": q.required,
        }
        for q in questionnaire.questions.all()
    ]


@role_required(*SURVEY_MANAGERS)
def questionnaire_edit(request, pk=None):
    questionnaire = get_object_or_404(Q_.objects.visible_to(request.user), pk=pk) if pk else None
    if questionnaire is not None and not may_change_survey(request.user, questionnaire):
        raise PermissionDenied
    if questionnaire is not None and not questionnaire.is_editable:
        messages.error(
            request, _("Only a draft can be changed; make a new version of this questionnaire instead.")
        )
        return redirect("satisfaction:questionnaire_detail", questionnaire.pk)
    initial = (
        {k: getattr(questionnaire, k) for k in ("title", "title_en", "intro", "intro_en")}
        if questionnaire
        else None
    )
    form = QuestionnaireForm(request.POST or None, user=request.user, initial=initial)
    formset = QuestionFormSet(
        request.POST or None, prefix="q", initial=_questions_initial(questionnaire) if questionnaire else None
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        questions = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("text")]
        data = dict(form.cleaned_data)
        try:
            if questionnaire is None:
                questionnaire = services.questionnaire_create(by=request.user, questions=questions, **data)
            else:
                data.pop("station", None)
                services.questionnaire_update(
                    by=request.user, questionnaire=questionnaire, questions=questions, **data
                )
        except ValidationError as exc:
            put_errors(form, exc)
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Saved."))
            return redirect("satisfaction:questionnaire_detail", questionnaire.pk)
    return render(
        request,
        "satisfaction/questionnaire_form.html",
        {"form": form, "formset": formset, "questionnaire": questionnaire},
    )


@role_required(*SURVEY_MANAGERS)
def questionnaire_detail(request, pk):
    user = request.user
    questionnaire = get_object_or_404(
        Q_.objects.visible_to(user).select_related("station", "approved_by", "created_by", "previous"),
        pk=pk,
    )
    may_change = may_change_survey(user, questionnaire)
    now = timezone.now()
    campaigns = selectors.visible_campaigns(user, now=now).filter(questionnaire=questionnaire)
    return render(
        request,
        "satisfaction/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": questionnaire.questions.all(),
            "pilot_responses": selectors.pilot_responses(user, questionnaire),
            "pilot_campaigns": selectors.with_figures(
                user, campaigns.filter(kind=CampaignKind.PILOT), now=now
            ),
            "campaigns": campaigns.filter(kind=CampaignKind.SEGMENT),
            "next_version": Q_.objects.visible_to(user).filter(previous=questionnaire).first(),
            "may_change": may_change,
            "pilot_form": PilotForm(user=user)
            if may_change and questionnaire.status == QuestionnaireStatus.DRAFT
            else None,
            "approve_form": ApproveForm()
            if may_change
            and questionnaire.status == QuestionnaireStatus.PILOTING
            and user.role in SURVEY_APPROVERS
            else None,
        },
    )


def _questionnaire_action(request, pk, run, success):
    questionnaire = get_object_or_404(Q_.objects.visible_to(request.user), pk=pk)
    try:
        result = run(questionnaire)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("satisfaction:questionnaire_detail", questionnaire.pk)
    messages.success(request, success)
    target = result if isinstance(result, Q_) else questionnaire
    return redirect("satisfaction:questionnaire_detail", target.pk)


@require_POST
@role_required(*SURVEY_MANAGERS)
def questionnaire_pilot(request, pk):
    form = PilotForm(request.POST, user=request.user)

    def run(questionnaire):
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        return services.pilot_start(
            by=request.user,
            questionnaire=questionnaire,
            clients=list(form.cleaned_data["clients"]),
            now=timezone.now(),
        )

    return _questionnaire_action(
        request, pk, run, _("The pilot has started: the chosen customers' contacts have their links.")
    )


@require_POST
@role_required(*SURVEY_APPROVERS)
def questionnaire_approve(request, pk):
    form = ApproveForm(request.POST)

    def run(questionnaire):
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        return services.questionnaire_approve(
            by=request.user,
            questionnaire=questionnaire,
            review=form.cleaned_data["review"],
            now=timezone.now(),
        )

    return _questionnaire_action(
        request, pk, run, _("Approved: the questionnaire can now be sent to segments.")
    )


@require_POST
@role_required(*SURVEY_MANAGERS)
def questionnaire_new_version(request, pk):
    return _questionnaire_action(
        request,
        pk,
        lambda q: services.questionnaire_new_version(by=request.user, questionnaire=q),
        _("A new draft version was made; pilot it before sending it."),
    )


@require_POST
@role_required(*SURVEY_MANAGERS)
def questionnaire_retire(request, pk):
    return _questionnaire_action(
        request,
        pk,
        lambda q: services.questionnaire_retire(by=request.user, questionnaire=q),
        _("Retired: its campaigns have stopped."),
    )


@role_required(*SURVEY_MANAGERS)
def campaign_new(request):
    initial = {"start_on": timezone.localdate()}
    if request.GET.get("questionnaire", "").isdecimal():
        initial["questionnaire"] = request.GET["questionnaire"]
    form = CampaignForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                by=request.user, today=timezone.localdate(), **form.cleaned_data
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            if campaign.next_run_on == timezone.localdate():
                services.campaign_run(campaign=campaign, now=timezone.now())
            messages.success(request, _("Campaign saved."))
            return redirect("satisfaction:campaign_detail", campaign.pk)
    return render(request, "satisfaction/campaign_form.html", {"form": form})


@role_required(*SURVEY_MANAGERS)
def campaign_detail(request, pk):
    now = timezone.now()
    campaign = get_object_or_404(selectors.visible_campaigns(request.user, now=now), pk=pk)
    selectors.with_figures(request.user, [campaign], now=now)
    pending = _pending(request)
    links = selectors.campaign_links(request.user, campaign, now=now, pending=pending)
    page = Paginator(links, LINKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "satisfaction/campaign_detail.html",
        {
            "campaign": campaign,
            "page": page,
            "rows": [{"invitation": i, "link": services.invitation_link(i, request=request)} for i in page],
            "expired": campaign.invitation_count - campaign.response_count - campaign.waiting_count,
            "pending": pending,
            "query": _query_without_page(request),
            "may_change": may_change_survey(request.user, campaign),
            "recipients": selectors.campaign_recipients(request.user, campaign)
            if campaign.status != CampaignStatus.FINISHED
            else None,
            "now": now,
        },
    )


@require_POST
@role_required(*SURVEY_MANAGERS)
def campaign_action(request, pk, action):
    campaign = get_object_or_404(Campaign.objects.visible_to(request.user), pk=pk)
    try:
        if action == "send":
            sent = services.campaign_send_now(by=request.user, campaign=campaign, now=timezone.now())
            messages.success(request, _("%(n)s personal links are out.") % {"n": len(sent)})
        elif action in ("pause", "resume"):
            services.campaign_set_paused(by=request.user, campaign=campaign, paused=action == "pause")
            messages.success(request, _("Saved."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("satisfaction:campaign_detail", campaign.pk)


@role_required(*SATISFACTION_VIEWERS)
def response_detail(request, pk):
    response = get_object_or_404(
        SurveyResponse.objects.visible_to(request.user).select_related(
            "client", "invitation", "questionnaire", "campaign"
        ),
        pk=pk,
    )
    return render(
        request,
        "satisfaction/response_detail.html",
        {"response": response, "answers": response.answers.select_related("question")},
    )
