"""Language tags: the primary subtag names the language whatever region or script follows."""

from __future__ import annotations


def primary_subtag(language: str) -> str:
    return language.split("-", 1)[0].lower()
