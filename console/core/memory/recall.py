"""Full-text recall: turning operator or model text into a safe FTS5 query, and ranking hits.

Any text is accepted: words are extracted and each is quoted, so FTS5 syntax characters (quotes, `*`, `:`,
`NEAR`, parentheses) are never interpreted. Words are OR-ed; bm25 rewards hits that match more of them.
A hit's score mixes its relevance (bm25, relative to the best hit) with its recency (halving every week).
"""

from __future__ import annotations

import re

MAX_TERMS = 16
# Candidates read per source: the most recent matches, ranked afterwards. Bounds the cost of a common word.
CANDIDATES = 400
RECENCY_HALF_LIFE = 7 * 24 * 3600.0
RELEVANCE_WEIGHT = 0.7

_WORD = re.compile(r"\w+")


def query_words(text: str) -> list[str]:
    """The distinct words of `text`, lower-cased, at most MAX_TERMS: what recall searches for."""
    return list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:MAX_TERMS]


def fts_query(text: str) -> str | None:
    """An FTS5 MATCH expression for `text`, or None when it has no words."""
    terms = query_words(text)
    if not terms:
        return None
    return " OR ".join(f'"{term}"' for term in terms)


def combined_score(relevance: float, best_relevance: float, age_seconds: float) -> float:
    """Relevance (0..1, relative to the best candidate) weighted with recency (1 now, 0.5 a week ago)."""
    relative = relevance / best_relevance if best_relevance > 0 else 0.0
    recency = float(0.5 ** (max(age_seconds, 0.0) / RECENCY_HALF_LIFE))
    return RELEVANCE_WEIGHT * relative + (1 - RELEVANCE_WEIGHT) * recency
