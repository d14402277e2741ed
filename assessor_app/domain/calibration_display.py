"""The calibration display vocabulary: the words, marks and number formats every
calibration view shares, so a number reads the same in the desktop views, the command
line and the calibration report.

Pure Python (no Qt, no reportlab): the calibration views import it, and opening them must
not load the PDF library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from assessor_app.domain.agreement import TOO_FEW_ITEMS, enough_items, kappa_band
from assessor_app.domain.rubric import Credential

__all__ = [
    "AGREEMENT_MARK",
    "BANDS_EXPLAINED",
    "CONSENSUS_COLUMN",
    "DISAGREEMENT_MARK",
    "KEY_COLUMN",
    "STATE_WORDS",
    "STATISTIC_MEANINGS",
    "DriftPoint",
    "criterion_order",
    "criterion_title",
    "describe_distance",
    "format_share",
    "format_statistic",
    "item_name",
    "level_label",
    "state_name",
]

DISAGREEMENT_MARK = "≠"
AGREEMENT_MARK = "="
KEY_COLUMN = "Key"
CONSENSUS_COLUMN = "Consensus"

STATE_WORDS = {
    "open": "Open: scoring is blind",
    "revealed": "Revealed: results are visible",
    "closed": "Closed: results and consensus are final",
}
"""A session's state in words; what comes before the colon is its name alone, which a
narrow list shows (see ``state_name``)."""


def state_name(state: str) -> str:
    """``Open`` / ``Revealed`` / ``Closed``: the state's words up to the colon."""
    return STATE_WORDS.get(state, state).partition(":")[0]


# Each statistic: its label in tables, and what it means, for people who are not
# statisticians. The order is the order of the columns.
STATISTIC_MEANINGS: tuple[tuple[str, str, str], ...] = (
    (
        "exact_agreement",
        "Exact agreement",
        "The share of pairs of assessors who chose the same level. Many scoring "
        "programmes ask for 80% or more.",
    ),
    (
        "adjacent_agreement",
        "Exact or adjacent",
        "The share of pairs whose levels are the same or next to each other.",
    ),
    (
        "cohen_kappa",
        "Cohen's kappa",
        "Agreement between two assessors beyond what chance alone would give, averaged over "
        "every pair: 1 is perfect, 0 is what chance gives, below 0 is worse than chance.",
    ),
    (
        "cohen_kappa_quadratic",
        "Weighted kappa (quadratic)",
        "Like Cohen's kappa, but a near miss (one level apart) counts much less against "
        "agreement than a distant one.",
    ),
    (
        "fleiss_kappa",
        "Fleiss' kappa",
        "Chance-corrected agreement of all assessors at once, over the items everyone scored.",
    ),
    (
        "krippendorff_alpha",
        "Krippendorff's alpha (ordinal)",
        "Chance-corrected agreement that respects the order of the levels and tolerates "
        "missing scores.",
    ),
)
BANDS_EXPLAINED = (
    "Kappa and alpha values are described in the words of Landis and Koch: below 0 poor, "
    "0 to 0.20 slight, 0.21 to 0.40 fair, 0.41 to 0.60 moderate, 0.61 to 0.80 substantial, "
    "above 0.80 almost perfect. With few items these numbers move a lot: read them with "
    "the matrix, not instead of it."
)
_SHARES = frozenset({"exact_agreement", "adjacent_agreement"})


@dataclass(frozen=True)
class DriftPoint:
    """One keyed calibration item of an assessor: when it was decided and how much of it
    agreed with the key (shares over the keyed criteria, 0..1)."""

    assignment_id: str
    decided_at: datetime
    exact_share: float
    adjacent_share: float
    label: str = ""


def describe_distance(distance: int | None) -> tuple[str, str]:
    """(symbol, words) for how far a level is from the key's: ``distance`` is signed,
    yours minus the key's in level ranks; None means no level was chosen."""
    if distance is None:
        return "–", "Not scored"
    if distance == 0:
        return "✓", "Exact: same level as the key"
    direction = "above" if distance > 0 else "below"
    steps = abs(distance)
    if steps == 1:
        return "≈", f"Adjacent: one level {direction} the key"
    return "✗", f"Off by {steps} levels: {direction} the key"


def item_name(
    credential_title: str, educator_pseudonym: str, attempt: int | None, submission_id: str
) -> str:
    """A calibration item as people know it: "Wait Time in Questioning · Educator E-4821"
    (", attempt 2" after a first attempt); the submission id only when the hub did not
    say whose it is."""
    if not educator_pseudonym:
        return f"{credential_title} · submission {submission_id}".lstrip(" ·")
    name = f"Educator {educator_pseudonym}"
    if attempt is not None and attempt > 1:
        name += f", attempt {attempt}"
    return f"{credential_title} · {name}" if credential_title else name


def format_share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def format_statistic(name: str, value: float | None, n_items: int | None = None) -> str:
    """A statistic as shown to people: shares as percentages, kappas and alpha as a
    number with its band in words; "too few items" when the hub left it out because
    ``n_items`` items cannot support it."""
    if value is None:
        if n_items is not None and not enough_items(name, n_items):
            return TOO_FEW_ITEMS
        return "not enough data"
    if name in _SHARES:
        return format_share(value)
    return f"{value:.2f} ({kappa_band(value)})"


def criterion_title(credential: Credential | None, criterion_id: str) -> str:
    criterion = credential.rubric.criterion(criterion_id) if credential else None
    return criterion.title if criterion else criterion_id


def level_label(credential: Credential | None, criterion_id: str, level_id: str | None) -> str:
    """A level's label ("Proficient"), its id when the rubric is not known here, or a
    dash for no level."""
    if level_id is None:
        return "–"
    criterion = credential.rubric.criterion(criterion_id) if credential else None
    level = criterion.level(level_id) if criterion else None
    return level.label if level else level_id


def criterion_order(credential: Credential | None, seen: Iterable[str]) -> list[str]:
    """Criterion ids in rubric order; when the rubric is unknown, the ids ``seen`` (e.g.
    in a session's results), once each in the order they first appear."""
    if credential is not None:
        return [c.id for c in credential.rubric.criteria]
    return list(dict.fromkeys(seen))
