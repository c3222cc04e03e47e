"""Text normalisation shared by the similarity engine and the category suggester.

Pure Python, importable without Django settings.
"""

from __future__ import annotations

import re
import unicodedata

# Characters kept after normalisation: letters (CJK included) and digits (str.isalnum()).
# Everything else (punctuation, symbols, whitespace such as the ``\n\t\t\t`` noise in the
# 附件2/附件3 exports, control and format characters like zero-width spaces, the underscore) is
# dropped.
_DROP = re.compile(r"[\W_]+")

# How much of an opinion's details is appended to its title for similarity (see opinion_text).
DETAIL_CHARS = 120


def normalise(text: str) -> str:
    """NFKC, lower case, and keep only letters and digits.

    Full-width forms become half-width (ＡＢＣ１２３ → abc123), whitespace noise, punctuation and
    symbols disappear, so "A3区 一米阳光！" and "a3区一米阳光" normalise to the same string.
    """
    if not text:
        return ""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).casefold())


def opinion_text(
    title: str | None, details: str | None = "", *, detail_chars: int = DETAIL_CHARS
) -> str:
    """The one text used to compare an opinion: its title plus the start of its details.

    Titles alone repeat exactly across different messages and details alone are long and
    wordy; the title followed by the first ``detail_chars`` normalised characters of the details
    keeps the topic and the place. Either part may be empty.
    """
    head = normalise(title or "")
    limit = max(0, detail_chars)
    details = (details or "").strip()
    body = normalise(details[: 2 * limit + 64])  # enough raw text for ``limit`` kept characters
    if len(body) < limit:
        body = normalise(details)
    body = body[:limit]
    if head and body:
        return f"{head} {body}"
    return head or body
