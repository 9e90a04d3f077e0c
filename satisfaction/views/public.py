"""The survey page a customer opens from a personal link: no login, a phone screen, Chinese or English."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from config.throttling import rate_limited

from ..forms import SurveyForm
from ..models import ResponseChannel
from ..services import surveys as services

# A polite page and a status that says what happened; nothing is recorded for any of them.
LINK_STATUS = {"forged": 404, "expired": 410, "answered": 409, "closed": 410}


def _refused(request, reason: str):
    return render(request, "satisfaction/survey_closed.html", {"reason": reason}, status=LINK_STATUS[reason])


@never_cache
@rate_limited("survey")  # per address: the links are unguessable, and nobody gets to try
@csrf_protect
def survey(request, token):
    try:
        invitation = services.invitation_for_token(token, now=timezone.now())
    except services.SurveyLinkError as exc:
        return _refused(request, exc.reason)
    questionnaire = invitation.campaign.questionnaire
    form = SurveyForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(
                invitation=invitation,
                answers=form.answers(),
                now=timezone.now(),
                language=translation.get_language() or "",
                channel=ResponseChannel.LINK,
            )
        except services.SurveyLinkError as exc:
            return _refused(request, exc.reason)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return render(request, "satisfaction/survey_thanks.html", {"invitation": invitation})
    return render(
        request,
        "satisfaction/survey.html",
        {"invitation": invitation, "questionnaire": questionnaire, "form": form},
    )
