"""The category suggester's model file: trained on the deployment's own classified cases.

`dangjian opinions-train` calls `train()`; the case page calls `suggest_for()`. With no model
file (no history yet) nothing is suggested — the model never guesses from nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from dangjian.opinions.models import Case, Category


def model_path() -> Path:
    return Path(settings.VAR_DIR) / "opinions" / "category_suggester.pkl"


def training_rows() -> tuple[list[str], list[str]]:
    """(text, category id) of every routed case that has a category: the deployment's own history."""
    texts, labels = [], []
    cases = Case.objects.filter(category__isnull=False, routed_on__isnull=False).prefetch_related(
        "opinions"
    )
    for case in cases.iterator(chunk_size=500):
        text = " ".join([case.title, case.summary, *[o.text for o in case.opinions.all()[:5]]])
        texts.append(text)
        labels.append(str(case.category_id))
    return texts, labels


def train() -> tuple[int, bool]:
    """Retrain and store the model; returns (training cases, whether a model was stored)."""
    from dangjian.opinions.classify import Suggester

    texts, labels = training_rows()
    suggester = Suggester.train(texts, labels)
    path = model_path()
    if suggester is None:
        if path.exists():
            path.unlink()
        return len(texts), False
    path.parent.mkdir(parents=True, exist_ok=True)
    suggester.save(path)
    return len(texts), True


# The loaded model, kept between requests and keyed on the file's path and modification time:
# loading takes longer than suggesting, and a retrain (a new file, a new mtime) is picked up on the
# next request without a restart. One entry: a process serves one deployment.
_LOADED: dict[tuple[str, int], object] = {}
_LOCK = threading.Lock()


def load_suggester(path: Path | None = None):
    """The Suggester stored at `path` (the model file by default), loaded once per file version."""
    from dangjian.opinions.classify import Suggester

    path = path or model_path()
    key = (str(path), path.stat().st_mtime_ns)
    with _LOCK:
        model = _LOADED.get(key)
        if model is None:
            model = Suggester.load(path)
            _LOADED.clear()
            _LOADED[key] = model
    return model


def suggest_for(text: str) -> tuple[Category, float] | None:
    path = model_path()
    if not path.exists():
        return None
    try:
        suggestion = load_suggester(path).suggest(text)
    except (ImportError, OSError, ValueError):
        return None
    if suggestion is None:
        return None
    category = Category.objects.filter(
        pk=int(suggestion.label) if str(suggestion.label).isdigit() else 0
    ).first()
    return (category, suggestion.confidence) if category else None
