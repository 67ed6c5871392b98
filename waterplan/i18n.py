"""The language of what waterplan says: Simplified Chinese or English, from message catalogues.

The language is, in this order: the one set with :func:`set_language` (the command line's
``--lang``), the ``WATERPLAN_LANG`` environment variable, or the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``: ``zh…`` is Chinese); English otherwise. Texts are translated with
:func:`gettext` from the catalogue ``waterplan/locale/zh_CN/LC_MESSAGES/waterplan.po`` (compiled to
``.mo`` by ``tools/make_catalog.py``, which also collects the command line's help texts into it).

>>> _ = set_language("en"); gettext("Log each step.")
'Log each step.'
>>> _ = set_language("zh"); gettext("Log each step.")
'逐步记录运行过程。'
>>> _ = set_language(None)
"""

from __future__ import annotations

import gettext as _gettext
import os
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES", "LOCALE_DIR", "N_", "gettext", "language", "set_language", "tr"]

LANGUAGES = ("zh", "en")
LOCALE_DIR = Path(__file__).parent / "locale"
_chosen: dict[str, str | None] = {"lang": None}


def set_language(lang: str | None) -> str | None:
    """Speak ``lang`` ("zh" or "en"; None: back to the environment and the locale); returns the
    setting it replaces (to set it back)."""
    before, _chosen["lang"] = _chosen["lang"], _normal(lang) if lang else None
    return before


def _normal(lang: str) -> str:
    return "zh" if lang.lower().replace("-", "_").startswith("zh") else "en"


def language() -> str:
    """ "zh" or "en": set, else ``WATERPLAN_LANG``, else the locale."""
    if _chosen["lang"]:
        return _chosen["lang"]
    for var in ("WATERPLAN_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return _normal(value)
    return "en"


@lru_cache(maxsize=2)
def _catalogue(lang: str) -> _gettext.NullTranslations:
    if lang != "zh":
        return _gettext.NullTranslations()
    return _gettext.translation("waterplan", LOCALE_DIR, languages=["zh_CN"], fallback=True)


def gettext(message: str) -> str:
    """``message`` in the current language (itself where the catalogue has no translation)."""
    return _catalogue(language()).gettext(message) if message else message


def tr(template: str, *args: object, **kwargs: object) -> str:
    """``template`` translated, then filled in with :meth:`str.format` (the names and numbers the
    user wrote stay as they are). Every ``tr("…")`` in waterplan's code is a text of the catalogue.

    >>> _ = set_language("zh"); tr("a number"); _ = set_language(None)
    '一个数'
    """
    text = gettext(template)
    return text.format(*args, **kwargs) if args or kwargs else text


def N_(template: str) -> str:
    """``template`` itself, marked as a text of the catalogue (translated later, where it is said, with
    ``tr(template)``): for texts kept in tables at import, before a language is chosen."""
    return template
