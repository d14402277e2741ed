"""Flag feedback or a rationale that only repeats the rubric's descriptor.

UI-GUIDE asks for feedback that says what the assessor saw; text built from the chosen
level's descriptor words with hardly any of the assessor's own is flagged with a hint.
This is a heuristic on words, not a judgement: it never blocks finalizing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "with",
        "you",
        "your",
        "not",
        "no",
    ]
)
# Fewer new content words than this, with most words taken from descriptors, is "only
# repeating". Three allows "Good." or "Well done" on top of a copied descriptor.
_MIN_OWN_WORDS = 3
_REPEAT_SHARE = 0.7

HINT = (
    "⚠ This repeats the rubric's descriptor. Say what you saw in the evidence, "
    "and what would show the competency."
)


def _content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


def only_repeats_descriptor(text: str, descriptors: Iterable[str]) -> bool:
    words = _content_words(text)
    if not words:
        return False
    vocabulary: set[str] = set()
    for descriptor in descriptors:
        vocabulary.update(_content_words(descriptor))
    if not vocabulary:
        return False
    repeated = sum(1 for w in words if w in vocabulary)
    own = len(words) - repeated
    return own < _MIN_OWN_WORDS and repeated >= max(3, _REPEAT_SHARE * len(words))
