"""The workflow's ``assessor-hub`` commands: ``set-workflow``, ``review``, ``resubmit``,
``coaching`` and ``verify``. ``cli`` adds them to its parser and hands them over here."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from assessor_app.domain.text import printable
from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.badges.credential import IssuerProfile
from assessor_app.hub.badges.issue import BadgeIssuer, public_jwk
from assessor_app.hub.badges.issuer_url import configured_issuer_url
from assessor_app.hub.badges.revocation import database_source
from assessor_app.hub.badges.signing import IssuerKey, IssuerKeyError, existing_keys
from assessor_app.hub.badges.status_check import file_source, http_source
from assessor_app.hub.badges.verify import Verdict, load_jwks, verify_file
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import Database

COMMANDS = ("set-workflow", "review", "resubmit", "coaching")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the workflow commands to the ``assessor-hub`` subparsers ``sub``."""
    flow = sub.add_parser(
        "set-workflow",
        parents=[common],
        help="set a credential's review, coaching and report options",
        description="Options not given keep their value; prints the resulting settings.",
    )
    flow.add_argument("credential")
    review_choice = flow.add_mutually_exclusive_group()
    review_choice.add_argument(
        "--review",
        dest="review",
        action="store_const",
        const=True,
        help="decisions wait for a reviewer's approval before they are final",
    )
    review_choice.add_argument("--no-review", dest="review", action="store_const", const=False)
    flow.add_argument(
        "--coaching-after",
        type=_positive,
        metavar="N",
        help="flag an educator for coaching after N final Not Yet attempts (default 2)",
    )
    name_choice = flow.add_mutually_exclusive_group()
    name_choice.add_argument(
        "--show-assessor-name",
        dest="show_name",
        action="store_const",
        const=True,
        help="print the assessor's name on the educator's feedback report",
    )
    name_choice.add_argument(
        "--hide-assessor-name", dest="show_name", action="store_const", const=False
    )

    review = sub.add_parser("review", parents=[common], help="second-level review of decisions")
    review.add_argument("action", choices=("list", "approve", "return"))
    review.add_argument("assignment", nargs="?")
    review.add_argument("--reviewer", metavar="USER", help="the reviewer account acting")
    review.add_argument("--comment", default="", help="required to return a decision")

    resubmit = sub.add_parser(
        "resubmit",
        parents=[common],
        help="make the next attempt of a Not Yet or incomplete submission",
        description="DIR holds the new artifact files; an optional submission.yaml lists "
        "them with titles (artifacts: [{file: ..., title: ...}]).",
    )
    resubmit.add_argument("submission")
    resubmit.add_argument("folder", type=Path)
    resubmit.add_argument("--note", required=True, help="what changed since the last attempt")

    coaching = sub.add_parser(
        "coaching", parents=[common], help="list educators flagged for coaching"
    )
    coaching.add_argument("--all", action="store_true", help="every Not Yet count, flagged or not")

    verify = sub.add_parser(
        "verify",
        parents=[common],
        help="check Open Badges credentials: signature, issuer, claims and official schema",
        description="Each FILE is the JSON of GET /api/v1/credentials/{id} or the bare VC-JWT. "
        "Exit status 0: all valid; 1: one or more invalid or unreadable.",
    )
    verify.add_argument("files", type=Path, nargs="+", metavar="FILE")
    verify.add_argument(
        "--jwks",
        type=Path,
        metavar="FILE",
        help="trust the keys in this JWKS file (default: this hub's issuer key)",
    )
    verify.add_argument(
        "--issuer",
        metavar="URL",
        help="the issuer's base address the credential must name (default: this hub's)",
    )
    verify.add_argument(
        "--status-list",
        type=Path,
        metavar="FILE",
        help="check revocation against this saved status list (default: this hub's own "
        "lists, or with --jwks the list fetched from the URL the credential names)",
    )


def verify(args: argparse.Namespace, settings: HubSettings, say: Callable[[str], None]) -> int:
    """``verify FILE...``: prints VALID, or INVALID or REVOKED with reasons, for each; 0
    when all are valid, else 1."""
    issuer_url = args.issuer or configured_issuer_url(settings.data_dir)
    if not issuer_url:
        raise HubAdminError(
            "this hub has no issuer address yet: pass --issuer with the address of the hub "
            "that issued the credential"
        )
    own: list[IssuerKey] = []
    if args.jwks is not None:
        try:
            keys = load_jwks(args.jwks)
        except ValueError as exc:
            raise HubAdminError(str(exc)) from None
    else:
        try:
            own = existing_keys(settings.data_dir)
        except IssuerKeyError as exc:
            raise HubAdminError(str(exc)) from None
        if not own:
            raise HubAdminError(
                f"this hub has no issuer key (in {settings.data_dir}): pass --jwks with the "
                "issuer's key set"
            )
        profile = IssuerProfile(issuer_url.rstrip("/"), "")
        keys = [public_jwk(key, profile) for key in own]
    db = _own_database(settings) if own and args.status_list is None else None
    try:
        if args.status_list is not None:
            source = file_source(args.status_list)
        elif db is not None:
            issuer = BadgeIssuer(tuple(own), "", issuer_url)
            source = database_source(db, issuer, fallback=http_source())
        else:
            source = http_source()
        verdicts = [(path, verify_file(path, keys, issuer_url, source)) for path in args.files]
    finally:
        if db is not None:
            db.dispose()
    valid = [_report(path, verdict, say) for path, verdict in verdicts]
    return 0 if all(valid) else 1


def _own_database(settings: HubSettings) -> Database | None:
    """This hub's database, to read its status lists from; None for a SQLite file that does
    not exist (opening it would make an empty one)."""
    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return None
    return Database(settings.db_url)


def _report(path: Path, verdict: Verdict, say: Callable[[str], None]) -> bool:
    """Print one file's verdict; everything from the file goes through ``printable``, as a
    credential (even a validly signed one) cannot be trusted to hold plain text."""
    if not verdict.valid:
        say(printable(f"{'REVOKED' if verdict.revoked else 'INVALID'}: {path}"))
        for problem in verdict.problems:
            say(printable(f"  - {problem}"))
        return False
    doc = verdict.credential or {}
    subject = doc.get("credentialSubject", {})
    issuer = doc.get("issuer", {}).get("name")
    say(printable(f"VALID: {path}: {doc.get('id')}"))
    say(printable(f"  {doc.get('name')}, issued by {issuer} to {subject.get('id')}"))
    say(printable(f"  valid from {doc.get('validFrom')}; signed with key {verdict.kid}"))
    return True


def run(args: argparse.Namespace, admin: HubAdmin, say: Callable[[str], None]) -> None:
    """Carry out one of ``COMMANDS``."""
    match args.command:
        case "set-workflow":
            options = admin.set_workflow(
                args.credential,
                review_required=args.review,
                coaching_after=args.coaching_after,
                show_assessor_name=args.show_name,
            )
            plural = "s" if options.coaching_after != 1 else ""
            say(
                f"{args.credential}: review {'on' if options.review_required else 'off'}, "
                f"coaching after {options.coaching_after} Not Yet attempt{plural}, assessor "
                f"name {'shown' if options.show_assessor_name else 'hidden'} on reports."
            )
        case "review" if args.action == "list":
            items = admin.pending_reviews()
            for item in items:
                say(
                    f"{item.assignment_id}  {item.submission_id}  {item.credential_id}  "
                    f"attempt {item.attempt}  {item.decision.label}  by {item.assessor}"
                )
            say(f"{len(items)} decision{'s' if len(items) != 1 else ''} waiting for review.")
        case "review":
            if not args.assignment or not args.reviewer:
                raise HubAdminError(f"review {args.action} needs ASSIGNMENT and --reviewer USER")
            outcome = admin.review(
                args.assignment,
                args.reviewer,
                approve=args.action == "approve",
                comment=args.comment,
            )
            if outcome.state == "approved":
                badge = (
                    f"; credential {outcome.credential_id} issued" if outcome.credential_id else ""
                )
                say(f"Approved {outcome.assignment_id}{badge}.")
            else:
                say(f"Returned {outcome.assignment_id} to its assessor.")
        case "resubmit":
            made = admin.resubmit(args.submission, args.folder, args.note)
            where = f" as {made.assignment_id}" if made.assignment_id else ""
            say(f"Created {made.submission_id}, attempt {made.attempt}{where}: {made.message}.")
        case "coaching":
            flags = admin.coaching_flags(flagged_only=not args.all)
            for flag in flags:
                mark = "FLAGGED" if flag.flagged else "-"
                say(
                    f"{mark}  {flag.credential_id}  {flag.educator_pseudonym}  "
                    f"{flag.not_yet_attempts} Not Yet (threshold {flag.threshold})"
                )
            say(f"{sum(f.flagged for f in flags)} flagged for coaching.")
