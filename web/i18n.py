"""Languages: which one a request gets, and the region names that Babel extracts from botocore."""
from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from functools import lru_cache
from typing import Any, Iterator

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, has_request_context, request, session
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from markupsafe import Markup

LANGUAGES = {"en": "English", "fr": "Français"}
log = logging.getLogger(__name__)


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


def ngettext(singular: str, plural: str, number: int, **variables: Any) -> str:
    """``flask_babel.ngettext``: the language's plural form for ``number``, through this request's catalogue."""
    return translations().ungettext(singular, plural, number) % variables


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
    app.jinja_env.globals["_"] = template_gettext
    app.jinja_env.filters["region"] = region_label


def region_label(code: str | None) -> str:
    """A region as people read it, in this request's language: "Europe (Ireland) (eu-west-1)", as the
    wizard's region select shows it; a code botocore does not know shows as itself."""
    names = {region.code: region.name for region in kinesis_regions_cached()}
    return f"{gettext(names[code])} ({code})" if code in names else (code or "")


@lru_cache(maxsize=1)
def kinesis_regions_cached() -> tuple:
    """botocore's region list, read once (it does not change while the app runs)."""
    from connector.kinesis import kinesis_regions
    return kinesis_regions()


def template_gettext(string: str, **variables: Any) -> Markup:
    """The templates' ``_()``: what Jinja's newstyle ``gettext`` gives in an autoescaped template (every
    template here is HTML), the translation as Markup with its placeholders filled, escaped. Jinja's
    takes three calls through the template context per string (about 7 µs; a page has dozens); this
    one keeps each catalogue's strings as Markup."""
    text = catalogue_markup(translations(), string)
    return text % variables if variables or "%" in text else text


@lru_cache(maxsize=2048)
def catalogue_markup(catalogue: Any, string: str) -> Markup:
    """``string`` translated by ``catalogue`` (one per language, kept by Flask-Babel), as Markup."""
    return Markup(catalogue.ugettext(string))


def select_locale() -> str:
    """The language chosen with the switcher, else the browser's preference, else English; outside a
    request (the command line), the one the environment's ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES`` or
    ``LANG`` names first."""
    if not has_request_context():
        return terminal_language()
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"


def terminal_language() -> str:
    """The language of the terminal's locale settings (``fr_FR.UTF-8`` is French), else English."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split(":")[0][:2].lower()
            return code if code in LANGUAGES else "en"
    return "en"


def extract_region_names(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    """A Babel extractor: the names botocore gives Kinesis regions, so that they get translated too."""
    from connector import kinesis_regions

    for line, region in enumerate(kinesis_regions(), start=1):
        yield line, "gettext", region.name, [f"AWS region {region.code}"]


def compile_catalogues(app: Flask) -> None:
    """Compile each ``*/LC_MESSAGES/messages.po`` whose ``.mo`` is missing or older than it.

    Without this, an app started by gunicorn or ``flask run`` before ``make`` compiled the catalogues
    serves English under ``lang="fr"`` and says nothing. The ``.mo`` goes beside its ``.po``; where that
    folder cannot be written, every catalogue of it is compiled into the instance folder instead and
    ``BABEL_TRANSLATION_DIRECTORIES`` points there. Must run before Flask-Babel reads that setting.
    """
    roots = []
    for root in app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        source = Path(app.root_path, root)
        try:
            compile_stale(source, source)
        except OSError as error:
            target = Path(app.instance_path) / "translations"
            log.warning("cannot write compiled catalogues into %s (%s); compiling them into %s",
                        source, type(error).__name__, target)
            compile_stale(source, target)
            root = str(target)
        roots.append(root)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(roots)


def compile_stale(source: Path, target: Path) -> None:
    """Compile ``source/<lang>/LC_MESSAGES/messages.po`` to ``target/<lang>/...messages.mo`` where that is
    missing or older."""
    for po in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as file:
            catalogue = read_po(file, locale=po.parent.parent.name)
        mo.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed over: gunicorn's workers start together, and none may read half a file.
        with tempfile.NamedTemporaryFile(dir=mo.parent, prefix=".messages-", suffix=".mo", delete=False) as out:
            try:
                write_mo(out, catalogue)
            except BaseException:
                os.unlink(out.name)
                raise
        os.chmod(out.name, 0o644)
        os.replace(out.name, mo)
        log.info("compiled %s", mo)
