"""Sync errors in the assessor's words (sync.trouble): no HTTP methods, paths, status
codes or exception names, the right cause, and what to do."""

from __future__ import annotations

import re

import pytest

from assessor_app.domain.wording import plural
from assessor_app.protocol.v1 import ProblemDetail
from assessor_app.sync.errors import (
    Conflict,
    HubError,
    HubNotAnswering,
    HubProblem,
    HubUnreachable,
    MalformedReply,
)
from assessor_app.sync.progress import SyncReport
from assessor_app.sync.trouble import HubTrouble, trouble_of, trouble_words

_JARGON = re.compile(r"HTTP|GET|POST|PUT|/api|/auth|Error\b|\b[45]\d\d\b|http://")


def _http(kind: type[HubProblem] | type[Conflict], status: int, retry_after: float | None = None):
    error = kind(status, ProblemDetail(title="Service Unavailable", status=status))
    error.retry_after = retry_after
    return error


@pytest.mark.parametrize(
    ("error", "words", "trouble"),
    [
        (
            HubUnreachable(
                "Could not reach the hub at http://127.0.0.1:9 (the connection failed: "
                "ConnectError) for POST /auth/token after 5 attempts."
            ),
            "Could not reach the hub. Check your internet connection.",
            HubTrouble.OFFLINE,
        ),
        (
            HubNotAnswering("Could not reach the hub (ReadTimeout) for GET /assignments"),
            "The hub is not answering",
            HubTrouble.NOT_ANSWERING,
        ),
        (_http(HubProblem, 503), "The hub has a problem right now.", HubTrouble.NOT_ANSWERING),
        (
            _http(HubProblem, 429, retry_after=600),
            "The hub asked to wait 10 minutes; sync again later.",
            HubTrouble.NOT_ANSWERING,
        ),
        (_http(HubProblem, 422), "The hub refused the request", None),
        (_http(Conflict, 409), "decided elsewhere, withdrawn or reassigned.", None),
        (
            MalformedReply("The hub's reply to GET /api/v1/assignments is not valid"),
            "could not be understood",
            None,
        ),
    ],
)
def test_words_name_the_cause_and_say_what_to_do_without_jargon(
    error: HubError, words: str, trouble: HubTrouble | None
) -> None:
    text = trouble_words(error)
    assert words in text
    assert _JARGON.search(text) is None, text
    assert trouble_of(error) is trouble


def test_a_conflict_names_its_cause_and_leaves_what_is_kept_to_the_caller() -> None:
    # A refused decision, backread verdict or decline each say what they keep; words that
    # said "Your decision is kept" too read twice, and wrongly, for a verdict or a decline.
    text = trouble_words(_http(Conflict, 409))
    assert "kept" not in text
    assert "decision" not in text


def test_counts_are_worded_in_the_right_number() -> None:
    assert [plural(n, "decision") for n in (0, 1, 2)] == [
        "0 decisions",
        "1 decision",
        "2 decisions",
    ]
    summary = SyncReport(uploaded=1, artifacts_downloaded=1, problems=["x"]).summary()
    assert "1 decision uploaded" in summary and "1 file downloaded" in summary
    assert "with 1 problem (" in summary
