"""What an adjudicator sees, and what an adjudicator's sheet must hold.

``adjudication_reads`` is what ``GET /assignments/{id}/reads`` gives an adjudicator: the
two reads ("Read A", "Read B", in the order they were recorded), each without its reader
or private note (a backreader gets ``backread.decided_read``). ``rationale_problems``
lists the criteria of an adjudicator's upload that differ from both reads and have no
rationale (``domain.adjudication.criteria_needing_rationale``); the upload is refused
with them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessor_app.domain.adjudication import criteria_needing_rationale
from assessor_app.domain.assignment import AssignmentKind
from assessor_app.hub.db import AssignmentRow, DecisionRow
from assessor_app.hub.scoring.second_reads import pair_reads, read_of
from assessor_app.protocol.scoring import READ_LABELS, ReadOut, ReadsOut
from assessor_app.protocol.v1 import DecisionUpload


def _read_out(label: str, decision: DecisionRow) -> ReadOut:
    upload = DecisionUpload.model_validate(decision.body)
    return ReadOut(
        label=label,
        decision=upload.decision,
        criteria=list(upload.criteria),
        feedback=upload.feedback,
    )


def adjudication_reads(session: Session, assignment: AssignmentRow) -> ReadsOut:
    """An adjudication's two reads, "Read A" and "Read B" in the order recorded."""
    reads = pair_reads(session, assignment.submission_id)
    return ReadsOut(
        reads=[
            _read_out(label, read.decision) for label, read in zip(READ_LABELS, reads, strict=False)
        ]
    )


def rationale_problems(
    session: Session, assignment: AssignmentRow, upload: DecisionUpload
) -> list[dict[str, str]]:
    """Field problems of an adjudicator's sheet: a criterion whose level differs from both
    reads needs a rationale."""
    if assignment.kind != AssignmentKind.ADJUDICATION.value:
        return []
    reads = pair_reads(session, assignment.submission_id)
    if len(reads) < 2:
        return []
    first, second = (read_of(r.decision).levels for r in reads)
    final = {s.criterion_id: s.level_id for s in upload.criteria}
    index = {s.criterion_id: i for i, s in enumerate(upload.criteria)}
    return [
        {
            "field": f"criteria[{index[criterion_id]}].rationale",
            "code": "adjudication_rationale_required",
            "message": f"{criterion_id}: the level differs from both reads, so say why.",
        }
        for criterion_id in criteria_needing_rationale(final, first, second)
        if not upload.criteria[index[criterion_id]].rationale.strip()
    ]
