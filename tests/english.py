"""What a Chinese page still says in English: the visible text (and the texts read aloud or shown on hover) of a
page, less what is meant to stay Latin (usernames, codes, e-mails, numbers, units, product names)."""

import re
from html.parser import HTMLParser

# Words that stay as they are on a Chinese page: product and format names, units, the SPIN/TQCSO method names
# the users learn in training, and the name of the other language on the language switch.
KEPT = {
    "api",
    "excel",
    "xlsx",
    "csv",
    "ics",
    "english",
    "spin",
    "tqcso",
    "cod",
    "ems",
    "sf",
    "zto",
    "yto",
    "sto",
    "jd",
    "kg",
    "km",
    "id",
    "url",
    "https",
    "http",
    "openapi",
    "swagger",
    "json",
    "token",
    "pdf",
    "jpeg",
    "png",
    "mb",
    "kb",
    "ok",
    "lantou",
    "vip",
}
HIDDEN_TAGS = {"script", "style", "template", "noscript", "code", "pre", "kbd", "samp"}
SPOKEN_ATTRS = ("title", "placeholder", "aria-label", "alt")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"(https?://|/)[\w./?=&%#:-]*")
TOKEN = re.compile(r"[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*")
DASHES = re.compile(r"^-{5,}$")
CJK_COLON = re.compile(r"[\u4e00-\u9fff）][ ]?:(\s|$)")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0
        self._skip_until: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HIDDEN_TAGS:
            self._hidden += 1
        if "lang" in attrs and attrs["lang"] not in ("zh-hans", "zh", "zh-CN") and tag not in ("html",):
            # An element in another language on purpose (the language switch names English in English).
            self._skip_until.append(tag)
        for name in SPOKEN_ATTRS:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1
        if self._skip_until and self._skip_until[-1] == tag:
            self._skip_until.pop()

    def handle_data(self, data):
        if not self._hidden and not self._skip_until and data.strip():
            self.texts.append(data.strip())


def english_left(html: str, *, allowed: set[str] = frozenset()) -> list[str]:
    """The texts of `html` that still hold English: a Latin word, Django's "---------" empty choice, or a label
    ending in an ASCII colon after Chinese."""
    parser = _Text()
    parser.feed(html)
    kept = KEPT | {a.lower() for a in allowed}
    out = []
    for text in parser.texts:
        cleaned = URL.sub(" ", EMAIL.sub(" ", text))
        words = [w for w in TOKEN.findall(cleaned) if not _kept(w, kept)]
        if words or DASHES.search(text) or CJK_COLON.search(text):
            out.append(text)
    return out


def _kept(token: str, kept: set[str]) -> bool:
    # Letters glued to digits or underscores are codes and usernames ("A01", "courier1", "p001_master"); short
    # capitals are codes and tiers ("A", "KA"); a single letter is a grade or an initial.
    if any(ch.isdigit() or ch == "_" for ch in token) or token.lower() in kept:
        return True
    return len(token) < 2 or (token.isupper() and len(token) <= 4)
