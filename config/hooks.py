"""Places where one app shows what another records.

Each app registers its part in its own ``panels.py`` or ``timeline.py``; the accounts app imports those modules at
start-up (as the admin finds ``admin.py``), so a module that fails to import stops start-up instead of silently
dropping a feature, and no app names the apps above it.
"""

from collections.abc import Callable, Iterator

from django.utils.module_loading import autodiscover_modules


class Hook:
    def __init__(self, purpose: str):
        self.purpose = purpose
        self._entries: dict[str, tuple[int, Callable]] = {}

    def register(self, *, order: int) -> Callable[[Callable], Callable]:
        """Add the decorated callable; ``order`` places it among the others (lower first)."""

        def add(func: Callable) -> Callable:
            self._entries[f"{func.__module__}.{func.__qualname__}"] = (order, func)
            return func

        return add

    def __iter__(self) -> Iterator[Callable]:
        return (func for _, func in sorted(self._entries.values(), key=lambda entry: entry[0]))

    def __repr__(self) -> str:
        return f"<Hook {self.purpose}: {len(self._entries)} registered>"


home_panels = Hook("home page panels: (request) -> HTML or None")
client_panels = Hook("client page panels: (request, client) -> HTML or ''")
timeline_sources = Hook("client timeline sources: (client) -> list[TimelineEntry]")


def autodiscover() -> None:
    autodiscover_modules("panels", "timeline")
