"""Paging that never counts a whole scope: the one way every list page and every API list is cut into pages.

Counting every lead of the network (3 million) to draw "page 1 of 118,000" cost more than reading the page. A page
is read with one row more, which says whether another follows; the count is exact when the list ends on this page
or holds at most COUNT_LIMIT rows (counted up to COUNT_LIMIT + 1), and None beyond that ("more than 1,000"). The
API's pagination (config.api.BoundedPagination) and the pages (`page_of`) both call `read_bounded`.
"""

import base64
import binascii
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

COUNT_LIMIT = 1000
MAX_PAGE = 10_000_000
PAGE_SIZE = 50

# read_page(queryset, offset=, size=, limit=) -> (rows, how many rows the list has up to `limit`, or None)
ReadPage = Callable[..., tuple[list, int | None]]


@dataclass
class BoundedPage:
    """A page as templates use Django's `Page`: object_list, number, has_next/has_previous and their numbers; and
    `count`, None when more than `limit` rows match."""

    object_list: list
    number: int
    size: int
    has_next_page: bool
    count: int | None
    limit: int = COUNT_LIMIT

    def has_next(self) -> bool:
        return self.has_next_page

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next_page or self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        return None if self.count is None else max(1, -(-self.count // self.size))

    @property
    def paginator(self):
        return self  # templates written for Django's Page read page.paginator.count

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def parse_page_number(raw: str | None) -> int | None:
    """The page asked for; None for "last"; raises Http404 for anything that is no page."""
    raw = raw or "1"
    if raw == "last":
        return None
    try:
        number = int(raw)
    except ValueError:
        number = 0
    # A page past any real list (or one whose offset overflows the database's integers) is not found.
    if number < 1 or number > MAX_PAGE:
        raise Http404("No such page.")
    return number


def read_bounded(
    queryset, *, number: int | None, size: int, read_page: ReadPage | None = None, limit: int | None = None
) -> BoundedPage:
    """Page `number` (None: the last) of `queryset`, `size` rows, with a count bounded at `limit`.

    `read_page` may read the rows lighter than the queryset does (dicts instead of instances) and tell, from the
    same query, how many rows the list has up to its `limit` argument; without it the rows come from the queryset
    and a bounded count follows when it is needed.
    """
    limit = COUNT_LIMIT if limit is None else limit
    counted = len if isinstance(queryset, list | tuple) else lambda qs: qs.count()
    if number is None:  # "last": only here is a whole list counted, as asked
        number = max(1, -(-counted(queryset) // size))
    offset = (number - 1) * size
    scan = max(limit + 1, offset + size + 1)
    if read_page is not None:
        rows, seen = read_page(queryset, offset=offset, size=size + 1, limit=scan)
    else:
        rows, seen = list(queryset[offset : offset + size + 1]), None
    if not rows and number > 1:
        raise Http404("No such page.")
    has_next = len(rows) > size
    rows = rows[:size]
    if not has_next:  # this page ends the list: its rows say how many there are
        count = offset + len(rows)
    elif offset + size >= limit:  # deep in a long list: no number
        count = None
    else:
        if seen is None:
            seen = counted(
                queryset if isinstance(queryset, list | tuple) else queryset.order_by()[: limit + 1]
            )
        count = seen if seen <= limit else None
    return BoundedPage(rows, number, size, has_next, count, limit)


def page_of(request, queryset, size: int | None = None, read_page: ReadPage | None = None) -> BoundedPage:
    """The page of a list page's `?page=`; an unknown page number shows the first page rather than an error."""
    size = size or PAGE_SIZE
    try:
        number = parse_page_number(request.GET.get("page"))
    except Http404:
        number = 1
    try:
        return read_bounded(queryset, number=number, size=size, read_page=read_page)
    except Http404:
        return read_bounded(queryset, number=1, size=size, read_page=read_page)


def cursor_encode(at: datetime.datetime, pk: int) -> str:
    """An opaque position in a list of changes ordered by (time of change, id)."""
    return base64.urlsafe_b64encode(json.dumps([at.isoformat(), pk]).encode()).decode().rstrip("=")


def cursor_decode(text: str) -> tuple[datetime.datetime, int] | None:
    """The position `cursor_encode` wrote, or None for anything else."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        at, pk = datetime.datetime.fromisoformat(raw[0]), raw[1]
    except (ValueError, TypeError, KeyError, IndexError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(pk, int) or isinstance(pk, bool) or at.tzinfo is None:
        return None
    return at, pk
