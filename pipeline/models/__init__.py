from .clients import (  # noqa: F401
    Client,
    ClientCompetitorVolume,
    ClientContact,
    ClientMerge,
    Competitor,
    ScreeningSettings,
)
from .imports import ImportJob  # noqa: F401
from .leads import Lead, LeadCompetitor, LeadContact, LeadEvent, LeadPhoto  # noqa: F401
from .loop import (  # noqa: F401
    Contract,
    Evaluation,
    LoopTally,
    NeedsAnalysis,
    Opportunity,
    OwnerTransfer,
    Proposal,
    QuoteLine,
    Regression,
    RelationshipChange,
    Stage,
    StageChange,
    StepTotal,
    Survey,
    TrialShipment,
)
