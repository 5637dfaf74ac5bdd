"""Languages: which one a request gets, and the region names that Babel extracts from botocore."""
from __future__ import annotations

from typing import Any, Iterator

from flask import Flask, g, request, session
from flask_babel import get_translations
from flask_babel.speaklater import LazyString

LANGUAGES = {"en": "English", "fr": "Français"}


def translations():
    """This request's catalogue. Flask-Babel looks it up again for every string (about 20 µs each, a
    page has dozens); the locale cannot change within a request, so one lookup per request is enough."""
    try:
        return g._wizard_translations
    except AttributeError:
        g._wizard_translations = found = get_translations()
        return found


def gettext(string: str, **variables: Any) -> str:
    """``flask_babel.gettext``, through this request's catalogue."""
    translated = translations().ugettext(string)
    return translated % variables if variables else translated


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """``flask_babel.lazy_gettext``: translated when shown, in the language of the request showing it."""
    return LazyString(gettext, string, **variables)


def install_template_gettext(app: Flask) -> None:
    """Give the templates' ``_()`` the same one-lookup-per-request catalogue."""
    app.jinja_env.install_gettext_callables(
        gettext=gettext,
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)


def select_locale() -> str:
    """The language chosen with the switcher, else the browser's preference, else English."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def extract_region_names(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """A Babel extractor: the names botocore gives Kinesis regions, so that they get translated too."""
    from connector import kinesis_regions

    for line, region in enumerate(kinesis_regions(), start=1):
        yield line, "gettext", region.name, [f"AWS region {region.code}"]
