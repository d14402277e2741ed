"""``seed-demo``: load a hub with demo assessors, the three sample credentials, the pathway
that stacks them and submissions whose evidence is generated on the spot (see ``media``).

What is seeded comes from files: the credentials from ``resources/rubrics/``, the pathways
from ``resources/pathways/`` and the submission recipes from
``resources/demo/submissions.yaml`` (some with a Pass already recorded, as history).
The keyed calibration submissions are scored in calibration sessions, one per credential,
that the demo lead facilitates; the recipes' calibration assignees are its participants.
Seeding is idempotent: an account, submission or assignment that already exists is left
alone and counted as existing, so running it twice changes nothing and a seed interrupted
half-way can simply be run again. Generated media is cached by recipe, so the second hub
seeds in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import platformdirs
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import select

from assessor_app.domain.assignment import AssignmentKind
from assessor_app.domain.decision import Decision
from assessor_app.domain.rubric import Credential
from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.calibration import admin as calibration_admin
from assessor_app.hub.calibration.models import CalibrationSession
from assessor_app.hub.db import AssignmentRow, SubmissionRow, User
from assessor_app.hub.demo import media
from assessor_app.hub.demo.media import BeatKind
from assessor_app.hub.demo.scoring import (
    ScoringDemo,
    mark_second_read,
    save_demo_plan,
    seed_scoring_operations,
)
from assessor_app.hub.pathways import commands as pathway_commands
from assessor_app.hub.resources import resources_dir
from assessor_app.hub.submission_file import METADATA_FILE
from assessor_app.protocol.rubric_file import load_credential_file
from assessor_app.protocol.v1 import CriterionScoreWire, DecisionUpload

DEMO_PASSWORD = "demo"

# (username, display name, roles)
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("demo1", "Dana Reyes (demo)", ("assessor",)),
    ("demo2", "Sam Okafor (demo)", ("assessor",)),
    ("demo3", "Priya Nair (demo)", ("assessor",)),
    ("lead", "Morgan Lee (demo lead)", ("facilitator",)),
    ("adj", "Alex Mensah (demo adjudicator)", ("adjudicator",)),
    ("back", "Bea Lindqvist (demo backreader)", ("backreader",)),
)
DEMO_FACILITATOR = "lead"
DEMO_SESSION_TITLE = "Demo calibration"
"""Each credential with keyed demo submissions gets one session, titled
"Demo calibration: <credential title>"; a second run finds it by that title."""


def default_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("assessor-hub", appauthor=False)) / "demo-media"


# --- recipe file -----------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_BEAT_KINDS = ("ask", "wait", "answer", "say", "activity")


class BeatRecipe(_Strict):
    """One line of a video script, written ``{ask: "..."}``, ``{wait: 4}``,
    ``{answer: "...", desk: 3}``; ``seconds`` overrides the default length."""

    ask: str | None = None
    wait: float | None = None
    answer: str | None = None
    say: str | None = None
    activity: str | None = None
    text: str = ""
    seconds: Annotated[float, Field(gt=0, le=60)] | None = None
    desk: Annotated[int, Field(ge=0, le=11)] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> BeatRecipe:
        kinds = [k for k in _BEAT_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a beat needs exactly one of {', '.join(_BEAT_KINDS)}")
        return self

    def to_beat(self) -> media.Beat:
        if self.wait is not None:
            return media.Beat("wait", self.text, self.wait)
        spoken: tuple[tuple[BeatKind, str | None], ...] = (
            ("ask", self.ask),
            ("answer", self.answer),
            ("say", self.say),
            ("activity", self.activity),
        )
        kind, text = next((k, t) for k, t in spoken if t is not None)
        return media.Beat(kind, text or "", self.seconds, self.desk)


class LessonRecipe(_Strict):
    subject: str
    grade: str
    topic: str
    duration_minutes: Annotated[int, Field(ge=10, le=240)]
    objectives: Annotated[list[str], Field(min_length=1)]
    sequence: Annotated[list[tuple[int, str, str, str]], Field(min_length=2)]
    questions: Annotated[list[tuple[str, str, str]], Field(min_length=1)]
    assessment: Annotated[list[str], Field(min_length=1)]
    success_criteria: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    differentiation: list[str] = Field(default_factory=list)
    notes: str = ""

    def details(self, teacher: str) -> media.LessonDetails:
        return media.LessonDetails(
            teacher=teacher,
            subject=self.subject,
            grade=self.grade,
            topic=self.topic,
            duration_minutes=self.duration_minutes,
            objectives=tuple(self.objectives),
            sequence=tuple(media.LessonStep(*step) for step in self.sequence),
            questions=tuple(media.PlannedQuestion(*q) for q in self.questions),
            assessment=tuple(self.assessment),
            success_criteria=tuple(self.success_criteria),
            materials=tuple(self.materials),
            differentiation=tuple(self.differentiation),
            notes=self.notes,
        )


class WorkRecipe(_Strict):
    title: str
    lines: Annotated[list[str], Field(min_length=1)]
    mark: str = ""


class QuizRecipe(_Strict):
    questions: Annotated[list[str], Field(min_length=1)]
    students: Annotated[int, Field(ge=1, le=60)]
    mastery: Annotated[float, Field(ge=0, le=1)] = 0.7


class AssignRecipe(_Strict):
    to: str
    kind: AssignmentKind = AssignmentKind.PRODUCTION
    due_in_days: int | None = None
    # Feedback of a Pass this assessor already gave: recorded at seeding, as history.
    passed: Annotated[str, Field(min_length=1, max_length=2_000)] | None = None
    # Feedback of a Not Yet this assessor already gave (the first criterion one level short).
    not_yet: Annotated[str, Field(min_length=1, max_length=2_000)] | None = None
    # This read is a blind second read of the submission (scoring operations).
    second_read: bool = False

    @model_validator(mode="after")
    def _one_outcome(self) -> AssignRecipe:
        if self.passed is not None and self.not_yet is not None:
            raise ValueError("an assignment records a Pass or a Not Yet, not both")
        return self

    def recorded_upload(self, credential: Credential, now: datetime) -> DecisionUpload | None:
        """The decision recorded at seeding (``passed`` or ``not_yet``), if any."""
        if self.not_yet is None:
            return self.pass_upload(credential, now) if self.passed is not None else None
        upload = self.pass_upload(credential, now)
        first = credential.rubric.criteria[0]
        short = [lv.id for lv in first.levels if not lv.meets][-1]
        criteria = [
            c.model_copy(update={"level_id": short}) if c.criterion_id == first.id else c
            for c in upload.criteria
        ]
        return upload.model_copy(
            update={
                "decision": Decision.NOT_YET,
                "criteria": [c.model_copy(update={"rationale": self.not_yet}) for c in criteria],
                "feedback": self.not_yet,
            }
        )

    def pass_upload(self, credential: Credential, now: datetime) -> DecisionUpload:
        """The recorded Pass: each criterion at its lowest level that meets the standard."""
        feedback = self.passed or ""
        return DecisionUpload(
            decision=Decision.PASS,
            criteria=[
                CriterionScoreWire(
                    criterion_id=criterion.id,
                    level_id=next(lv.id for lv in criterion.levels if lv.meets),
                    rationale=feedback,
                )
                for criterion in credential.rubric.criteria
            ],
            feedback=feedback,
            scored_at=now,
        )


class PreviousAttemptRecipe(_Strict):
    attempt: Annotated[int, Field(ge=1)]
    decision: Decision
    feedback: str
    criteria: dict[str, str] = Field(default_factory=dict)


class KeyedLevelRecipe(_Strict):
    level: str
    rationale: str


class CalibrationKeyRecipe(_Strict):
    decision: Decision
    criteria: dict[str, KeyedLevelRecipe]


class SubmissionRecipe(_Strict):
    id: str
    credential: str
    educator: str
    attempt: Annotated[int, Field(ge=1)] = 1
    seconds: Annotated[float, Field(ge=60, le=120)]
    seed: int
    change_note: str = ""
    previous_attempts: list[PreviousAttemptRecipe] = Field(default_factory=list)
    lesson: LessonRecipe
    video: Annotated[list[BeatRecipe], Field(min_length=1)]
    work: Annotated[list[WorkRecipe], Field(min_length=1, max_length=2)]
    quiz: QuizRecipe
    reflection: Annotated[list[str], Field(min_length=1)]
    calibration_key: CalibrationKeyRecipe | None = None
    # Organisations or districts the submission comes from (conflicts of interest).
    affiliations: list[str] = Field(default_factory=list)
    assign: list[AssignRecipe] = Field(default_factory=list)


class RecipeFile(_Strict):
    submissions: Annotated[list[SubmissionRecipe], Field(min_length=1)]


class DemoRecipeError(ValueError):
    """The recipe file is unusable; ``str()`` names the file, the place and the problem."""


def load_recipes(path: Path) -> list[SubmissionRecipe]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return RecipeFile.model_validate(data).submissions
    except (OSError, yaml.YAMLError) as exc:
        raise DemoRecipeError(f"{path}: {exc}") from None
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise DemoRecipeError("\n".join(lines)) from None


# --- building a submission folder ------------------------------------------------------


def build_submission_folder(
    recipe: SubmissionRecipe,
    credential: Credential,
    folder: Path,
    cache_dir: Path | None,
    video_seconds: float | None = None,
) -> Path:
    """Write the artifacts and ``submission.yaml`` of one recipe into ``folder``.
    ``video_seconds`` replaces the recipe's clip length (quick previews and tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    seconds = video_seconds if video_seconds is not None else recipe.seconds
    details = recipe.lesson.details(recipe.educator)
    artifacts: list[dict[str, str]] = []

    media.make_classroom_video(
        folder / "lesson-clip.mp4",
        seconds,
        f"{recipe.lesson.subject}: {recipe.lesson.topic}",
        recipe.seed,
        beats=[b.to_beat() for b in recipe.video],
        cache_dir=cache_dir,
    )
    # Named without its length: the player shows that, and the report cites "Classroom
    # video, 00:47-01:03", not "Classroom video (1:20), 00:47-01:03".
    artifacts.append(
        {
            "file": "lesson-clip.mp4",
            "title": "Classroom video",
            "media_type": "video/mp4",
        }
    )
    media.make_lesson_plan_pdf(folder / "lesson-plan.pdf", credential, details, cache_dir=cache_dir)
    artifacts.append(
        {"file": "lesson-plan.pdf", "title": "Lesson plan", "media_type": "application/pdf"}
    )
    for index, work in enumerate(recipe.work, start=1):
        name = f"student-work-{index}.png"
        media.make_student_work_image(
            folder / name,
            work.title,
            work.lines,
            recipe.seed + index,
            mark=work.mark,
            cache_dir=cache_dir,
        )
        artifacts.append(
            {"file": name, "title": f"Student work: {work.title}", "media_type": "image/png"}
        )
    media.write_reflection(folder / "reflection.md", recipe.educator, credential, recipe.reflection)
    artifacts.append(
        {"file": "reflection.md", "title": "Reflection", "media_type": "text/markdown"}
    )
    media.make_quiz_results_csv(
        folder / "quiz-results.csv",
        recipe.quiz.questions,
        recipe.quiz.students,
        recipe.seed,
        recipe.quiz.mastery,
    )
    artifacts.append(
        {"file": "quiz-results.csv", "title": "Quiz results", "media_type": "text/csv"}
    )

    meta: dict[str, Any] = {
        "id": recipe.id,
        "credential": recipe.credential,
        "attempt": recipe.attempt,
        "educator_pseudonym": recipe.educator,
    }
    if recipe.change_note:
        meta["change_note"] = recipe.change_note
    if recipe.previous_attempts:
        meta["previous_attempts"] = [p.model_dump(mode="json") for p in recipe.previous_attempts]
    meta["artifacts"] = artifacts
    if recipe.calibration_key is not None:
        meta["calibration_key"] = recipe.calibration_key.model_dump(mode="json")
    if recipe.affiliations:
        meta["affiliations"] = list(recipe.affiliations)
    (folder / METADATA_FILE).write_text(
        yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=90), encoding="utf-8"
    )
    return folder


# --- seeding ---------------------------------------------------------------------------


@dataclass
class DemoSummary:
    """What one ``seed_demo`` run did; ``*_existing`` counts what an earlier run made."""

    accounts_created: int = 0
    accounts_existing: int = 0
    credentials: int = 0
    submissions_created: int = 0
    submissions_existing: int = 0
    resubmissions: int = 0
    calibration_submissions: int = 0
    pathways: int = 0
    sessions_created: int = 0
    sessions_existing: int = 0
    assignments_created: int = 0
    passes_recorded: int = 0
    not_yets_recorded: int = 0
    scoring: ScoringDemo | None = None
    assignments_existing: int = 0
    media_generated: int = 0
    media_cached: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.accounts_created
            or self.submissions_created
            or self.assignments_created
            or self.sessions_created
        )

    def lines(self) -> list[str]:
        return [
            f"accounts: {self.accounts_created} created, {self.accounts_existing} already there"
            f" (password '{DEMO_PASSWORD}': {', '.join(a[0] for a in DEMO_ACCOUNTS)})",
            f"credentials: {self.credentials}, pathways: {self.pathways}",
            f"submissions: {self.submissions_created} created, {self.submissions_existing}"
            f" already there ({self.resubmissions} resubmission(s),"
            f" {self.calibration_submissions} calibration)",
            f"assignments: {self.assignments_created} created,"
            f" {self.assignments_existing} already there"
            f" ({self.passes_recorded} Pass(es) and {self.not_yets_recorded} Not Yet(s) recorded"
            " as history)",
            f"calibration sessions: {self.sessions_created} opened,"
            f" {self.sessions_existing} already there (facilitator {DEMO_FACILITATOR})",
            f"generated files: {self.media_generated} made, {self.media_cached} from cache",
            *([self.scoring.line()] if self.scoring is not None else []),
        ]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _existing(admin: HubAdmin) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """Usernames, submission ids and (submission id, username) pairs with any assignment."""
    with admin.db.read() as session:
        users = set(session.scalars(select(User.username)))
        submissions = set(session.scalars(select(SubmissionRow.id)))
        pairs = {
            (sub, name)
            for sub, name in session.execute(
                select(AssignmentRow.submission_id, User.username).join(
                    User, User.id == AssignmentRow.user_id
                )
            )
        }
    return users, submissions, pairs


def seed_demo(
    admin: HubAdmin,
    workdir: Path | None = None,
    cache_dir: Path | None = None,
    *,
    resources: Path | None = None,
    today: date | None = None,
    workers: int = 2,
    video_seconds: float | None = None,
) -> DemoSummary:
    """Seed ``admin``'s hub with the demo. ``workdir`` holds the built submission folders
    (default: ``<data dir>/demo-submissions``); ``cache_dir`` the generated-media cache
    (default: the user's cache folder). ``today`` anchors the due dates;
    ``video_seconds`` shortens every clip (the recipes' own lengths are 60-120 s)."""
    root = resources or resources_dir()
    workdir = Path(workdir) if workdir is not None else admin.data_dir / "demo-submissions"
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    today = today or datetime.now(UTC).date()
    log: Callable[[str], None] = admin.log
    summary = DemoSummary()
    stats_before = (media.cache_stats().hits, media.cache_stats().misses)

    credentials: dict[str, Credential] = {}
    for path in sorted((root / "rubrics").glob("*.yaml")):
        credential = load_credential_file(path)
        admin.import_credential(path)
        credentials[credential.id] = credential
    summary.credentials = len(credentials)
    for path in sorted((root / "pathways").glob("*.yaml")):
        pathway_commands.import_file(admin, path)
        summary.pathways += 1
    recipes = load_recipes(root / "demo" / "submissions.yaml")
    unknown = sorted({r.credential for r in recipes} - set(credentials))
    if unknown:
        raise DemoRecipeError(f"recipes name credentials that are not in rubrics/: {unknown}")

    users, submissions, pairs = _existing(admin)
    for username, display_name, roles in DEMO_ACCOUNTS:
        if username in users:
            summary.accounts_existing += 1
            continue
        admin.add_assessor(username, DEMO_PASSWORD, display_name, roles)
        summary.accounts_created += 1

    to_build = [r for r in recipes if r.id not in submissions]
    summary.submissions_existing = len(recipes) - len(to_build)
    if to_build:
        log(f"generating evidence for {len(to_build)} submissions (cache: {cache})")

    def build(recipe: SubmissionRecipe) -> Path:
        return build_submission_folder(
            recipe, credentials[recipe.credential], workdir / recipe.id, cache, video_seconds
        )

    # Folders are built in parallel (ffmpeg runs as a subprocess) but imported in recipe
    # order, so the hub's ids and logs come out the same on every run.
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        folders = list(pool.map(build, to_build))
    for folder in folders:
        admin.import_submission(folder)
        summary.submissions_created += 1

    save_demo_plan(admin)
    # Calibration entries of a keyed submission are scored in a session (one per
    # credential, facilitated by the demo lead), which makes their assignments.
    sessions: dict[str, tuple[list[str], list[str]]] = {}
    for recipe in recipes:
        summary.resubmissions += recipe.attempt > 1
        summary.calibration_submissions += recipe.calibration_key is not None
        for entry in recipe.assign:
            in_session = (
                recipe.calibration_key is not None and entry.kind is AssignmentKind.CALIBRATION
            )
            if in_session:
                items, people = sessions.setdefault(recipe.credential, ([], []))
                items.extend([] if recipe.id in items else [recipe.id])
                people.extend([] if entry.to in people else [entry.to])
            if (recipe.id, entry.to) in pairs:
                summary.assignments_existing += 1
                continue
            if in_session:
                continue
            due = (
                today + timedelta(days=entry.due_in_days) if entry.due_in_days is not None else None
            )
            assignment = admin.assign(recipe.id, entry.to, entry.kind, due)
            summary.assignments_created += 1
            if entry.second_read:
                mark_second_read(admin, recipe.id, assignment)
            upload = entry.recorded_upload(credentials[recipe.credential], datetime.now(UTC))
            if upload is not None:
                admin.record_decision(assignment, upload, f"demo-history-{assignment}")
                summary.passes_recorded += entry.passed is not None
                summary.not_yets_recorded += entry.not_yet is not None

    for credential_id, (items, people) in sessions.items():
        title = f"{DEMO_SESSION_TITLE}: {credentials[credential_id].title}"
        with admin.db.read() as session:
            known = session.scalar(
                select(CalibrationSession.id).where(CalibrationSession.title == title)
            )
        if known is not None:
            summary.sessions_existing += 1
            continue
        if any((item, person) in pairs for item in items for person in people):
            # A hub seeded before the demo had sessions: those items are assigned already.
            log(f"not opening {title!r}: its items were assigned outside a session")
            continue
        calibration_admin.create_session(
            admin,
            title=title,
            credential_id=credential_id,
            submission_ids=items,
            participants=people,
            facilitator=DEMO_FACILITATOR,
        )
        summary.sessions_created += 1
        summary.assignments_created += len(items) * len(people)

    summary.scoring = seed_scoring_operations(admin)

    stats = media.cache_stats()
    summary.media_cached = stats.hits - stats_before[0]
    summary.media_generated = stats.misses - stats_before[1]
    for line in summary.lines():
        log(line)
    return summary


__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "DemoRecipeError",
    "DemoSummary",
    "build_submission_folder",
    "default_cache_dir",
    "load_recipes",
    "resources_dir",
    "seed_demo",
]
