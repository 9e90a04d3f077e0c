"""`{% kanban_card card %}`: one card of the kanban, drawn in Python (a full board has 275 cards; drawn by the
template engine, their 17 lookups each were most of the page's time)."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def kanban_card(card, revenue_title: str, per_month: str, move_to: str) -> str:
    """The card of `card` (pipeline.views.loop.Card): its link, expected revenue, owner, tier and days in the
    step, and the "Move to" menu kanban.js fills."""
    tier = f" · {card.tier}" if card.tier else ""
    return format_html(
        '<li class="kanban-card" draggable="true" data-id="{pk}" data-stage="{stage}" data-reopen="{reopen}" '
        'data-revenue="{whole}">\n'
        '        <a href="{url}" draggable="false">{name}</a>\n'
        '        <span class="kanban-revenue" title="{revenue_title}">{revenue}{per_month}</span>\n'
        '        <small class="muted">{owner}{tier} · {age}</small>\n'
        '        <label class="sr-only" for="move-{pk}">{move_to}</label>\n'
        '        <select class="move-select" id="move-{pk}"></select>\n'
        "      </li>",
        pk=card.pk,
        stage=card.stage,
        reopen=card.left_from or "",
        whole=card.revenue_whole,
        url=card.url,
        name=card.name,
        revenue_title=revenue_title,
        revenue=card.revenue_text,
        per_month=per_month,
        owner=card.owner or "—",
        tier=tier,
        age=card.age,
        move_to=move_to,
    )
