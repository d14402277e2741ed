"""The ``assessor-hub reliability`` command: the reliability report printed as text, and
with ``--pdf`` written as the programme lead's PDF (``reports/reliability_pdf.py``).
``cli`` adds it to its parser and hands it over here."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from assessor_app.domain.calibration_display import format_share, format_statistic
from assessor_app.domain.text import printable
from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.scoring.reliability import reliability_report
from assessor_app.protocol.reliability import NOTHING_YET, ReliabilityFigures, ReliabilityReport

COMMANDS = ("reliability",)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the reliability command to the ``assessor-hub`` subparsers ``sub``."""
    reliability = sub.add_parser(
        "reliability",
        parents=[common],
        help="print (or write as PDF) second-read, validity and backreading figures",
        description="Per credential and per assessor: second-read exact and adjacent "
        "agreement, quadratic-weighted kappa, adjudication rate, validity accuracy, "
        "backreading disagreement rate, and their weekly drift.",
    )
    reliability.add_argument(
        "--credential", action="append", metavar="CRED", help="only this credential (repeatable)"
    )
    reliability.add_argument(
        "--since", type=_day, metavar="DATE", help="only work recorded on or after this day"
    )
    reliability.add_argument("--pdf", type=Path, metavar="FILE", help="write the report as PDF")


def _line(f: ReliabilityFigures) -> str:
    kappa = format_statistic("cohen_kappa_quadratic", f.kappa_quadratic, f.criterion_pairs)
    return (
        f"second reads {f.second_reads}: exact {format_share(f.exact_agreement)}, "
        f"adjacent {format_share(f.adjacent_agreement)}, kappa {kappa}, "
        f"adjudicated {format_share(f.adjudication_rate)} · validity "
        f"{format_share(f.validity_accuracy)} of {f.validity_papers} · backread "
        f"disagreement {format_share(f.backread_disagreement)} of {f.backread_criteria}"
    )


def report_lines(report: ReliabilityReport) -> list[str]:
    """The report as text, a credential at a time: totals, assessors, weeks."""
    lines: list[str] = []
    for item in report.credentials:
        lines.append(f"{printable(item.title)} ({item.credential_id})")
        if not item.weeks:
            lines.append(f"  {NOTHING_YET}")
            continue
        lines.append(f"  all: {_line(item.figures)}")
        for a in item.assessors:
            lines.append(f"  {printable(a.username)}: {_line(a.figures)}")
        for w in item.weeks:
            lines.append(f"  week of {w.week_start:%Y-%m-%d}: {_line(w)}")
    return lines or ["No credential has scoring data yet."]


def run(args: argparse.Namespace, admin: HubAdmin, say: Callable[[str], None]) -> None:
    with admin.db.read() as session:
        try:
            report = reliability_report(session, args.credential, args.since)
        except LookupError as exc:
            raise HubAdminError(str(exc)) from None
    for line in report_lines(report):
        say(line)
    if args.pdf is not None:
        from assessor_app.reports.reliability_pdf import build_reliability_pdf

        build_reliability_pdf(args.pdf, report)
        say(f"Wrote the reliability report to {args.pdf}.")
