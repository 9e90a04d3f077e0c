from .complaints import (  # noqa: F401
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    EscalationLevel,
    EventKind,
    Severity,
)
from .followups import FollowUpTask  # noqa: F401
from .indicators import Direction, Indicator, IndicatorReading, IndicatorWarning, ReadingSource  # noqa: F401
from .surveys import (  # noqa: F401
    Answer,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Dimension,
    Invitation,
    Question,
    QuestionKind,
    Questionnaire,
    QuestionnaireStatus,
    ResponseChannel,
    Schedule,
    Score,
    SurveyResponse,
)
