"""Wire schema of the reliability report (``GET /api/v1/reliability``, admin role), also
what ``assessor-hub reliability`` prints and the PDF (``reports/reliability_pdf.py``) draws.

How each figure is formed (``assessor_app.hub.scoring.reliability`` is its one home):

- ``exact_agreement`` / ``adjacent_agreement``: over every criterion both reads of a
  double-read submission scored, the share whose levels are equal / at most one level
  apart (level ranks, 0 = a criterion's lowest level);
- ``kappa_quadratic``: quadratic-weighted Cohen's kappa over the same criterion pairs
  (labels: the ranks of the credential's longest level scale); None below
  ``MINIMUM_ITEMS["cohen_kappa_quadratic"]`` criterion pairs;
- ``adjudication_rate``: the share of double-read submissions that went to adjudication;
- ``validity_accuracy``: the mean share of a validity paper's keyed criteria the
  assessor scored exactly as the key;
- ``backread_disagreement``: the share of backread criteria the backreader disagreed with.

Per assessor, a double-read submission counts for both of its readers. Weeks start on
Monday (UTC) and hold the events of that week: a pair by its later read, a validity paper
and a backread by when they were recorded. A figure without data is None (JSON has no
NaN).
"""

from __future__ import annotations

from datetime import date, datetime

from assessor_app.protocol.v1 import _Wire

__all__ = [
    "NOTHING_YET",
    "AssessorReliability",
    "CredentialReliability",
    "ReliabilityFigures",
    "ReliabilityReport",
    "WeekFigures",
]

NOTHING_YET = "No second reads, validity papers or backreads recorded yet."
"""What the command and the PDF say for a credential without any of this evidence (no
weeks): its figures would all be empty."""


class ReliabilityFigures(_Wire):
    second_reads: int = 0
    """Double-read submissions (both reads recorded)."""
    criterion_pairs: int = 0
    exact_agreement: float | None = None
    adjacent_agreement: float | None = None
    kappa_quadratic: float | None = None
    adjudication_rate: float | None = None
    validity_papers: int = 0
    validity_accuracy: float | None = None
    backread_criteria: int = 0
    backread_disagreement: float | None = None


class WeekFigures(ReliabilityFigures):
    week_start: date
    """The Monday the week starts on."""


class AssessorReliability(_Wire):
    username: str
    display_name: str
    figures: ReliabilityFigures
    weeks: list[WeekFigures]


class CredentialReliability(_Wire):
    credential_id: str
    title: str
    figures: ReliabilityFigures
    weeks: list[WeekFigures]
    assessors: list[AssessorReliability]


class ReliabilityReport(_Wire):
    generated_at: datetime
    since: date | None = None
    """Only events on or after this day count (None: everything)."""
    credentials: list[CredentialReliability]
