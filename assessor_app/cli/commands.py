"""The ``assessor`` commands. Each takes the parsed arguments and a ``Console`` and
returns an exit code, or raises ``CliError`` (or a store, secrets or hub error that
``main`` turns into one clear message).

Commands that only read or edit score sheets (queue, show, score, finalize, reopen,
worksheet) open the profile's store and need neither the network nor the keyring; login,
sync and logout also open the profile's secrets.
"""

from __future__ import annotations

import getpass
import signal
import sys
import threading
from argparse import Namespace
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from assessor_app.cli.errors import CliError, ExitCode
from assessor_app.cli.output import (
    ProgressDisplay,
    indent,
    json_text,
    shorten,
    table,
    terminal_text,
)
from assessor_app.domain import (
    Artifact,
    Credential,
    Criterion,
    Decision,
    Level,
    RationaleRequirement,
    ScoreSheet,
    evaluate,
)
from assessor_app.domain.assignment_state import LocalState, OutboxState, ReviewState
from assessor_app.domain.citations import describe_citation, format_timecode
from assessor_app.domain.status_words import DECLINE_QUEUED, KIND_WORDS, due_text, status_word
from assessor_app.domain.wording import plural
from assessor_app.protocol.v1 import citation_to_wire
from assessor_app.services.account import (
    HUB_NOT_TOLD,
    SECRETS_FILE,
    ProfileSession,
    open_profile,
    sign_in,
    sign_out,
)
from assessor_app.services.notes import evidence_order
from assessor_app.services.queue import queue_rows, resolve_criterion, resolve_level
from assessor_app.services.scoring import (
    FeedbackQualityRefused,
    FinalizeRefused,
    FinalizeStopped,
    OpenedAssignment,
    ReopenRefused,
    ScoringService,
)
from assessor_app.services.scoring_ops import recalibration, recalibration_text
from assessor_app.services.worksheet import export_worksheet, import_worksheet
from assessor_app.store import (
    Profile,
    Store,
    last_profile,
    list_profiles,
    open_store,
    remember_last_profile,
)
from assessor_app.store.disk import DISK_FULL_MESSAGE
from assessor_app.store.paths import normalise_hub_url
from assessor_app.store.secrets import SecretStoreKind
from assessor_app.sync.engine import SyncEngine
from assessor_app.sync.errors import AuthExpired
from assessor_app.sync.progress import CancelToken, SyncReport

WORKSHEET_HELP = """\
The offline grading worksheet: one CSV row per criterion of each sheet you can edit, plus
one feedback row per assignment (criterion_id empty). Edit the level, rationale and
feedback columns in any spreadsheet, save as CSV (UTF-8), and import it. Rows whose sheet
was edited or finalized since the export are refused and listed, never overwritten."""

OUTBOX_WORDS: dict[OutboxState, str] = {
    OutboxState.QUEUED: "Queued for upload",
    OutboxState.UPLOADING: "Uploading",
    OutboxState.RETRY_WAIT: "Queued for upload (will retry)",
    OutboxState.UPLOADED: "Uploaded",
    OutboxState.CONFLICT: "Needs attention",
    OutboxState.WITHDRAWN: "Withdrawn by reopening",
}


@dataclass
class Console:
    """Where a command reads and writes; ``main`` binds it to the process's streams."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO
    _stdin_lines: list[str] = field(default_factory=list)

    def out(self, text: str = "") -> None:
        self.stdout.write(terminal_text(text) + "\n")

    def err(self, text: str) -> None:
        self.stderr.write(terminal_text(text) + "\n")

    def stdin_line(self, what: str) -> str:
        """The next line of standard input, without its line end (secrets keep their
        spaces)."""
        line = self.stdin.readline()
        if not line:
            raise CliError(
                ExitCode.USAGE,
                f"Expected the {what} on standard input (one per line), but it ended.",
            )
        return line.rstrip("\r\n")

    def secret(self, prompt: str) -> str:
        # getpass reads from the terminal, not stdin, so piped input cannot be echoed.
        return getpass.getpass(prompt, stream=self.stderr)


# -- profiles ----------------------------------------------------------------------------


def _parse_profile(text: str) -> tuple[str, str]:
    url, sep, user = text.partition("@")
    if not sep or not user.strip():
        raise CliError(
            ExitCode.USAGE,
            f"--profile takes HUB_URL@USER (for example https://hub.example.org@ann), "
            f"not {text!r}.",
        )
    try:
        return normalise_hub_url(url), user.strip()
    except ValueError as exc:
        raise CliError(ExitCode.USAGE, f"--profile: {exc}.") from None


def _find_profile(hub_url: str, username: str) -> Profile | None:
    return next(
        (p for p in list_profiles() if (p.hub_url, p.username) == (hub_url, username)), None
    )


def choose_profile(args: Namespace) -> Profile:
    """The ``--profile`` one, else the last used, else the only one there is."""
    if args.profile:
        url, user = _parse_profile(args.profile)
        found = _find_profile(url, user)
        if found is None:
            raise CliError(
                ExitCode.SIGN_IN,
                f"There is no profile for {user} at {url} on this computer. Sign in first: "
                f"assessor login {url} --user {user}",
            )
        remember_last_profile(found)
        return found
    found = last_profile()
    if found is not None:
        return found
    profiles = list_profiles()
    if len(profiles) == 1:
        return profiles[0]
    if not profiles:
        raise CliError(
            ExitCode.SIGN_IN,
            "You are not signed in on this computer. Sign in first: "
            "assessor login HUB_URL --user NAME",
        )
    raise CliError(
        ExitCode.USAGE,
        "There are several profiles on this computer; choose one with --profile:",
        [f"  --profile {p.hub_url}@{p.username}" for p in profiles],
    )


@contextmanager
def profile_store(args: Namespace) -> Iterator[tuple[Profile, Store]]:
    profile = choose_profile(args)
    store = open_store(profile)
    try:
        yield profile, store
    finally:
        store.close()


def _secret_kind(profile: Profile) -> SecretStoreKind | None:
    with open_store(profile) as store:
        return store.settings.secret_store_kind()


def _passphrase(args: Namespace, console: Console, *, new: bool) -> str:
    if args.passphrase_stdin:
        passphrase = console.stdin_line("passphrase")
    else:
        passphrase = console.secret("Passphrase for this profile's secrets file: ")
        if new and console.secret("Type the passphrase again: ") != passphrase:
            raise CliError(ExitCode.USAGE, "The two passphrases differ; nothing was changed.")
    if not passphrase:
        raise CliError(ExitCode.USAGE, "The passphrase must not be empty.")
    return passphrase


@contextmanager
def profile_session(args: Namespace, console: Console) -> Iterator[ProfileSession]:
    """The chosen profile with its secrets open (asking for the passphrase if it uses a
    passphrase file)."""
    profile = choose_profile(args)
    passphrase = None
    if _secret_kind(profile) == "passphrase-file":
        passphrase = _passphrase(args, console, new=False)
    session = open_profile(profile, passphrase=passphrase)
    try:
        yield session
    finally:
        session.close()


# -- login / logout ----------------------------------------------------------------------


def cmd_login(args: Namespace, console: Console) -> int:
    try:
        url = normalise_hub_url(args.url)
    except ValueError as exc:
        raise CliError(ExitCode.USAGE, f"{exc}.") from None
    user = args.user.strip()
    existing = _find_profile(url, user)
    current = _secret_kind(existing) if existing else None
    kind: SecretStoreKind = args.secret_store or current or "keyring"
    if current and kind != current:
        raise CliError(
            ExitCode.USAGE,
            f"This profile keeps its secrets in {current!r}; switching to {kind!r} would "
            "make the evidence already downloaded unreadable. Nothing was changed.",
        )
    if args.password_stdin:
        password = console.stdin_line("password")
    else:
        password = console.secret(f"Password for {user} at {url}: ")
    passphrase = None
    if kind == "passphrase-file":
        new = existing is None or not (existing.directory / SECRETS_FILE).exists()
        passphrase = _passphrase(args, console, new=new)
    ca_bundle: Path | None = args.ca_bundle
    if ca_bundle is not None and not ca_bundle.is_file():
        raise CliError(
            ExitCode.USAGE,
            f"The CA bundle {ca_bundle} does not exist or is not a file. Nothing was changed.",
        )
    try:
        session = sign_in(
            args.url,
            user,
            password,
            secret_kind=kind,
            passphrase=passphrase,
            ca_bundle=ca_bundle.resolve() if ca_bundle else None,
        )
    except AuthExpired:
        raise CliError(
            ExitCode.SIGN_IN,
            f"The hub did not accept the user name and password for {user}. Nothing was "
            "changed; check them and try again.",
        ) from None
    except ValueError as exc:
        raise CliError(ExitCode.USAGE, f"{exc}.") from None
    try:
        where = (
            "the system keyring (service assessor-app)"
            if kind == "keyring"
            else "this profile's passphrase-protected secrets file"
        )
        console.out(f"Signed in to {session.profile.hub_url} as {user}.")
        console.out(f"Your sign-in is kept in {where}. Next: assessor sync")
    finally:
        session.close()
    return ExitCode.OK


def cmd_logout(args: Namespace, console: Console) -> int:
    with profile_session(args, console) as session:
        revoked = sign_out(session)
        pending = session.store.outbox.pending_count()
        profile = session.profile
    console.out(f"Signed out of {profile.hub_url} as {profile.username}.")
    if not revoked:
        console.out(HUB_NOT_TOLD)
    kept = "Your scores and decisions stay on this computer"
    if pending:
        kept += (
            f", with {plural(pending, 'decision')} queued for upload: sign in again to send them"
        )
    console.out(kept + ".")
    return ExitCode.OK


# -- sync --------------------------------------------------------------------------------


def _run_engine(engine: SyncEngine, down: bool, up: bool, console: Console) -> SyncReport:
    """Run the sync on a worker thread. The first Ctrl+C or SIGTERM cancels it: the sync
    notices within a fraction of a second wherever it is waiting, keeps what it has and
    ends; every thread it started is joined before it returns. A second signal changes
    nothing: the end is already that near, and stopping harder could only lose work."""
    result: list[SyncReport] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            result.append(engine.run(down=down, up=up))
        except BaseException as exc:
            failure.append(exc)

    def cancel(_signum: int, _frame: object) -> None:
        if not engine.cancel.cancelled:
            engine.cancel.cancel()
            console.err("\nCancelling…")

    thread = threading.Thread(target=work, name="sync")
    watched = (signal.SIGINT, signal.SIGTERM)
    # Handlers can only be set from the main thread (an embedding caller may not be).
    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, cancel) for sig in watched} if in_main else {}
    try:
        thread.start()
        # The kernel may deliver a signal to any thread; Python runs the handler only when
        # the main thread is back in the interpreter, which an endless join() never is.
        while thread.is_alive():
            thread.join(0.1)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failure:
        raise failure[0]
    return result[0]


def cmd_sync(args: Namespace, console: Console) -> int:
    down, up = not args.up_only, not args.down_only
    with profile_session(args, console) as session:
        client = session.client()
        tty = bool(getattr(console.stderr, "isatty", lambda: False)())
        display = ProgressDisplay(console.stderr, tty=tty)
        try:
            engine = SyncEngine(
                session.store,
                session.vault,
                client,
                client_factory=session.client,
                progress=display,
                cancel=CancelToken(),
            )
            report = _run_engine(engine, down, up, console)
        finally:
            display.finish()
            client.close()
        conflicts = [
            row.assignment_id
            for row in queue_rows(session.store)
            if row.local_state is LocalState.CONFLICT
        ]
        profile = session.profile
    console.out(report.summary())
    for problem in report.problems:
        if problem != DISK_FULL_MESSAGE:  # it ends the output below
            console.err(f"  - {problem}")
    if report.sign_in_required:
        raise CliError(
            ExitCode.SIGN_IN,
            f"The hub asks you to sign in again: assessor login {profile.hub_url} --user "
            f"{profile.username}. Your work is kept on this computer.",
        )
    if report.disk_full:
        raise CliError(ExitCode.UNREACHABLE, DISK_FULL_MESSAGE)
    if report.cancelled:
        console.err("Sync cancelled. Everything finished so far is kept; sync again to go on.")
        return ExitCode.INTERRUPTED
    if conflicts:
        raise CliError(
            ExitCode.CONFLICTS,
            "The hub refused these decisions; they are kept here as “Needs attention”. "
            "Look at them with `assessor show ID`, then reopen and finalize again, or "
            "ask your hub administrator:",
            [f"  {assignment_id}" for assignment_id in conflicts],
        )
    if report.problems:
        raise CliError(
            ExitCode.UNREACHABLE,
            "The sync did not finish everything (the problems are listed above). Your work "
            "is kept on this computer; sync again later.",
        )
    return ExitCode.OK


# -- queue / show ------------------------------------------------------------------------


def cmd_queue(args: Namespace, console: Console) -> int:
    now = datetime.now(UTC)
    with profile_store(args) as (_profile, store):
        rows = queue_rows(store)
        notice = recalibration_text(recalibration(store))
    if args.json:
        items = [
            {
                "id": r.assignment_id,
                "credential": r.credential_title,
                "educator": r.educator_pseudonym,
                "attempt": r.attempt,
                "kind": r.kind.value,
                "state": r.local_state.value,
                "status": DECLINE_QUEUED.word
                if r.decline_pending
                else status_word(r.state, r.download_percent),
                "revoked": r.revoked,
                "due_at": r.due_at.isoformat() if r.due_at else None,
                "due": due_text(r.due_at, now),
                **_review_fields(r.review, r.review_comment),
            }
            for r in rows
        ]
        console.out(json_text(items))
        return ExitCode.OK
    if not rows:
        console.out("Your queue is empty. Run `assessor sync` to fetch new assignments.")
        if notice:
            console.out(terminal_text(notice))
        return ExitCode.OK
    console.out(
        table(
            ["ID", "CREDENTIAL", "EDUCATOR", "ATTEMPT", "KIND", "STATUS", "DUE"],
            [
                [
                    r.assignment_id,
                    shorten(r.credential_title or "(not downloaded)", 40),
                    r.educator_pseudonym or "-",
                    str(r.attempt) if r.attempt else "-",
                    KIND_WORDS[r.kind],
                    DECLINE_QUEUED.word
                    if r.decline_pending
                    else status_word(r.state, r.download_percent),
                    due_text(r.due_at, now),
                ]
                for r in rows
            ],
        )
    )
    for r in rows:
        comment = r.review_comment
        if comment:
            console.out(indent(comment, f"Reviewer’s comment on {r.assignment_id}: "))
    if notice:
        console.out(terminal_text(notice))
    return ExitCode.OK


def _review_fields(review: ReviewState | None, comment: str | None) -> dict[str, str]:
    # Present only when the hub's review has something to say, so the JSON of every other
    # assignment stays as scripts already read it.
    fields = {} if review is None else {"review": review.value}
    if comment:
        fields["review_comment"] = comment
    return fields


def _points(level: Level) -> str:
    return f"{level.points:g} pt" + ("" if level.points == 1 else "s")


def _show_rubric(
    console: Console, credential: Credential, sheet: ScoreSheet, artifacts: Sequence[Artifact]
) -> None:
    by_id = {a.id: a for a in artifacts}
    for number, criterion in enumerate(credential.rubric.criteria, start=1):
        required = criterion.rationale is RationaleRequirement.REQUIRED
        note = " (rationale required)" if required else ""
        console.out(f"{number}. {criterion.title} [{criterion.id}]{note}")
        score = sheet.score(criterion.id)
        for index, level in enumerate(criterion.levels, start=1):
            mark = ">" if level.id == score.level_id else " "
            meets = ", meets" if level.meets else ""
            head = f"  {mark} {index} {level.label} [{level.id}] ({_points(level)}{meets}): "
            console.out(indent(shorten(level.descriptor, 200), head))
        if score.rationale.strip():
            console.out(indent(score.rationale, "    Rationale: "))
        for citation in score.citations:
            console.out(indent(describe_citation(citation, by_id), "    Evidence: "))
        console.out()


def _show_notes(console: Console, opened: OpenedAssignment) -> None:
    if not opened.notes:
        return
    names = {a.id: a.display_name for a in opened.submission.artifacts}
    titles = {c.id: c.title for c in opened.credential.rubric.criteria}
    console.out("Your notes (only those marked shared reach the educator's report):")
    for entry in evidence_order(opened.submission.artifacts, opened.notes, ()):
        note = entry.note
        assert note is not None
        where = f"{format_timecode(note.time_ms)} {names.get(note.artifact_id, note.artifact_id)}"
        extras = [titles.get(note.criterion_id, note.criterion_id)] if note.criterion_id else []
        if note.shared:
            extras.append("shared with the educator")
        tail = f" ({'; '.join(extras)})" if extras else ""
        console.out(indent(f"{note.text}{tail}", f"  {where}: "))


def show_json(opened: OpenedAssignment) -> dict[str, object]:
    """The sheet for scripts; its keys are listed in the README and kept stable."""
    a, sub, cred, sheet = opened.assignment, opened.submission, opened.credential, opened.sheet
    evaluation = evaluate(sheet, cred.rubric)
    criteria = []
    for criterion in cred.rubric.criteria:
        score = sheet.score(criterion.id)
        level = criterion.level(score.level_id) if score.level_id else None
        criteria.append(
            {
                "id": criterion.id,
                "title": criterion.title,
                "level": level.id if level else None,
                "level_label": level.label if level else None,
                "rationale": score.rationale,
                "citations": [citation_to_wire(c).model_dump(mode="json") for c in score.citations],
            }
        )
    notes = [
        {
            "id": e.note.id,
            "artifact_id": e.note.artifact_id,
            "time_ms": e.note.time_ms,
            "text": e.note.text,
            "criterion_id": e.note.criterion_id,
            "shared": e.note.shared,
        }
        for e in evidence_order(sub.artifacts, opened.notes, ())
        if e.note is not None
    ]
    return {
        "id": a.id,
        "credential_id": cred.id,
        "credential": cred.title,
        "educator": sub.educator_pseudonym,
        "attempt": sub.attempt,
        "kind": a.kind.value,
        "state": opened.state.value,
        "status": status_word(opened.state, review=opened.review),
        "revoked": opened.revoked,
        **_review_fields(opened.review, opened.review_comment),
        "artifacts": [
            {"id": art.id, "name": art.display_name, "media_type": art.media_type}
            for art in sub.artifacts
        ],
        "criteria": criteria,
        "feedback": sheet.feedback,
        "private_note": sheet.private_note,
        "override": sheet.override.value if sheet.override is not None else None,
        "override_reason": sheet.override_reason,
        "decision": evaluation.decision.value if evaluation.decision is not None else None,
        "problems": [p.message for p in evaluation.problems],
        "notes": notes,
    }


def cmd_show(args: Namespace, console: Console) -> int:
    now = datetime.now(UTC)
    with profile_store(args) as (_profile, store):
        opened = ScoringService(store).open(args.id)
        recorded = store.decisions.latest(args.id)
        entries = store.outbox.entries(args.id)
        downloads = store.submissions.downloads(opened.submission.id)
    if args.json:
        console.out(json_text(show_json(opened)))
        return ExitCode.OK
    a, sub, cred, sheet = opened.assignment, opened.submission, opened.credential, opened.sheet
    console.out(
        f"{a.id} · {cred.title} · educator {sub.educator_pseudonym} · attempt {sub.attempt} "
        f"({a.kind.value})"
    )
    console.out(
        f"Status: {status_word(opened.state, review=opened.review)} · {due_text(a.due_at, now)}"
    )
    if opened.review_comment:
        console.out(indent(opened.review_comment, "Reviewer’s comment: "))
    verified = sum(1 for d in downloads if d.state.value == "verified")
    console.out(f"Evidence: {verified} of {plural(len(downloads), 'file')} downloaded")
    for d in downloads:
        console.out(f"  - {shorten(d.artifact.display_name, 60)} ({d.artifact.media_type})")
    if sub.change_note.strip():
        console.out(indent(sub.change_note, "What changed in this attempt: "))
    console.out()
    _show_rubric(console, cred, sheet, opened.submission.artifacts)
    console.out(indent(sheet.feedback or "(none yet)", "Feedback to the educator: "))
    if sheet.private_note.strip():
        console.out(indent(sheet.private_note, "Private note to the hub: "))
    _show_notes(console, opened)
    if sheet.override is not None:
        reason = sheet.override_reason or "(no reason given)"
        console.out(indent(reason, f"Your decision: {sheet.override.label}. Reason: "))
    evaluation = evaluate(sheet, cred.rubric)
    if evaluation.decision is not None:
        console.out(
            f"Decision so far: {evaluation.decision.label} "
            f"({evaluation.total_points:g} of {cred.rubric.max_points:g} points)"
        )
    if evaluation.problems:
        console.out("To do before finalizing:")
        for problem in evaluation.problems:
            console.out(f"  - {problem.message}")
    if recorded is not None:
        state = entries[-1].state if entries else None
        words = OUTBOX_WORDS.get(state, "") if state else ""
        returned = opened.review is ReviewState.RETURNED_FOR_REVISION
        if returned:
            words = f"{words}, then returned by the reviewer"
        console.out(
            f"{'Earlier' if returned else 'Recorded'} decision: {recorded.decision.label}, "
            f"finalized {recorded.finalized_at:%Y-%m-%d %H:%M} UTC · {words}"
        )
        if state == OutboxState.CONFLICT and entries[-1].last_error:
            console.out(indent(entries[-1].last_error, "  The hub said: "))
    for attempt in sub.previous_attempts:
        console.out()
        console.out(f"Earlier attempt {attempt.attempt}: {attempt.decision.label}")
        for criterion_id, level_id in attempt.criteria.items():
            console.out(f"  {criterion_id}: {level_id}")
        console.out(indent(attempt.feedback or "(no feedback)", "  Feedback: "))
    return ExitCode.OK


# -- score / finalize / reopen -----------------------------------------------------------


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise CliError(ExitCode.USAGE, f"{option} takes CRITERION=VALUE, not {value!r}.")
        pairs.append((key.strip(), rest))
    return pairs


def _editable(opened: OpenedAssignment) -> None:
    if opened.read_only:
        word = status_word(opened.state)
        hint = (
            "The hub withdrew it."
            if opened.revoked
            else f"Reopen it to edit: assessor reopen {opened.assignment.id}"
        )
        raise CliError(
            ExitCode.USAGE, f"{opened.assignment.id} is “{word}” and cannot be edited. {hint}"
        )


def _problems_text(sheet: ScoreSheet, credential: Credential) -> list[str]:
    return [f"  - {p.message}" for p in evaluate(sheet, credential.rubric).problems]


def cmd_score(args: Namespace, console: Console) -> int:
    levels = _pairs(args.level, "--level")
    rationales = _pairs(args.rationale, "--rationale")
    if not (levels or rationales or args.feedback is not None or args.private_note is not None):
        raise CliError(
            ExitCode.USAGE,
            "Nothing to save: give --level, --rationale, --feedback or --private-note.",
        )
    with profile_store(args) as (_profile, store):
        scoring = ScoringService(store)
        opened = scoring.open(args.id)
        _editable(opened)
        rubric = opened.credential.rubric
        # Everything is checked before anything is saved, so a typo changes nothing.
        chosen: list[tuple[Criterion, Level]] = []
        for key, value in levels:
            criterion = resolve_criterion(rubric, key)
            chosen.append((criterion, resolve_level(criterion, value)))
        texts = [(resolve_criterion(rubric, key), text) for key, text in rationales]
        for criterion, level in chosen:
            scoring.set_level(args.id, criterion.id, level.id)
            console.out(f"Saved {criterion.id}: {level.label} [{level.id}]")
        for criterion, text in texts:
            scoring.set_rationale(args.id, criterion.id, text)
            console.out(f"Saved the rationale of {criterion.id}")
        if args.feedback is not None:
            scoring.set_feedback(args.id, args.feedback)
            console.out("Saved the feedback to the educator")
        if args.private_note is not None:
            scoring.set_private_note(args.id, args.private_note)
            console.out("Saved the private note")
        sheet = store.sheets.load_sheet(args.id)
    evaluation = evaluate(sheet, opened.credential.rubric)
    if evaluation.problems:
        console.out("To do before finalizing:")
        for line in _problems_text(sheet, opened.credential):
            console.out(line)
    elif evaluation.decision is not None:
        console.out(
            f"Ready to finalize: {evaluation.decision.label}. Run: assessor finalize {args.id}"
        )
    return ExitCode.OK


def cmd_finalize(args: Namespace, console: Console) -> int:
    wanted = args.decision
    decision = wanted if wanted in (None, "auto") else Decision(wanted)
    with profile_store(args) as (_profile, store):
        scoring = ScoringService(store)
        _editable(scoring.open(args.id))
        try:
            done = scoring.finalize(
                args.id,
                decision=decision,
                reason=args.reason or "",
                quality_override_reason=args.accept_feedback_warnings,
            )
        except FeedbackQualityRefused as refused:
            raise CliError(
                ExitCode.FINALIZE_REFUSED,
                f"{args.id} was not finalized: the feedback check found problems; nothing was "
                "recorded.",
                [f"  - {f.message}" for f in refused.check.feedback_findings]
                + [
                    f"Improve the feedback (assessor score {args.id} --feedback TEXT), or "
                    "finalize anyway with --accept-feedback-warnings REASON."
                ],
            ) from None
        except FinalizeStopped as stopped:
            raise CliError(ExitCode.FINALIZE_REFUSED, f"{args.id}: {stopped}") from None
        except FinalizeRefused as refused:
            raise CliError(
                ExitCode.FINALIZE_REFUSED,
                f"{args.id} cannot be finalized yet; nothing was recorded. To do:",
                [f"  - {p.message}" for p in refused.check.evaluation.problems]
                or ["  - Every criterion needs a level."],
            ) from None
    if args.reason and not done.overridden:
        console.err(
            "Note: --reason is kept only with a decision other than the rubric's result; "
            "it was not used."
        )
    if done.overridden and done.computed is not None:
        how = f"your decision; the rubric's result was {done.computed.label}"
    elif done.overridden:
        how = "your decision"
    else:
        how = "the rubric's result"
    console.out(f"Recorded {done.decision.label} ({how}) for {args.id}.")
    if done.feedback_findings:
        console.out(
            f"Finalized over {plural(len(done.feedback_findings), 'feedback finding')}; your "
            "reason is kept with the decision on this computer."
        )
    console.out(f"Status: {status_word(LocalState.FINALIZED)}. Run `assessor sync` to send it.")
    return ExitCode.OK


def cmd_reopen(args: Namespace, console: Console) -> int:
    with profile_store(args) as (_profile, store):
        try:
            ScoringService(store).reopen(args.id)
        except ReopenRefused as refused:
            raise CliError(ExitCode.USAGE, f"{args.id} was not reopened. {refused}") from None
    console.out(
        f"Reopened {args.id}: its queued upload was withdrawn and the sheet can be edited "
        f"again ({status_word(LocalState.IN_PROGRESS)})."
    )
    return ExitCode.OK


# -- worksheet ---------------------------------------------------------------------------


def cmd_worksheet_export(args: Namespace, console: Console) -> int:
    path = Path(args.file)
    with profile_store(args) as (_profile, store):
        report = export_worksheet(store, path)
    if report.assignments == 0:
        console.out(f"Wrote {path} with no rows: nothing in your queue can be scored right now.")
        return ExitCode.OK
    console.out(
        f"Wrote {plural(report.rows, 'row')} for {plural(report.assignments, 'assignment')} "
        f"to {path}. Fill in the level, rationale and feedback columns, then: "
        f"assessor worksheet import {path}"
    )
    return ExitCode.OK


def cmd_worksheet_import(args: Namespace, console: Console) -> int:
    with profile_store(args) as (_profile, store):
        report = import_worksheet(store, Path(args.file))
    for change in report.applied:
        target = change.criterion_id or "feedback"
        console.out(
            f"row {change.row}: saved {', '.join(change.changed)} of {change.assignment_id} "
            f"({target})"
        )
    console.out(
        f"{plural(len(report.applied), 'row')} applied, {report.unchanged} unchanged, "
        f"{len(report.refused)} refused."
    )
    if report.refused:
        raise CliError(
            ExitCode.ROWS_REFUSED,
            "These rows were refused and nothing in them was saved:",
            [f"  {refusal.describe()}" for refusal in report.refused],
        )
    return ExitCode.OK


def bind_console() -> Console:
    return Console(sys.stdout, sys.stderr, sys.stdin)
