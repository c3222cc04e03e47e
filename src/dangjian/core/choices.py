"""Reading a choice from what a person typed: the stored value or its Chinese label."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import Choices
from django.utils.translation import get_language


def choice_value(choices: type[Choices] | list[tuple[str, str]], text: str | None) -> str | None:
    """Return the stored value for `text` (value or label, whitespace-insensitive), or None."""
    if text is None:
        return None
    wanted = "".join(str(text).split())
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return _lookup(tuple(pairs), get_language() or "").get(wanted)


@lru_cache(maxsize=256)
def _lookup(pairs: tuple, language: str) -> dict[str, str]:
    """Value and label → value, built once per choice list and language (imports call this a lot)."""
    table: dict[str, str] = {}
    for value, label in reversed(pairs):
        table["".join(str(label).split())] = value
        table[str(value)] = value
    return table


def choice_labels(choices: type[Choices] | list[tuple[str, str]]) -> str:
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return "、".join(str(label) for _, label in pairs if str(label) != "—")
