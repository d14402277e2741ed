"""Scoring operations' ``assessor-hub`` commands: ``set-scoring``, ``scoring-plan``,
``set-affiliations``, ``set-capacity`` and ``allocate``. ``cli`` adds them to its parser
and hands them over here; ``add-assessor --affiliation`` uses ``set_affiliations``."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessor_app.domain.adjudication import AdjudicationRule
from assessor_app.domain.text import printable
from assessor_app.hub.admin import HubAdmin, HubAdminError
from assessor_app.hub.db import User, utcnow
from assessor_app.hub.scoring import affiliations
from assessor_app.hub.scoring.allocation import AllocationRun, allocate, set_capacity
from assessor_app.hub.scoring.plan import PlanError, latest_rubric, plan_of, save_plan

COMMANDS = ("set-scoring", "scoring-plan", "set-affiliations", "set-capacity", "allocate")


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number")
    return value


def _whole(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return int(text)


def _rule(text: str) -> AdjudicationRule:
    try:
        return AdjudicationRule.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _affiliation(text: str) -> str:
    try:
        return affiliations.checked([text])[0]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_affiliation_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--affiliation",
        dest="affiliations",
        action="append",
        type=_affiliation,
        default=[],
        metavar="ID",
        help="an organisation or district the account belongs to (repeatable); the hub "
        "never gives it a submission with the same affiliation",
    )


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add the scoring commands to the ``assessor-hub`` subparsers ``sub``."""
    plan = sub.add_parser(
        "set-scoring",
        parents=[common],
        help="set a credential's scoring plan (second reads, adjudication, validity, backreads)",
        description="Options not given keep their value; prints the resulting plan.",
    )
    plan.add_argument("credential")
    plan.add_argument(
        "--second-read",
        type=_number,
        metavar="SHARE",
        help="share of production submissions read a second time, blind (0 to 1)",
    )
    plan.add_argument(
        "--second-read-near-cut",
        type=_number,
        metavar="POINTS",
        help="also read a second time every first read within POINTS of the pass line "
        "(minimum-points credentials; 0 turns it off)",
    )
    plan.add_argument(
        "--adjudicate-when",
        type=_rule,
        metavar="decision|distance:N|both",
        help="when two reads need an adjudicator: different decisions, a criterion more than "
        "N levels apart, or either (both, N = 1; both:N)",
    )
    plan.add_argument(
        "--validity-rate",
        type=_number,
        metavar="SHARE",
        help="share of work that is validity papers",
    )
    plan.add_argument(
        "--validity-window",
        type=_whole,
        metavar="K",
        help="judge an assessor over their last K validity papers",
    )
    plan.add_argument(
        "--backread-rate", type=_number, metavar="SHARE", help="share of decided sheets backread"
    )
    qualified = plan.add_mutually_exclusive_group()
    qualified.add_argument(
        "--require-qualified",
        dest="require_qualified",
        action="store_const",
        const=True,
        help="live reads go only to assessors qualified on this credential's calibration",
    )
    qualified.add_argument(
        "--any-assessor", dest="require_qualified", action="store_const", const=False
    )

    show = sub.add_parser(
        "scoring-plan", parents=[common], help="print a credential's scoring plan"
    )
    show.add_argument("credential")

    affiliated = sub.add_parser(
        "set-affiliations",
        parents=[common],
        help="replace an account's affiliations (none given: remove them all)",
    )
    affiliated.add_argument("username")
    add_affiliation_option(affiliated)

    capacity = sub.add_parser(
        "set-capacity",
        parents=[common],
        help="limit how many open assignments allocation gives an account",
    )
    capacity.add_argument("username")
    capacity.add_argument("capacity", type=_whole, nargs="?", metavar="N")
    capacity.add_argument("--unlimited", action="store_true", help="remove the limit")

    run = sub.add_parser(
        "allocate",
        parents=[common],
        help="give open work (first and second reads, adjudications, validity papers, "
        "backreads) to eligible accounts",
    )
    run.add_argument("--credential", metavar="CRED", help="only this credential's work")


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise HubAdminError(f"no account named {username!r}: add it with add-assessor")
    return user


def set_affiliations(admin: HubAdmin, username: str, wanted: Sequence[str]) -> list[str]:
    with admin.db.write() as session:
        user = _user(session, username)
        try:
            return affiliations.set_user_affiliations(session, user.id, wanted)
        except ValueError as exc:
            raise HubAdminError(str(exc)) from None


def _plan_lines(admin: HubAdmin, credential_id: str) -> list[str]:
    with admin.db.read() as session:
        if latest_rubric(session, credential_id) is None:
            raise HubAdminError(f"credential {credential_id!r} is not imported")
        return plan_of(session, credential_id).lines()


def _say_run(run: AllocationRun, say: Callable[[str], None]) -> None:
    for item in run.allocated:
        say(f"{item.assignment_id}  {item.submission_id}  {item.purpose}  -> {item.username}")
    given = len(run.allocated)
    say(
        f"Allocated {given} assignment{'s' if given != 1 else ''}; "
        f"{run.waiting} work item{' waits' if run.waiting == 1 else 's wait'} for an eligible "
        "reader."
    )


def run(args: argparse.Namespace, admin: HubAdmin, say: Callable[[str], None]) -> None:
    """Carry out one of ``COMMANDS``."""
    credential = printable(getattr(args, "credential", None) or "")
    match args.command:
        case "set-scoring":
            changes: dict[str, Any] = {
                name: value
                for name, value in (
                    ("second_read_share", args.second_read),
                    ("second_read_near_cut", args.second_read_near_cut),
                    ("adjudication", args.adjudicate_when),
                    ("validity_rate", args.validity_rate),
                    ("validity_window", args.validity_window),
                    ("backread_rate", args.backread_rate),
                    ("require_qualified", args.require_qualified),
                )
                if value is not None
            }
            try:
                with admin.db.write() as session:
                    save_plan(session, args.credential, utcnow(), **changes)
            except PlanError as exc:
                raise HubAdminError(str(exc)) from None
            say(f"Scoring plan of {credential}:")
            for line in _plan_lines(admin, args.credential):
                say(f"  {line}")
        case "scoring-plan":
            say(f"Scoring plan of {credential}:")
            for line in _plan_lines(admin, args.credential):
                say(f"  {line}")
        case "set-affiliations":
            kept = set_affiliations(admin, args.username, args.affiliations)
            say(f"{args.username}: affiliations {', '.join(kept) if kept else '(none)'}.")
        case "set-capacity":
            if (args.capacity is None) == (not args.unlimited):
                raise HubAdminError("give either N or --unlimited")
            with admin.db.write() as session:
                set_capacity(session, _user(session, args.username).id, args.capacity)
            limit = "no limit" if args.capacity is None else f"at most {args.capacity}"
            say(f"{args.username}: {limit} open assignments from allocation.")
        case "allocate":
            with admin.db.write() as session:
                result = allocate(session, utcnow(), args.credential)
            _say_run(result, say)
