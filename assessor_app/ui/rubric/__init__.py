"""The interactive rubric panel: levels, rationales, citation chips, feedback, decision."""

from assessor_app.ui.rubric.chips import chip_text
from assessor_app.ui.rubric.descriptor_check import only_repeats_descriptor
from assessor_app.ui.rubric.panel import RubricPanel

__all__ = ["RubricPanel", "chip_text", "only_repeats_descriptor"]
