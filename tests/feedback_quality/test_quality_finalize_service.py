"""ScoringService: the feedback check is part of check(); finalize refuses findings without
a reason, and keeps the reason with the local decision record, never in the hub's copy."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest
from quality_kit import GOOD_FEEDBACK, Seeded, score_all

from assessor_app.domain.assignment_state import LocalState, OutboxState
from assessor_app.domain.feedback_quality import FindingCode
from assessor_app.domain.rubric import FeedbackQualityRules
from assessor_app.protocol.rubric_file import CredentialSchema
from assessor_app.protocol.v1 import SubmissionOut
from assessor_app.services.scoring import FeedbackQualityRefused, FinalizeRefused

SHORT_NOT_YET = "Pauses were short; try waiting longer."
REASON = "Discussed with the educator; the short note matches the programme's template."


def _raw_payloads(seeded: Seeded) -> tuple[list[dict], list[dict]]:
    """The decisions' and the outbox's payload columns as stored in the SQLite file."""
    with sqlite3.connect(seeded.store.path) as db:
        decisions = [json.loads(p) for (p,) in db.execute("SELECT payload FROM decisions")]
        outbox = [json.loads(p) for (p,) in db.execute("SELECT payload FROM outbox")]
    return decisions, outbox


def test_check_lists_the_findings(seeded: Seeded) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", SHORT_NOT_YET)

    check = scoring.check("asg-1")
    assert not check.blocked
    assert {f.code for f in check.feedback_findings} == {
        FindingCode.NO_CRITERION_NAMED,
        FindingCode.TOO_SHORT,
    }


def test_findings_without_a_reason_refuse_and_record_nothing(seeded: Seeded) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", SHORT_NOT_YET)

    for reason in (None, "", "   "):
        with pytest.raises(FeedbackQualityRefused) as refused:
            scoring.finalize("asg-1", quality_override_reason=reason)
        assert isinstance(refused.value, FinalizeRefused)
        assert "at least 200" in str(refused.value)
    assert seeded.store.outbox.entries() == []
    assert seeded.store.decisions.latest("asg-1") is None
    assert seeded.store.assignments.local_state("asg-1") is LocalState.IN_PROGRESS


def test_a_reason_finalizes_and_stays_on_this_computer(seeded: Seeded) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", SHORT_NOT_YET)

    entry_id = scoring.finalize("asg-1", quality_override_reason=f"  {REASON} ").outbox_id

    recorded = seeded.store.decisions.latest("asg-1")
    assert recorded is not None
    assert recorded.quality_override_reason == REASON
    assert recorded.upload.feedback == SHORT_NOT_YET
    assert seeded.store.outbox.get(entry_id).state is OutboxState.QUEUED
    assert seeded.store.assignments.local_state("asg-1") is LocalState.FINALIZED
    decisions, outbox = _raw_payloads(seeded)
    assert decisions[0]["quality_override_reason"] == REASON
    assert "quality_override_reason" not in outbox[0]
    assert REASON not in json.dumps(outbox[0])


def test_good_feedback_needs_no_reason_and_an_unneeded_one_is_not_kept(seeded: Seeded) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", GOOD_FEEDBACK)
    assert scoring.check("asg-1").feedback_findings == ()

    scoring.finalize("asg-1", quality_override_reason=REASON)
    recorded = seeded.store.decisions.latest("asg-1")
    assert recorded is not None and recorded.quality_override_reason == ""
    decisions, _outbox = _raw_payloads(seeded)
    assert "quality_override_reason" not in decisions[0]


def test_reopen_and_finalize_again_checks_again(seeded: Seeded) -> None:
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", SHORT_NOT_YET)
    scoring.finalize("asg-1", quality_override_reason=REASON)
    scoring.reopen("asg-1")

    with pytest.raises(FeedbackQualityRefused):
        scoring.finalize("asg-1")
    scoring.set_feedback("asg-1", GOOD_FEEDBACK)
    scoring.finalize("asg-1")
    recorded = seeded.store.decisions.latest("asg-1")
    assert recorded is not None and recorded.quality_override_reason == ""
    assert recorded.upload.feedback == GOOD_FEEDBACK


def test_the_credential_from_the_hub_sets_the_rules(seeded: Seeded) -> None:
    lenient = replace(
        seeded.credential,
        version=seeded.credential.version + 1,
        feedback_quality=FeedbackQualityRules(require_criterion_named=False, min_length_not_yet=10),
    )
    stored = seeded.store.submissions.load("sub-1")
    assert stored is not None
    submission, _credential = stored
    seeded.store.submissions.save(
        SubmissionOut(
            id="sub-1",
            credential=CredentialSchema.from_domain(lenient),
            attempt=submission.attempt,
            educator_pseudonym=submission.educator_pseudonym,
        )
    )
    scoring = seeded.scoring()
    score_all(scoring, seeded.credential, "asg-1", meets=False)
    scoring.set_feedback("asg-1", SHORT_NOT_YET)

    assert scoring.check("asg-1").feedback_findings == ()
    scoring.finalize("asg-1")
    assert seeded.store.assignments.local_state("asg-1") is LocalState.FINALIZED
