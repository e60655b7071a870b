"""The matching as the pathway's suggester (``ONTRACK_THERAPIST_SUGGESTER``).

``suggest`` keeps the pathway's own hard rules and reasons (``plain_suggestions``: step,
therapy, room under the caseload limit, every essential preference) and ranks those who
fit by ``rank.score_candidates``: their report cards in the client's problem domain,
preferences met and room. Report cards come from the JSON that
``ontrack report-cards DATASET --json`` writes, named by the ``ONTRACK_REPORT_CARDS``
environment variable and keyed by the practitioner identifier exports use; it is re-read
when the file changes. Without cards (or without a recorded problem) the order is the
plain rule's, and the page says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Final

import numpy as np

from ontrack.matching.domains import DOMAINS, domain_for
from ontrack.matching.rank import benefit_reasons, domain_weights, score_candidates
from ontrack.pathway.allocation import Candidate, ClientNeeds, Suggestion, plain_suggestions

CARDS_ENV: Final = "ONTRACK_REPORT_CARDS"
Cards = dict[str, dict[str, tuple[float, float, int, str]]]
RANKED_BY_CARDS: Final = (
    "Ranked by measured effectiveness with the client's problem (report cards), then "
    "preferences met and room on the caseload; you may choose otherwise and say why."
)
RANKED_PLAIN: Final = (
    "Ranked by step, therapy, room on the caseload and preferences: no report cards are "
    "loaded (or no problem is recorded), so effectiveness is not used."
)


@lru_cache(maxsize=4)
def _read(path: str, mtime: float) -> Cards:
    data = json.loads(Path(path).read_text("utf-8"))
    cards: Cards = {}
    for card in data.get("cards", []):
        cards.setdefault(str(card["therapist_id"]), {})[str(card["domain"])] = (
            float(card.get("ranking_effect", card["effect"])),
            float(card["effect_points"]),
            int(card["cases"]),
            str(card["label"]),
        )
    return cards


def load_cards(path: str | None = None) -> Cards:
    """The report cards named by ``path`` or ``ONTRACK_REPORT_CARDS`` ({} when none)."""
    path = path or os.environ.get(CARDS_ENV, "")
    if not path:
        return {}
    try:
        return _read(path, Path(path).stat().st_mtime)
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # an unreadable file ranks as if none were loaded; the page says so


def suggest(needs: ClientNeeds, candidates: Sequence[Candidate]) -> list[Suggestion]:
    """Rank candidates: hard rules first (the pathway's), then expected benefit."""
    return rank_with_cards(needs, candidates, load_cards())


def rank_with_cards(
    needs: ClientNeeds, candidates: Sequence[Candidate], cards: Cards
) -> list[Suggestion]:
    """``suggest`` with the cards given (for tests and callers holding their own)."""
    base = plain_suggestions(needs, candidates)
    if not cards or not needs.problem_descriptor or not base:
        return [_with(s, s.rank, s.reasons, {"ranked_by": RANKED_PLAIN}) for s in base]
    weights = domain_weights(domain_for(needs.problem_descriptor), needs.functioning_impaired)
    by_id = {c.therapist_id: c for c in candidates}
    effects = np.zeros((len(base), len(DOMAINS)))
    headroom = np.ones(len(base))
    for row, suggestion in enumerate(base):
        candidate = by_id[suggestion.therapist_id]
        own = cards.get(candidate.practitioner_id, {})
        for domain, (effect, _points, _cases, label) in own.items():
            if domain in DOMAINS and label != "not enough cases yet":
                effects[row, DOMAINS.index(domain)] = effect
        if candidate.caseload_limit > 0:
            headroom[row] = max(candidate.caseload_limit - candidate.open_cases, 0) / (
                candidate.caseload_limit
            )
    scored = score_candidates(
        effects,
        weights,
        np.array([s.fits for s in base], dtype=bool),
        np.array([s.score for s in base], dtype=np.float64),
        headroom,
        np.zeros(len(base)),
    )
    ranked = []
    for rank, row in enumerate(scored.order.tolist(), 1):
        suggestion = base[row]
        own = cards.get(by_id[suggestion.therapist_id].practitioner_id, {})
        reasons = (*suggestion.reasons, *benefit_reasons(own, weights))
        extra = {"ranked_by": RANKED_BY_CARDS, "benefit": f"{scored.benefit[row]:+.2f}"}
        ranked.append(_with(suggestion, rank, reasons, extra, float(scored.score[row])))
    return ranked


def _with(
    s: Suggestion,
    rank: int,
    reasons: Sequence[str],
    extra: dict[str, str],
    score: float | None = None,
) -> Suggestion:
    return Suggestion(
        therapist_id=s.therapist_id,
        name=s.name,
        rank=rank,
        fits=s.fits,
        reasons=tuple(reasons),
        unmet_essentials=s.unmet_essentials,
        over_limit=s.over_limit,
        score=s.score if score is None else score,
        extra={**s.extra, **extra},
    )
