"""Demo data: the sample credentials, the generated evidence and ``seed_demo`` end to end."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessor_app.domain.evaluation import evaluate
from assessor_app.domain.rubric import MinimumPoints, RationaleRequirement
from assessor_app.domain.scoresheet import CriterionScore, ScoreSheet
from assessor_app.hub.admin import HubAdmin
from assessor_app.hub.calibration.models import CalibrationSession, CalibrationSessionAssignment
from assessor_app.hub.config import HubSettings
from assessor_app.hub.db import ArtifactRow, AssignmentRow, CalibrationKey, SubmissionRow, User
from assessor_app.hub.demo import media
from assessor_app.hub.demo.seed import (
    DEMO_PASSWORD,
    AssignRecipe,
    build_submission_folder,
    load_recipes,
    resources_dir,
    seed_demo,
)
from assessor_app.hub.pathways import commands as pathway_commands
from assessor_app.hub.scoring.affiliations import submission_affiliations, user_affiliations
from assessor_app.hub.scoring.models import WorkItem
from assessor_app.hub.scoring.plan import plan_of
from assessor_app.hub.security import verify_password
from assessor_app.protocol.rubric_file import load_credential_file

RUBRICS = resources_dir() / "rubrics"
RECIPES = resources_dir() / "demo" / "submissions.yaml"
CREDENTIAL_FILES = sorted(RUBRICS.glob("*.yaml"))
TODAY = date(2030, 3, 11)


def probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def frame_hash(path: Path, at: float) -> str:
    frame = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-ss",
            str(at),
            "-i",
            str(path),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "gray",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    assert len(frame) == media.VIDEO_WIDTH * media.VIDEO_HEIGHT
    return hashlib.sha256(frame).hexdigest()


def test_three_credentials_are_realistic_and_load() -> None:
    assert [p.stem for p in CREDENTIAL_FILES] == [
        "checking-for-understanding",
        "inquiry-lesson-design",
        "wait-time-questioning",
    ]
    rules = []
    for path in CREDENTIAL_FILES:
        credential = load_credential_file(path)
        assert credential.id == path.stem
        assert len(credential.competency) > 80
        assert "## Why it matters" in credential.overview
        assert any("video" in a for a in credential.artifact_requirements)
        assert any("lesson plan" in a.lower() for a in credential.artifact_requirements)
        assert len(credential.reflection_prompts) >= 3
        criteria = credential.rubric.criteria
        assert 3 <= len(criteria) <= 5
        for criterion in criteria:
            assert 3 <= len(criterion.levels) <= 4
            assert any(lv.meets for lv in criterion.levels)
            assert not criterion.levels[0].meets
            assert all(len(lv.descriptor) > 40 for lv in criterion.levels)
        required = [c for c in criteria if c.rationale is RationaleRequirement.REQUIRED]
        assert len(required) >= len(criteria) - 1
        rules.append(credential.rubric.decision_rule)
    min_points = [r for r in rules if isinstance(r, MinimumPoints)]
    assert len(min_points) == 1 and min_points[0].floor > 0


def test_recipes_agree_with_their_rubrics() -> None:
    credentials = {p.stem: load_credential_file(p) for p in CREDENTIAL_FILES}
    recipes = load_recipes(RECIPES)
    assert len(recipes) >= 8
    assert len({r.id for r in recipes}) == len(recipes)
    # One educator per submission, except E-4821, who works through the pathway.
    assert len({(r.educator, r.credential) for r in recipes}) == len(recipes)
    assert len({r.educator for r in recipes}) == len(recipes) - 2
    for recipe in recipes:
        rubric = credentials[recipe.credential].rubric
        assert 60 <= recipe.seconds <= 120
        for attempt in recipe.previous_attempts:
            assert attempt.attempt < recipe.attempt
            assert {
                rubric.criterion(c).level(lv) is not None for c, lv in attempt.criteria.items()
            } == {True}
        key = recipe.calibration_key
        if key is None:
            continue
        # The master's decision must be the one the rubric's own rule gives for its levels.
        # A key carries no feedback to an educator; give the sheet some so that only the
        # levels and rationales are judged.
        sheet = ScoreSheet(
            {c: CriterionScore(c, k.level, k.rationale) for c, k in key.criteria.items()},
            feedback="Calibration item.",
        )
        result = evaluate(sheet, rubric)
        assert result.problems == ()
        assert result.computed == key.decision


def test_classroom_video_is_640x360_h264_aac_with_running_timecode(tmp_path: Path) -> None:
    clip = media.make_classroom_video(
        tmp_path / "clip.mp4",
        3.0,
        "Science: floating and sinking",
        11,
        beats=[media.Beat("ask", "Why does the log float?", 1.0), media.Beat("wait", seconds=2)],
    )
    info = probe(clip)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert streams["video"]["codec_name"] == "h264"
    assert (streams["video"]["width"], streams["video"]["height"]) == (640, 360)
    assert streams["audio"]["codec_name"] == "aac"
    assert float(info["format"]["duration"]) == pytest.approx(3.0, abs=0.1)
    assert float(streams["video"]["duration"]) == pytest.approx(3.0, abs=0.05)
    # Same scene, same caption (the wait), but the burned-in clock has moved on.
    assert frame_hash(clip, 1.5) != frame_hash(clip, 2.5)
    # The audio is not silence: the question beep is there.
    volume = subprocess.run(
        [
            "ffmpeg",
            "-v",
            "info",
            "-t",
            "1",
            "-i",
            str(clip),
            "-af",
            "volumedetect",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    max_db = float(volume.split("max_volume:")[1].split("dB")[0])
    assert max_db > -20


def test_lesson_plan_pdf_has_the_objectives_as_text(tmp_path: Path) -> None:
    credential = load_credential_file(RUBRICS / "wait-time-questioning.yaml")
    recipe = next(r for r in load_recipes(RECIPES) if r.id == "sub-wait-e3307-a1")
    pdf = media.make_lesson_plan_pdf(
        tmp_path / "plan.pdf", credential, recipe.lesson.details("E-3307")
    )
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    for objective in recipe.lesson.objectives:
        assert objective in flat
    assert "Learning objectives" in flat and "Planned questions" in flat
    assert "Wait Time in Questioning" in flat
    assert "Five is bigger than three. So why is one fifth smaller?" in flat
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert 2 <= int(pages.stdout.split("Pages:")[1].split()[0]) <= 3


def test_quiz_results_csv_parses_and_adds_up(tmp_path: Path) -> None:
    questions = ["1/3 vs 1/5", "1/10 vs 1/8", "Explain, with a model"]
    path = media.make_quiz_results_csv(tmp_path / "quiz.csv", questions, 24, seed=5)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 24
    assert list(rows[0]) == [
        "student",
        "Q1 1/3 vs 1/5",
        "Q2 1/10 vs 1/8",
        "Q3 Explain, with a model",
        "score",
        "percent",
    ]
    for row in rows:
        marks = [int(row[f"Q{i} {q}"]) for i, q in enumerate(questions, start=1)]
        assert set(marks) <= {0, 1}
        assert int(row["score"]) == sum(marks)
        assert int(row["percent"]) == round(100 * sum(marks) / 3)
    assert (
        path.read_bytes()
        == media.make_quiz_results_csv(tmp_path / "again.csv", questions, 24, seed=5).read_bytes()
    )


def test_student_work_is_a_png(tmp_path: Path) -> None:
    image = media.make_student_work_image(
        tmp_path / "work.png", "Exit ticket", ["1/3 is bigger", "fewer pieces"], 3, mark="Good"
    )
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stream = probe(image)["streams"][0]
    assert stream["codec_name"] == "png" and stream["width"] >= 760


def test_media_cache_reuses_the_file_without_running_ffmpeg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    beats = [media.Beat("ask", "What do you notice?", 1.0)]
    first = media.make_classroom_video(
        tmp_path / "a.mp4", 1.0, "T", 3, beats=beats, cache_dir=cache
    )
    assert len(list(cache.iterdir())) == 1

    calls: list[list[str]] = []

    def no_ffmpeg(args: list[str]) -> None:
        calls.append(list(args))
        raise AssertionError("ffmpeg must not run for a cached recipe")

    monkeypatch.setattr(media, "_run_ffmpeg", no_ffmpeg)
    hits = media.cache_stats().hits
    second = media.make_classroom_video(
        tmp_path / "b" / "b.mp4", 1.0, "T", 3, beats=beats, cache_dir=cache
    )
    assert calls == []
    assert media.cache_stats().hits == hits + 1
    assert second.read_bytes() == first.read_bytes()
    # A different recipe is a different file: it would have to be generated.
    with pytest.raises(AssertionError, match="must not run"):
        media.make_classroom_video(tmp_path / "c.mp4", 1.0, "T", 4, beats=beats, cache_dir=cache)
    assert not (tmp_path / "c.mp4").exists()


def test_a_real_recipe_builds_a_full_length_import_folder(tmp_path: Path) -> None:
    credential = load_credential_file(RUBRICS / "inquiry-lesson-design.yaml")
    recipe = next(r for r in load_recipes(RECIPES) if r.id == "sub-inq-e8837-a1")
    folder = build_submission_folder(recipe, credential, tmp_path / recipe.id, None)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "lesson-clip.mp4",
        "lesson-plan.pdf",
        "quiz-results.csv",
        "reflection.md",
        "student-work-1.png",
        "submission.yaml",
    ]
    assert float(probe(folder / "lesson-clip.mp4")["format"]["duration"]) == pytest.approx(
        recipe.seconds, abs=0.1
    )
    reflection = (folder / "reflection.md").read_text(encoding="utf-8")
    assert credential.reflection_prompts[0] in reflection
    assert "At 00:31 when a student suggested the cupboard" in " ".join(reflection.split())


def _due_on(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


# Generated files of the twelve recipes (clips, plans, work images), each made once.
MEDIA = 50


def assert_one_short_of_the_pathway_until_demo1_passes(admin: HubAdmin) -> None:
    """E-4821 holds two of the pathway's three credentials; demo1's Pass of their
    wait-time resubmission issues the programme credential."""
    [(pathway, rows)] = pathway_commands.progress(admin)
    assert (pathway.id, pathway.name) == (
        "formative-assessment-practitioner",
        "Formative Assessment Practitioner",
    )
    short = {r.educator_pseudonym: r for r in rows}["E-4821"]
    assert (len(short.passed), short.missing) == (2, ("wait-time-questioning",))
    assert all(r.programme_credential_id is None for r in rows)
    with admin.db.read() as session:
        assignment = session.scalar(
            select(AssignmentRow.id)
            .join(User, User.id == AssignmentRow.user_id)
            .where(AssignmentRow.submission_id == "sub-wait-e4821-a2", User.username == "demo1")
        )
    credential = load_credential_file(RUBRICS / "wait-time-questioning.yaml")
    upload = AssignRecipe(to="demo1", passed="Pauses of three seconds and more throughout.")
    admin.record_decision(
        str(assignment), upload.pass_upload(credential, datetime.now(UTC)), "demo1-pass"
    )
    [(_, rows)] = pathway_commands.progress(admin, "E-4821")
    [done] = rows
    assert done.complete and done.programme_credential_id is not None


def assert_scoring_operations(admin: HubAdmin) -> None:
    """Wait time's scoring plan; a validity paper among demo1's production work; back's
    backread of demo3's recorded Pass; the district-7 submission given to someone other
    than demo3 (district-7 too)."""
    with admin.db.read() as session:
        plan = plan_of(session, "wait-time-questioning")
        assert (plan.validity_rate, plan.backread_rate, plan.second_read_share) == (0.1, 0.1, 0.1)
        rows = session.execute(
            select(AssignmentRow, User.username, WorkItem.purpose)
            .join(User, User.id == AssignmentRow.user_id)
            .outerjoin(WorkItem, WorkItem.assignment_id == AssignmentRow.id)
        ).all()
        by = {(row.submission_id, name): (row, purpose) for row, name, purpose in rows}
        paper, purpose = by["sub-wait-e6120-a1", "demo1"]
        assert (paper.kind, purpose) == ("production", "validity")
        assert paper.due_at is not None
        backread, purpose = by["sub-cfu-e4821-a1", "back"]
        assert (backread.kind, purpose) == ("backread", "backread")
        readers = {name for (sub, name) in by if sub == "sub-wait-e8830-a1"}
        assert len(readers) == 1 and "demo3" not in readers
        assert user_affiliations(session, _user(session, "demo3")) == ["district-7"]
        assert submission_affiliations(session, "sub-wait-e8830-a1") == ["district-7"]
        _, purpose = by["sub-wait-e7781-a1", "demo3"]
        assert purpose == "second"
        # The two reads disagree: the adjudication went to adj.
        adjudication, purpose = by["sub-wait-e7781-a1", "adj"]
        assert (adjudication.kind, purpose) == ("adjudication", "adjudication")


def _user(session: Session, name: str) -> int:
    user_id = session.scalar(select(User.id).where(User.username == name))
    assert user_id is not None
    return user_id


def test_seed_demo_end_to_end_and_idempotent(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    settings = HubSettings.from_data_dir(tmp_path / "hub")
    lines: list[str] = []
    with HubAdmin(settings, log=lines.append, demo_accounts=True) as admin:
        summary = seed_demo(admin, tmp_path / "work", cache, today=TODAY, video_seconds=1.5)
        assert summary.accounts_created == 6
        assert summary.credentials == 3
        assert summary.submissions_created == 15
        assert summary.resubmissions == 1
        assert summary.calibration_submissions == 3
        assert (summary.pathways, summary.passes_recorded, summary.not_yets_recorded) == (1, 3, 1)
        assert summary.assignments_created == 18
        assert summary.media_generated == MEDIA and summary.media_cached == 0
        assert "submissions: 15 created, 0 already there" in "\n".join(lines)
        assert admin.has_demo_accounts()

        with admin.db.read() as session:
            users = {u.username: u for u in session.scalars(select(User))}
            assert {n: u.roles for n, u in users.items()} == {
                "demo1": ["assessor"],
                "demo2": ["assessor"],
                "demo3": ["assessor"],
                "lead": ["facilitator"],
                "adj": ["adjudicator"],
                "back": ["backreader"],
            }
            assert all(verify_password(DEMO_PASSWORD, u.password_hash) for u in users.values())

            resub = session.get(SubmissionRow, "sub-wait-e4821-a2")
            assert resub is not None and resub.attempt == 2
            assert "sand timer" in resub.change_note
            [previous] = resub.previous_attempts
            assert previous["attempt"] == 1 and previous["decision"] == "not_yet"
            assert "answer your own question" in previous["feedback"]
            levels = {c["criterion_id"]: c["level_id"] for c in previous["criteria"]}
            assert levels["c1-wait-after-question"] == "beginning"

            keys = {k.submission_id: k for k in session.scalars(select(CalibrationKey))}
            assert set(keys) == {"sub-wait-e2264-a1", "sub-cfu-e1189-a1", "sub-wait-e6120-a1"}
            assert keys["sub-wait-e2264-a1"].decision == "not_yet"
            assert keys["sub-cfu-e1189-a1"].decision == "pass"
            wait_key = keys["sub-wait-e2264-a1"].criteria
            assert wait_key["c2-wait-after-response"]["level"] == "developing"
            assert "praise" in wait_key["c2-wait-after-response"]["rationale"]

            queue: dict[str, list[AssignmentRow]] = {}
            for row, name in session.execute(
                select(AssignmentRow, User.username).join(User, User.id == AssignmentRow.user_id)
            ):
                queue.setdefault(name, []).append(row)
            calibration = {
                n: sorted(a.submission_id for a in rows if a.kind == "calibration")
                for n, rows in queue.items()
            }
            for name in ("demo1", "demo2", "demo3"):
                assert calibration[name] == ["sub-cfu-e1189-a1", "sub-wait-e2264-a1"]
            # ... through one calibration session per credential, facilitated by lead.
            opened = {row.title: row for row in session.scalars(select(CalibrationSession))}
            assert set(opened) == {
                "Demo calibration: Checking for Understanding",
                "Demo calibration: Wait Time in Questioning",
            }, set(opened)
            assert {users["lead"].id} == {row.facilitator_id for row in opened.values()}
            in_sessions = session.scalars(select(CalibrationSessionAssignment.assignment_id)).all()
            assert sorted(in_sessions) == sorted(
                a.id for rows in queue.values() for a in rows if a.kind == "calibration"
            )
            assert "calibration sessions: 2 opened, 0 already there" in "\n".join(lines)
            demo1 = {a.submission_id: a for a in queue["demo1"]}
            assert len(demo1) == 7
            assert demo1["sub-cfu-e6618-a1"].due_at == _due_on(TODAY - timedelta(days=2))
            assert demo1["sub-wait-e3307-a1"].due_at == _due_on(TODAY + timedelta(days=1))
            assert "sub-wait-e4821-a2" in demo1
            assert len(queue["demo2"]) >= 3 and len(queue["demo3"]) >= 3
            assert "lead" not in queue
            types: dict[str, set[str]] = {}
            for sub_id, media_type in session.execute(
                select(ArtifactRow.submission_id, ArtifactRow.media_type)
            ):
                types.setdefault(sub_id, set()).add(media_type)
            assert len(types) == 15
            assert all(
                t == {"video/mp4", "application/pdf", "image/png", "text/markdown", "text/csv"}
                for t in types.values()
            )

        assert_scoring_operations(admin)

        # Second run: nothing new, nothing regenerated.
        again = seed_demo(admin, tmp_path / "work", cache, today=TODAY, video_seconds=1.5)
        assert not again.changed
        assert (again.accounts_existing, again.submissions_existing) == (6, 15)
        assert again.assignments_existing == 18 and again.assignments_created == 0
        assert again.scoring is not None and again.scoring.allocated == []
        assert (again.sessions_existing, again.sessions_created) == (2, 0)
        assert again.media_generated == 0 and again.passes_recorded == 0
        with admin.db.read() as session:
            assert session.scalar(select(func.count()).select_from(SubmissionRow)) == 15
            # Backreads beyond back's own are drawn by a hash of the (random) assignment
            # ids of decided sheets: their number varies from seed to seed.
            live = select(func.count()).where(AssignmentRow.kind != "backread")
            assert session.scalar(live) == 23
        assert_one_short_of_the_pathway_until_demo1_passes(admin)

    # A second hub seeds from the cache: every generated file is reused.
    with HubAdmin(HubSettings.from_data_dir(tmp_path / "hub2"), demo_accounts=True) as other:
        fresh = seed_demo(other, tmp_path / "work2", cache, today=TODAY, video_seconds=1.5)
        assert fresh.submissions_created == 15
        assert fresh.media_generated == 0 and fresh.media_cached == MEDIA
