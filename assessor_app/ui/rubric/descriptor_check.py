"""The hint shown when feedback or a rationale only repeats the rubric's descriptor.

UI-GUIDE asks for feedback that says what the assessor saw. The heuristic itself is the
domain's (``domain.feedback_quality.only_repeats_descriptor``), the same one the finalize
check uses; here is only the panel's wording. It never blocks finalizing.
"""

from __future__ import annotations

from assessor_app.domain.feedback_quality import only_repeats_descriptor

HINT = (
    "⚠ This repeats the rubric's descriptor. Say what you saw in the evidence, "
    "and what would show the competency."
)

__all__ = ["HINT", "only_repeats_descriptor"]
