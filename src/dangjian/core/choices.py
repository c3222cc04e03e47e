"""Reading a choice from what a person typed: the stored value or its Chinese label."""

from __future__ import annotations

from django.db.models import Choices


def choice_value(choices: type[Choices] | list[tuple[str, str]], text: str | None) -> str | None:
    """Return the stored value for `text` (value or label, whitespace-insensitive), or None."""
    if text is None:
        return None
    wanted = "".join(str(text).split())
    pairs = choices.choices if hasattr(choices, "choices") else choices
    for value, label in pairs:
        if wanted in (str(value), "".join(str(label).split())):
            return value
    return None


def choice_labels(choices: type[Choices] | list[tuple[str, str]]) -> str:
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return "、".join(str(label) for _, label in pairs if str(label) != "—")
