from .clients import Client, ClientCompetitorVolume, ClientContact, ClientMerge, Competitor  # noqa: F401
from .leads import Lead, LeadCompetitor  # noqa: F401
from .loop import Stage, StageChange  # noqa: F401
