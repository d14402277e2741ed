"""``assessor-hub``: run the hub server and administer it.

    assessor-hub [--data-dir DIR] serve [--host 127.0.0.1] [--port 8765] [--db URL]
                 [--storage DIR|s3://BUCKET/PREFIX] [--s3-endpoint URL]
                 [--serve-artifacts redirect|proxy] [--token-ttl-hours H]
                 [--forwarded-allow-ips ADDR,...] [--proof rs256|eddsa]
                 [--metrics-token-file FILE] [--docs] [--allocate-every SECONDS]
                 [--workers N] [--threads N]
    assessor-hub add-assessor USERNAME [--display-name NAME] [--role ROLE ...]
                 [--affiliation ID ...] [--password-stdin]
    assessor-hub set-password USERNAME [--password-stdin]
    assessor-hub revoke-tokens USERNAME
    assessor-hub import-credential FILE
    assessor-hub import-submission DIR
    assessor-hub assign SUBMISSION USERNAME [--kind production|calibration] [--due YYYY-MM-DD]
    assessor-hub revoke ASSIGNMENT
    assessor-hub export-decisions --csv FILE
    assessor-hub seed-demo
    assessor-hub set-qualification CREDENTIAL [--exact SHARE] [--adjacent SHARE]
                 [--max-distance N] [--same-decision | --any-decision]
    assessor-hub calibration-session --title T --credential C --submission S [...]
                 --participant U [...] --facilitator F
    assessor-hub set-workflow CREDENTIAL [--review | --no-review] [--coaching-after N]
                 [--show-assessor-name | --hide-assessor-name]
    assessor-hub review list | approve ASSIGNMENT --reviewer USER [--comment TEXT]
                 | return ASSIGNMENT --reviewer USER --comment TEXT
    assessor-hub resubmit SUBMISSION DIR --note TEXT
    assessor-hub coaching [--all]
    assessor-hub verify FILE... [--jwks FILE] [--issuer URL]
    assessor-hub revoke-credential ID --reason TEXT
    assessor-hub import-pathway FILE
    assessor-hub pathways [--educator PSEUDONYM]
    assessor-hub set-scoring CRED [--second-read SHARE] [--second-read-near-cut POINTS]
                 [--adjudicate-when decision|distance:N|both] [--validity-rate SHARE]
                 [--validity-window K] [--backread-rate SHARE] [--require-qualified]
    assessor-hub scoring-plan CRED
    assessor-hub set-affiliations USERNAME [--affiliation ID ...]
    assessor-hub set-capacity USERNAME N | --unlimited
    assessor-hub allocate [--credential CRED]

Every command also takes ``--db URL``, ``--storage DIR|s3://BUCKET/PREFIX`` and
``--s3-endpoint URL``. Errors print one message and
exit non-zero.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import ipaddress
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TypedDict
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from assessor_app.hub.admin import EXPORT_COLUMNS, ROLES, HubAdmin, HubAdminError
from assessor_app.hub.badges import commands as badge_commands
from assessor_app.hub.badges.issue import BadgeIssuer
from assessor_app.hub.badges.issuer_url import (
    ISSUER_URL_ENV,
    listening_url,
    pin_issuer_url,
    pinned_path,
)
from assessor_app.hub.badges.signing import DEFAULT_PROOF, IssuerKeyError, ProofFormat
from assessor_app.hub.calibration import admin as calibration_admin
from assessor_app.hub.config import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_THREADS,
    DEFAULT_TOKEN_TTL,
    MAX_THREADS,
    MULTIPROCESS_ENV,
    HubSettings,
    ServeArtifacts,
)
from assessor_app.hub.db import Database
from assessor_app.hub.migrate import upgrade_database
from assessor_app.hub.numbers import parse_number
from assessor_app.hub.pathways import commands as pathway_commands
from assessor_app.hub.scoring import commands as scoring_commands
from assessor_app.hub.scoring import flow_commands
from assessor_app.hub.scoring.allocation import AllocationJob
from assessor_app.hub.storage import S3Location, StorageUnavailable, StorageUrlError
from assessor_app.hub.workflow import commands as workflow_commands
from assessor_app.protocol.calibration import QualificationRules

DB_ENV = "ASSESSOR_HUB_DB"
DEFAULT_ALLOCATION_SECONDS = 60.0
MIN_PASSWORD = 8
# Far more than a machine has cores: a typo such as 80 for 8 should not start 80 processes.
MAX_WORKERS = 64


class CliError(Exception):
    """A message for the person at the terminal; exit status 1."""


def _due(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2025-03-31") from None


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share between 0 and 1, like 0.8")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value >= 0 and value < math.inf):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return value


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of hours")
    return value


def _body_bytes(text: str) -> int:
    value = parse_number(text)
    if value is None or value < 1024:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of bytes of at least 1024")
    return value


def _count_of(what: str, maximum: int) -> Callable[[str], int]:
    """An option's parser for a count from 1 to ``maximum`` (the hub's number rule)."""

    def parse(text: str) -> int:
        count = parse_number(text, maximum) or 0
        if count < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} from 1 to {maximum}")
        return count

    return parse


_threads = _count_of("a number of requests at once", MAX_THREADS)
_workers = _count_of("a worker count", MAX_WORKERS)


def _proxy_addresses(text: str) -> list[str]:
    """Checked here: uvicorn would take a mistyped address as a name that never matches."""
    proxies = [part.strip() for part in text.split(",") if part.strip()]
    for proxy in proxies:
        if proxy == "*":
            continue
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{proxy!r} is not an IP address or network (like 10.0.0.5 or 10.0.0.0/24) or *"
            ) from None
    return proxies


def _storage(text: str) -> Path | S3Location:
    if not text.startswith("s3:"):
        return Path(text)
    try:
        return S3Location.parse(text)
    except StorageUrlError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _endpoint(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise argparse.ArgumentTypeError(f"{text!r} is not a URL like https://host:9000")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="assessor-hub", description="Run and administer an Assessor hub."
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="hub data folder (default: $ASSESSOR_HUB_HOME or the platform's data folder)",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        default=os.environ.get(DB_ENV),
        help=f"database URL, e.g. postgresql+psycopg://user@host/db (default: ${DB_ENV} or "
        "a SQLite file in the data folder)",
    )
    common.add_argument(
        "--storage",
        type=_storage,
        metavar="DIR|s3://BUCKET/PREFIX",
        help="artifact folder, or an S3-compatible bucket and prefix (default: "
        "DATA_DIR/artifacts); the bucket's region and credentials come from the AWS "
        "environment variables and config files",
    )
    common.add_argument(
        "--s3-endpoint",
        metavar="URL",
        type=_endpoint,
        help="the S3-compatible server's URL when it is not AWS, e.g. https://minio.internal:9000 "
        "(default: $AWS_ENDPOINT_URL or AWS itself)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the hub server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--token-ttl-hours",
        type=_hours,
        default=DEFAULT_TOKEN_TTL.total_seconds() / 3600,
        help="lifetime of access tokens (default: 12)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=_body_bytes,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"largest request body accepted; larger ones get 413 (default: "
        f"{DEFAULT_MAX_BODY_BYTES})",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="ADDRESSES",
        type=_proxy_addresses,
        default=[],
        help="comma-separated addresses or networks of reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed, or * for any (default: none, so the peer "
        "address is the client)",
    )
    serve.add_argument(
        "--proof",
        type=ProofFormat,
        choices=list(ProofFormat),
        default=DEFAULT_PROOF,
        help="how credentials are signed: rs256 (default; the VC-JWT proof Open Badges 3.0 "
        "conformance accepts) or eddsa (Ed25519)",
    )
    serve.add_argument(
        "--serve-artifacts",
        type=ServeArtifacts,
        choices=list(ServeArtifacts),
        default=ServeArtifacts.REDIRECT,
        help="with s3:// storage: redirect clients to a short-lived presigned URL (default), "
        "or proxy the bytes through the hub for a storage the clients cannot reach",
    )
    serve.add_argument(
        "--metrics-token-file",
        type=Path,
        metavar="FILE",
        help="serve Prometheus metrics at /metrics to a scraper that sends this file's "
        "token as Authorization: Bearer (default: /metrics is off)",
    )
    serve.add_argument(
        "--docs",
        action="store_true",
        help="serve the interactive API documentation at /docs (assets from the hub itself)",
    )
    serve.add_argument(
        "--allocate-every",
        type=_seconds,
        default=DEFAULT_ALLOCATION_SECONDS,
        metavar="SECONDS",
        help="give open work to eligible accounts every SECONDS (default: "
        f"{DEFAULT_ALLOCATION_SECONDS:g}; 0 turns it off: then run `allocate` yourself)",
    )
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        metavar="N",
        help="worker processes serving requests (default: 1); more than one needs a "
        "PostgreSQL --db",
    )
    serve.add_argument(
        "--threads",
        type=_threads,
        default=DEFAULT_THREADS,
        metavar="N",
        help=f"requests each worker works on at once, each with a database connection "
        f"(default: {DEFAULT_THREADS}); PostgreSQL needs max_connections above "
        "hubs x workers x (N + 4)",
    )
    serve.add_argument(
        "--allow-demo-accounts-on-network",
        action="store_true",
        help="serve on a non-loopback address even though demo accounts (password 'demo') exist",
    )

    add = sub.add_parser("add-assessor", parents=[common], help="create an account")
    add.add_argument("username")
    add.add_argument("--display-name")
    add.add_argument(
        "--role",
        dest="roles",
        action="append",
        choices=ROLES,
        help="repeat for several roles (default: assessor)",
    )
    scoring_commands.add_affiliation_option(add)
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    passwd = sub.add_parser(
        "set-password",
        parents=[common],
        help="change an account's password (revokes all its tokens)",
    )
    passwd.add_argument("username")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )

    revoke_tokens = sub.add_parser(
        "revoke-tokens", parents=[common], help="sign an account out everywhere"
    )
    revoke_tokens.add_argument("username")

    cred = sub.add_parser("import-credential", parents=[common], help="import a credential file")
    cred.add_argument("file", type=Path)

    subm = sub.add_parser("import-submission", parents=[common], help="import a submission folder")
    subm.add_argument("folder", type=Path)

    assign = sub.add_parser("assign", parents=[common], help="assign a submission to an assessor")
    assign.add_argument("submission")
    assign.add_argument("username")
    assign.add_argument("--kind", choices=("production", "calibration"), default="production")
    assign.add_argument("--due", type=_due, metavar="YYYY-MM-DD")

    revoke = sub.add_parser("revoke", parents=[common], help="withdraw an assignment")
    revoke.add_argument("assignment")

    export = sub.add_parser(
        "export-decisions",
        parents=[common],
        help="write recorded decisions to CSV",
        description="Columns: " + ", ".join(EXPORT_COLUMNS),
    )
    export.add_argument("--csv", type=Path, required=True, metavar="FILE")

    sub.add_parser("seed-demo", parents=[common], help="load demo credentials and submissions")

    defaults = QualificationRules()
    qualify = sub.add_parser(
        "set-qualification",
        parents=[common],
        help="set the calibration qualification rules of a credential",
    )
    qualify.add_argument("credential")
    qualify.add_argument(
        "--exact",
        type=_share,
        default=defaults.exact_share,
        metavar="SHARE",
        help=f"least share of keyed criteria scored exactly (default {defaults.exact_share})",
    )
    qualify.add_argument(
        "--adjacent",
        type=_share,
        default=defaults.adjacent_share,
        metavar="SHARE",
        help=f"least share scored exactly or one level off (default {defaults.adjacent_share})",
    )
    qualify.add_argument(
        "--max-distance",
        type=int,
        choices=range(0, 21),
        default=defaults.max_distance,
        metavar="N",
        help=f"no criterion more than N levels off (default {defaults.max_distance})",
    )
    decision = qualify.add_mutually_exclusive_group()
    decision.add_argument(
        "--same-decision",
        dest="same_decision",
        action="store_true",
        default=defaults.same_decision,
        help="every Pass / Not Yet must match the key (default)",
    )
    decision.add_argument(
        "--any-decision",
        dest="same_decision",
        action="store_false",
        help="do not require the key's Pass / Not Yet",
    )

    session = sub.add_parser(
        "calibration-session", parents=[common], help="open a calibration session"
    )
    session.add_argument("--title", required=True)
    session.add_argument("--credential", required=True)
    session.add_argument(
        "--submission", dest="submissions", action="append", required=True, metavar="ID"
    )
    session.add_argument(
        "--participant", dest="participants", action="append", required=True, metavar="USER"
    )
    session.add_argument("--facilitator", required=True, metavar="USER")
    workflow_commands.add_commands(sub, common)
    flow_commands.add_commands(sub, common)
    badge_commands.add_commands(sub, common)
    pathway_commands.add_commands(sub, common)
    scoring_commands.add_commands(sub, common)
    return parser


MIN_METRICS_TOKEN = 16


def _metrics_token(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read the metrics token from {path}: {exc}") from None
    if len(token) < MIN_METRICS_TOKEN or not token.isascii() or not token.isprintable():
        raise CliError(
            f"the metrics token in {path} needs at least {MIN_METRICS_TOKEN} printable ASCII "
            "characters (e.g. from: openssl rand -hex 32)"
        )
    return token


def _settings(args: argparse.Namespace) -> HubSettings:
    ttl = getattr(args, "token_ttl_hours", None)
    return HubSettings.from_data_dir(
        args.data_dir,
        db_url=args.db,
        storage_dir=args.storage if isinstance(args.storage, Path) else None,
        object_store=args.storage if isinstance(args.storage, S3Location) else None,
        s3_endpoint=args.s3_endpoint,
        serve_artifacts=getattr(args, "serve_artifacts", None) or ServeArtifacts.REDIRECT,
        token_ttl=timedelta(hours=ttl) if ttl else DEFAULT_TOKEN_TTL,
        max_body_bytes=getattr(args, "max_body_bytes", None) or DEFAULT_MAX_BODY_BYTES,
        proof=getattr(args, "proof", None) or DEFAULT_PROOF,
        metrics_token=_metrics_token(getattr(args, "metrics_token_file", None)),
        threads=getattr(args, "threads", None) or DEFAULT_THREADS,
    )


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Repeat the password: ") != password:
            raise CliError("the passwords differ; nothing was changed")
    if len(password) < MIN_PASSWORD:
        raise CliError(f"the password needs at least {MIN_PASSWORD} characters")
    return password


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace, settings: HubSettings, say: Callable[[str], None]) -> int:
    if args.workers == 1:
        # One process counts in memory. Before prometheus-client is imported: it would take
        # an inherited folder, which nothing empties, and count an earlier run's figures.
        os.environ.pop(MULTIPROCESS_ENV, None)
    import uvicorn

    from assessor_app.hub.app import create_app
    from assessor_app.hub.request_log import configure_hub_logging
    from assessor_app.hub.workers import (
        WORKER_APP,
        WorkersRefused,
        check_workers,
        worker_runtime,
    )

    try:
        check_workers(args.workers, settings.db_url)
    except WorkersRefused as exc:
        raise CliError(str(exc)) from None
    # Once, before any worker starts; hub processes starting together take turns.
    schema = upgrade_database(settings.db_url)
    if schema.migrated:
        say(f"Migrated the database from {schema.before or 'nothing'} to {schema.after}.")
    with HubAdmin(settings) as admin:
        demo = admin.has_demo_accounts()
    if demo and not _is_loopback(args.host) and not args.allow_demo_accounts_on_network:
        raise CliError(
            f"demo accounts (password 'demo') exist, so the hub will not listen on {args.host}; "
            "use --host 127.0.0.1, a data folder without demo data, or pass "
            "--allow-demo-accounts-on-network if you really mean it"
        )
    safe_url = make_url(settings.db_url).render_as_string(hide_password=True)
    workers = f", {args.workers} workers" if args.workers > 1 else ""
    say(f"Assessor hub on http://{args.host}:{args.port}  (database {safe_url}{workers})")
    issuer = pin_issuer_url(settings.data_dir, listening_url(args.host, args.port))
    say(
        f"Credentials are issued by {issuer} (set ${ISSUER_URL_ENV} to change; "
        f"otherwise pinned in {pinned_path(settings.data_dir)})"
    )
    try:
        # Made here when missing, so that workers starting together find it.
        key = BadgeIssuer.from_environment(settings.data_dir, settings.proof).keys[0]
    except IssuerKeyError as exc:
        raise CliError(str(exc)) from None
    say(f"and signed {key.proof.alg} (--proof {key.proof.value}) with key {key.kid}")
    # JSON lines on standard error, with request ids; the hub writes its own access lines.
    configure_hub_logging()
    serve_with = functools.partial(
        uvicorn.run,
        host=args.host,
        port=args.port,
        log_level="info",
        log_config=None,
        access_log=False,
        **SERVER_LIMITS,
        **proxy_options(args),
    )
    app = create_app(settings, migrate=False, docs=args.docs) if args.workers == 1 else None
    job = None
    if args.allocate_every:
        say(f"Allocating open work every {args.allocate_every:g} s (--allocate-every).")
        # In this process only, whatever the number of workers: one job per ``serve``.
        job_db = app.state.hub.db if app is not None else Database(settings.db_url)
        job = AllocationJob(
            job_db,
            args.allocate_every,
            lambda run: say(f"Allocated {len(run.allocated)}; {run.waiting} waiting."),
        ).start()
    try:
        if app is not None:
            serve_with(app)
        else:
            with worker_runtime(settings, docs=args.docs):
                serve_with(WORKER_APP, factory=True, workers=args.workers)
    finally:
        if job is not None:
            job.stop()
    return 0


# Headers larger than this are refused before the app sees them; an idle kept-alive
# connection is closed after a few seconds so slow or stalled clients do not pile up.
class ServerLimits(TypedDict):
    h11_max_incomplete_event_size: int
    timeout_keep_alive: int


class ProxyOptions(TypedDict, total=False):
    proxy_headers: bool
    forwarded_allow_ips: list[str]


SERVER_LIMITS = ServerLimits(h11_max_incomplete_event_size=16 * 1024, timeout_keep_alive=5)


def proxy_options(args: argparse.Namespace) -> ProxyOptions:
    """uvicorn's forwarded-header settings: off unless proxies are named, because a
    believed X-Forwarded-For lets any client pick the address the sign-in throttle sees."""
    proxies: list[str] = args.forwarded_allow_ips
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def _run(args: argparse.Namespace, say: Callable[[str], None]) -> int:
    settings = _settings(args)
    if args.command == "serve":
        return _serve(args, settings, say)
    if args.command == "verify":
        return workflow_commands.verify(args, settings, say)
    if args.command in ("add-assessor", "set-password"):
        password = _read_password(args)
    with HubAdmin(settings, demo_accounts=args.command == "seed-demo") as admin:
        match args.command:
            case "add-assessor":
                roles = args.roles or ["assessor"]
                admin.add_assessor(args.username, password, args.display_name, roles)
                if args.affiliations:
                    scoring_commands.set_affiliations(admin, args.username, args.affiliations)
                    roles = [*roles, f"affiliations {', '.join(args.affiliations)}"]
                say(f"Added {args.username} ({', '.join(roles)}).")
            case "set-password":
                revoked = admin.set_password(args.username, password)
                say(
                    f"Changed the password of {args.username} and revoked "
                    f"{revoked} token{'s' if revoked != 1 else ''}."
                )
            case "revoke-tokens":
                revoked = admin.revoke_tokens(args.username)
                say(
                    f"Signed {args.username} out everywhere: revoked "
                    f"{revoked} token{'s' if revoked != 1 else ''}."
                )
            case "import-credential":
                say(f"Imported credential {admin.import_credential(args.file)}.")
            case "import-submission":
                say(f"Imported submission {admin.import_submission(args.folder)}.")
            case "assign":
                assignment = admin.assign(args.submission, args.username, args.kind, args.due)
                say(f"Assigned {args.submission} to {args.username}: {assignment}.")
            case "revoke":
                admin.revoke(args.assignment)
                say(f"Revoked {args.assignment}.")
            case "export-decisions":
                count = admin.export_decisions_csv(args.csv)
                say(f"Wrote {count} decision{'s' if count != 1 else ''} to {args.csv}.")
            case "seed-demo":
                try:
                    from assessor_app.hub.demo.seed import seed_demo
                except ImportError as exc:
                    raise CliError(f"the demo generator is not available: {exc}") from None
                admin.log = say
                seed_demo(admin)
                say(f"Demo data is ready in {settings.data_dir}.")
            case "set-qualification":
                rules = QualificationRules(
                    exact_share=args.exact,
                    adjacent_share=args.adjacent,
                    max_distance=args.max_distance,
                    same_decision=args.same_decision,
                )
                calibration_admin.set_qualification(admin, args.credential, rules)
                say(
                    f"Qualification for {args.credential}: exact >= {rules.exact_share:g}, "
                    f"exact-or-adjacent >= {rules.adjacent_share:g}, at most "
                    f"{rules.max_distance} level(s) off, "
                    f"{'same decision as the key' if rules.same_decision else 'any decision'}."
                )
            case "calibration-session":
                session_id = calibration_admin.create_session(
                    admin,
                    title=args.title,
                    credential_id=args.credential,
                    submission_ids=args.submissions,
                    participants=args.participants,
                    facilitator=args.facilitator,
                )
                say(f"Opened calibration session {session_id}.")
            case command if command in workflow_commands.COMMANDS:
                workflow_commands.run(args, admin, say)
            case command if command in flow_commands.COMMANDS:
                flow_commands.run(args, admin, say)
            case command if command in badge_commands.COMMANDS:
                badge_commands.run(args, admin, say)
            case command if command in pathway_commands.COMMANDS:
                pathway_commands.run(args, admin, say)
            case command if command in scoring_commands.COMMANDS:
                scoring_commands.run(args, admin, say)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    try:
        return _run(args, say)
    except (CliError, HubAdminError) as exc:
        print(f"assessor-hub: error: {exc}", file=sys.stderr)
        return 1
    except ArgumentError as exc:
        print(f"assessor-hub: error: --db: {exc}", file=sys.stderr)
        return 1
    except StorageUnavailable as exc:
        print(f"assessor-hub: error: --storage: {exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(f"assessor-hub: error: cannot use the database: {exc.orig}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
