"""Wire schemas of scoring operations: what they accept, refuse and leave out."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assessor_app.protocol.scoring import (
    BackreadVerdict,
    DeclineRequest,
    ReadsOut,
    RecalibrationNotice,
)
from assessor_app.protocol.v1 import Me

ME = {"username": "ann", "display_name": "Ann", "roles": ["assessor"], "calibration_status": "none"}


def test_me_sends_recalibration_only_when_there_is_one() -> None:
    assert "recalibration" not in Me(**ME).model_dump(mode="json")
    notice = RecalibrationNotice(credential_id="c", credential_title="C", reason="3 of 5 missed")
    sent = Me(**ME, recalibration=[notice]).model_dump(mode="json")
    assert sent["recalibration"] == [
        {"credential_id": "c", "credential_title": "C", "reason": "3 of 5 missed"}
    ]
    assert Me.model_validate(sent).recalibration == [notice]
    assert Me.model_validate(ME).recalibration == []


def test_a_decline_names_one_of_two_reasons() -> None:
    assert DeclineRequest(reason="conflict_of_interest").comment == ""
    with pytest.raises(ValidationError):
        DeclineRequest.model_validate({"reason": "busy", "comment": ""})


def test_reads_and_verdicts_round_trip_and_refuse_unknown_fields() -> None:
    reads = {
        "reads": [
            {
                "label": "Read A",
                "decision": "pass",
                "criteria": [{"criterion_id": "A", "level_id": "l3", "rationale": "r"}],
                "feedback": "f",
            }
        ]
    }
    assert ReadsOut.model_validate(reads).reads[0].criteria[0].level_id == "l3"
    with pytest.raises(ValidationError):
        ReadsOut.model_validate({"reads": [{**reads["reads"][0], "assessor": "ann"}]})
    verdict = BackreadVerdict.model_validate(
        {"criteria": [{"criterion_id": "A", "agree": False, "level_id": "l2"}]}
    )
    assert (verdict.send_back, verdict.criteria[0].comment) == (False, "")
