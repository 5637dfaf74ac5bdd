"""Languages: which one a request gets, and the region names that Babel extracts from botocore."""
from __future__ import annotations

from typing import Any, Iterator

from flask import request, session

LANGUAGES = {"en": "English", "fr": "Français"}


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
