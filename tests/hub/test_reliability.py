"""The reliability report: its figures worked out by hand on plain records, then from a
real hub's tables over HTTP (admin only) and as the ``reliability`` command's text and
PDF (text read back with pdftotext)."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from support.hub import HubServer

from assessor_app.hub.cli import main
from assessor_app.hub.config import HubSettings
from assessor_app.hub.scoring.reliability import (
    BackreadOutcome,
    Evidence,
    ReadPair,
    ValidityOutcome,
    figures,
    weekly,
)
from tests.hub.conftest import PASSWORD, World, sign_in
from tests.hub.scoring_flows_kit import run_flows, set_plan, upload

WEEK1 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday
WEEK2 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the Tuesday after

EVIDENCE = Evidence(
    pairs=(
        ReadPair(WEEK1, (1, 2), ((2, 2), (1, 1)), adjudicated=False),
        ReadPair(WEEK2, (1, 3), ((2, 0), (1, 1)), adjudicated=True),
    ),
    validity=(ValidityOutcome(WEEK1, 1, 1.0), ValidityOutcome(WEEK2, 1, 0.5)),
    backreads=(BackreadOutcome(WEEK2, 2, criteria=2, disagreed=1),),
)


def test_figures_worked_by_hand() -> None:
    every = figures(EVIDENCE, n_levels=3)
    assert (every.second_reads, every.criterion_pairs) == (2, 4)
    # Levels differ on one criterion pair of four, by two levels.
    assert (every.exact_agreement, every.adjacent_agreement) == (0.75, 0.75)
    # Quadratic weights: observed disagreement 4 (one pair two apart) equals the 4
    # expected by chance from the margins (A: 0,2,2; B: 1,2,1), so kappa is 0.
    assert every.kappa_quadratic == pytest.approx(0.0)
    assert every.adjudication_rate == 0.5
    assert (every.validity_papers, every.validity_accuracy) == (2, 0.75)
    assert (every.backread_criteria, every.backread_disagreement) == (2, 0.5)

    third = figures(EVIDENCE.of(3), n_levels=3)
    assert (third.second_reads, third.exact_agreement, third.adjacent_agreement) == (1, 0.5, 0.5)
    assert third.kappa_quadratic is None  # two criterion pairs are too few
    assert (third.validity_accuracy, third.backread_disagreement) == (None, None)
    assert figures(EVIDENCE.of(2), n_levels=3).backread_disagreement == 0.5
    assert EVIDENCE.readers() == {1, 2, 3}


def test_weeks_start_on_monday_and_hold_their_own_events() -> None:
    weeks = weekly(EVIDENCE, n_levels=3)
    assert [w.week_start for w in weeks] == [date(2026, 11, 23), date(2026, 11, 30)]
    first, second = weeks
    assert (first.second_reads, first.exact_agreement, first.validity_accuracy) == (1, 1.0, 1.0)
    assert (first.backread_criteria, first.backread_disagreement) == (0, None)
    assert (second.exact_agreement, second.adjudication_rate, second.validity_accuracy) == (
        0.5,
        1.0,
        0.5,
    )
    assert second.backread_disagreement == 0.5


def test_the_report_from_a_real_hub_over_http_and_as_a_command(
    hub: HubServer,
    world: World,
    ann: httpx.Client,
    settings: HubSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    admin = world.admin
    admin.add_assessor("ada", PASSWORD, "Ada Admin", roles=["admin"])
    # A second read of ann's submission by bob: same level on c2, one level apart on c1.
    second = admin.assign(world.ann_submission, "bob")
    assert upload(ann, world.ann_assignment, "proficient", "proficient").status_code == 200
    with sign_in(hub.base_url, "bob") as bob:
        assert upload(bob, second, "developing", "proficient").status_code == 200
        assert bob.get("/api/v1/reliability").status_code == 403

    with sign_in(hub.base_url, "ada") as ada:
        report = ada.get("/api/v1/reliability").json()
        assert ada.get("/api/v1/reliability", params={"credential": "nope"}).status_code == 404
        later = ada.get("/api/v1/reliability", params={"since": "2099-01-01"}).json()
    (credential,) = report["credentials"]
    assert (credential["credential_id"], credential["title"]) == (
        "test-wait-time",
        "Wait time after questions",
    )
    f = credential["figures"]
    assert (f["second_reads"], f["criterion_pairs"]) == (1, 2)
    assert (f["exact_agreement"], f["adjacent_agreement"], f["adjudication_rate"]) == (
        0.5,
        1.0,
        0.0,
    )
    assert f["kappa_quadratic"] is None
    assert [a["username"] for a in credential["assessors"]] == ["ann", "bob"]
    assert [w["second_reads"] for w in credential["weeks"]] == [1]
    assert later["credentials"][0]["figures"]["second_reads"] == 0
    assert later["since"] == "2099-01-01"

    pdf = tmp_path / "reliability.pdf"
    status = main(
        [
            "--data-dir",
            str(settings.data_dir),
            "reliability",
            "--db",
            settings.db_url,
            "--pdf",
            str(pdf),
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "Wait time after questions (test-wait-time)" in out
    assert "  ann: second reads 1: exact 50%, adjacent 100%, kappa too few items" in out
    assert (
        main(
            [
                "--data-dir",
                str(settings.data_dir),
                "reliability",
                "--db",
                settings.db_url,
                "--since",
                "2099-01-01",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == [
        "Wait time after questions (test-wait-time)",
        "  No second reads, validity papers or backreads recorded yet.",
    ]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in (
        "Reliability report",
        "Wait time after questions",
        "Ann Example (ann)",
        "Bob Example (bob)",
        "Weekly drift",
        "Second-read agreement per assessor",
        "Exact agreement per assessor and week",
        "too few items",
    ):
        assert words in text, words


def test_a_drawn_second_read_that_disagrees_counts_as_adjudicated(
    hub: HubServer, world: World, ann: httpx.Client
) -> None:
    admin = world.admin
    admin.add_assessor("ada", PASSWORD, "Ada Admin", roles=["admin"])
    set_plan(admin, second_read_share=1.0)
    assert upload(ann, world.ann_assignment, "proficient", "proficient").status_code == 200
    run_flows(admin)  # the second read goes to bob, the one other assessor
    with sign_in(hub.base_url, "bob") as bob:
        second = next(
            item["id"]
            for item in bob.get("/api/v1/assignments").json()["items"]
            if item["submission_id"] == world.ann_submission
        )
        assert upload(bob, second, "beginning", "beginning").status_code == 200
    with sign_in(hub.base_url, "ada") as ada:
        (credential,) = ada.get("/api/v1/reliability").json()["credentials"]
    f = credential["figures"]
    # c1 two levels apart, c2 one: no exact agreement, half adjacent; decisions differ.
    assert (f["second_reads"], f["exact_agreement"], f["adjacent_agreement"]) == (1, 0.0, 0.5)
    assert f["adjudication_rate"] == 1.0
