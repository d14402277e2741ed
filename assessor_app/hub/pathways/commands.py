"""The pathway commands of ``assessor-hub``: ``import-pathway FILE`` and
``pathways [--educator E]``. ``cli`` adds them to its parser and hands them over here.

Everything printed that came from a file or the hub's database goes through
``printable``: a pathway's name or an educator's pseudonym cannot drive the terminal.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from assessor_app.domain.text import printable
from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.db import utcnow
from assessor_app.hub.pathways.award import ImportOutcome, PathwayRefused, import_pathway
from assessor_app.hub.pathways.file import load_pathway_file
from assessor_app.hub.pathways.models import Pathway
from assessor_app.hub.pathways.progress import EducatorProgress, pathway_progress

COMMANDS = ("import-pathway", "pathways")


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the pathway commands to the ``assessor-hub`` subparsers ``sub``."""
    load = sub.add_parser(
        "import-pathway",
        parents=[common],
        help="import or update a pathway file (a programme credential and its components)",
        description="Importing the same file again changes nothing; a changed file updates "
        "the pathway. Educators who already complete it are issued its programme credential.",
    )
    load.add_argument("file", type=Path)
    show = sub.add_parser(
        "pathways", parents=[common], help="list pathways and each educator's progress"
    )
    show.add_argument("--educator", metavar="PSEUDONYM", help="only this educator")


def rule_text(components: list[str], required: int) -> str:
    return (
        f"all of {required}" if required == len(components) else f"{required} of {len(components)}"
    )


def import_file(admin: HubAdmin, path: Path) -> ImportOutcome:
    try:
        schema = load_pathway_file(path)
    except ValueError as exc:
        raise HubAdminError(str(exc)) from None
    try:
        with admin.db.write() as session:
            outcome = import_pathway(session, schema, utcnow())
    except PathwayRefused as exc:
        raise HubAdminError(str(exc)) from None
    admin.log(f"pathway {outcome.pathway_id}: {outcome.change}, {len(outcome.issued)} issued")
    return outcome


def progress(
    admin: HubAdmin, educator: str | None = None
) -> list[tuple[Pathway, list[EducatorProgress]]]:
    """Every pathway, in id order, with the progress of its educators (or ``educator``)."""
    with admin.db.read() as session:
        pathways = list(session.scalars(select(Pathway).order_by(Pathway.id)))
        return [(p, pathway_progress(session, p, educator)) for p in pathways]


def _status(row: EducatorProgress) -> str:
    if row.programme_credential_id is not None:
        return f"issued urn:uuid:{row.programme_credential_id}"
    needed = row.required - len(row.passed)
    return f"needs {needed} more of: {', '.join(row.missing)}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(r, widths, strict=False)), r[-1]]).rstrip()
        for r in rows
    ]


def progress_lines(report: list[tuple[Pathway, list[EducatorProgress]]]) -> list[str]:
    lines: list[str] = []
    for pathway, rows in report:
        rule = rule_text(list(pathway.components), pathway.required)
        lines.append(f"{printable(pathway.id)}  {printable(pathway.name)}  ({rule})")
        table = [["  EDUCATOR", "PASSED", "STATUS"]]
        table += [
            [
                f"  {printable(r.educator_pseudonym)}",
                f"{len(r.passed)} of {r.required}",
                _status(r),
            ]
            for r in rows
        ]
        lines += _table(table) if rows else ["  no educator has started it"]
    return lines or ["No pathways imported: add one with import-pathway FILE."]


def run(args: argparse.Namespace, admin: HubAdmin, say: Callable[[str], None]) -> None:
    """Carry out one of ``COMMANDS``."""
    match args.command:
        case "import-pathway":
            outcome = import_file(admin, args.file)
            say(f"Pathway {outcome.pathway_id}: {outcome.change}.")
            for row in outcome.issued:
                say(
                    f"Issued programme credential urn:uuid:{row.id} to "
                    f"{printable(row.educator_pseudonym)} (already complete)."
                )
        case "pathways":
            for line in progress_lines(progress(admin, args.educator)):
                say(line)
