"""One word, one meaning: every entry of every Chinese catalogue is what the product says in Chinese.

Django merges the catalogues of all apps (and its own) into one, keyed by message and context; when two apps
translate the same English word differently, one silently wins on every page. A word with two meanings carries
a context (`pgettext`, `{% translate "…" context "…" %}`), so each catalogue keeps its own.
"""

import gettext
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import trans_real

ROOT = Path(__file__).resolve().parent.parent
COMPILED = sorted(p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.mo") if ".venv" not in p.parts)


def _entries(mo: Path) -> dict:
    with mo.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog
    return {key: value for key, value in catalog.items() if key != "" and value}


@pytest.mark.parametrize("mo", COMPILED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_translation_of_a_catalogue_is_the_one_shown(mo):
    with translation.override("zh-hans"):
        merged = trans_real.translation("zh-hans")._catalog
        overridden = [
            (key.replace("\x04", " | ") if isinstance(key, str) else key, mine, merged[key])
            for key, mine in _entries(mo).items()
            if merged[key] != mine
        ]
    assert not overridden, "\n".join(
        f"{key!r}: here {mine!r}, shown {shown!r}" for key, mine, shown in overridden
    )
