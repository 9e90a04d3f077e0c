from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import role_required

from ..forms import ApproveForm, CampaignForm, PilotForm, QuestionFormSet, QuestionnaireForm
from ..models import Campaign, CampaignStatus, QuestionnaireStatus, SurveyResponse
from ..models import Questionnaire as Q_
from ..permissions import SATISFACTION_VIEWERS, SURVEY_APPROVERS, SURVEY_MANAGERS
from ..services import surveys as services
from .common import add_errors


@role_required(*SURVEY_MANAGERS)
def questionnaire_list(request):
    questionnaires = (
        Q_.objects.visible_to(request.user)
        .select_related("station")
        .annotate(
            question_count=Count("questions", distinct=True),
            pilot_response_count=Count("responses", filter=Q(responses__is_pilot=True), distinct=True),
        )
        .order_by("status", "-created_at")
    )
    campaigns = (
        Campaign.objects.visible_to(request.user)
        .select_related("questionnaire", "station")
        .annotate(
            invitation_count=Count("invitations", distinct=True),
            response_count=Count("responses", distinct=True),
        )
        .order_by("-created_at")[:50]
    )
    return render(
        request,
        "satisfaction/questionnaire_list.html",
        {"questionnaires": questionnaires, "campaigns": campaigns},
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
            add_errors(form, exc)
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
    questionnaire = get_object_or_404(
        Q_.objects.visible_to(request.user).select_related(
            "station", "approved_by", "created_by", "previous"
        ),
        pk=pk,
    )
    return render(
        request,
        "satisfaction/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "questions": questionnaire.questions.all(),
            "pilot_responses": services.pilot_responses(questionnaire),
            "pilot_campaigns": questionnaire.campaigns.filter(kind="pilot").annotate(
                invitation_count=Count("invitations", distinct=True),
                response_count=Count("responses", distinct=True),
            ),
            "campaigns": questionnaire.campaigns.filter(kind="segment"),
            "next_version": Q_.objects.filter(previous=questionnaire).first(),
            "pilot_form": PilotForm(user=request.user)
            if questionnaire.status == QuestionnaireStatus.DRAFT
            else None,
            "approve_form": ApproveForm()
            if questionnaire.status == QuestionnaireStatus.PILOTING and request.user.role in SURVEY_APPROVERS
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
            add_errors(form, exc)
        else:
            if campaign.next_run_on == timezone.localdate():
                services.campaign_run(campaign=campaign, now=timezone.now())
            messages.success(request, _("Campaign saved."))
            return redirect("satisfaction:campaign_detail", campaign.pk)
    return render(request, "satisfaction/campaign_form.html", {"form": form})


@role_required(*SURVEY_MANAGERS)
def campaign_detail(request, pk):
    campaign = get_object_or_404(
        Campaign.objects.visible_to(request.user).select_related("questionnaire", "station", "area"), pk=pk
    )
    invitations = (
        campaign.invitations.select_related("client")
        .annotate(answered=Exists(SurveyResponse.objects.filter(invitation=OuterRef("pk"))))
        .order_by("-round_on", "client__name", "pk")
    )
    rows = [{"invitation": i, "link": services.invitation_link(i)} for i in invitations[:500]]
    answered = sum(1 for row in rows if row["invitation"].answered)
    return render(
        request,
        "satisfaction/campaign_detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "answered": answered,
            "recipients": services.campaign_contacts(campaign).count()
            if campaign.status != CampaignStatus.FINISHED
            else None,
            "now": timezone.now(),
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
