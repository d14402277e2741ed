"""The rubric panel: keyboard scoring, live decision, override reason, chips, comment
bank, read-only mode, resubmissions and accessible names."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from assessor_app.domain import Credential, Decision, PdfPage, ScoreSheet
from assessor_app.ui.qt import Qt
from assessor_app.ui.rubric import RubricPanel, chip_text, only_repeats_descriptor
from tests.ui.samples import (
    ARTIFACTS,
    CLIP_CITATION,
    PAGE_CITATION,
    QUOTE_CITATION,
    first_submission,
    resubmission,
)


def _panel(qtbot: QtBot, credential: Credential, sheet: ScoreSheet | None = None) -> RubricPanel:
    panel = RubricPanel(
        credential, first_submission(credential), sheet or ScoreSheet(), ["Count to five."]
    )
    qtbot.addWidget(panel)
    panel.resize(480, 700)
    panel.show()
    return panel


def test_keyboard_only_scoring_of_every_criterion(qtbot: QtBot, credential: Credential) -> None:
    panel = _panel(qtbot, credential)
    chosen: list[tuple[str, str]] = []
    focused: list[str] = []
    panel.levelChosen.connect(lambda c, lv: chosen.append((c, lv)))
    panel.focusedCriterionChanged.connect(focused.append)
    criteria = credential.rubric.criteria
    panel.focus_criterion(0)
    assert panel.counter.text() == "Criterion 1 of 5"
    for index, criterion in enumerate(criteria):
        target = panel.focusWidget()
        assert target is not None
        qtbot.keyClick(target, Qt.Key.Key_3 if len(criterion.levels) > 3 else Qt.Key.Key_2)
        if index + 1 < len(criteria):
            qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Down)
            assert panel.counter.text() == f"Criterion {index + 2} of 5"
    assert [c for c, _ in chosen] == [c.id for c in criteria]
    assert [lv for _, lv in chosen] == ["proficient"] * 5
    assert focused == [c.id for c in criteria[1:]]
    assert panel.sheet().score(criteria[4].id).level_id == "proficient"
    # Up goes back; the chosen level is shown in words too.
    qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Up)
    assert panel.focused_criterion_id() == criteria[3].id
    assert panel.criterion_pages[3].level_buttons[2].heading().startswith("✓ Chosen")
    assert panel.strip[3].text() == "4 ✓"


def test_digits_in_the_rationale_are_text_not_scores(qtbot: QtBot, credential: Credential) -> None:
    panel = _panel(qtbot, credential)
    edits: list[tuple[str, str]] = []
    panel.rationaleEdited.connect(lambda c, t: edits.append((c, t)))
    editor = panel.criterion_pages[0].rationale
    editor.setFocus()
    qtbot.keyClicks(editor, "4 s")
    assert editor.toPlainText() == "4 s"
    assert edits[-1] == (credential.rubric.criteria[0].id, "4 s")
    assert len(edits) == 3  # emitted as the user types
    assert panel.sheet().score(credential.rubric.criteria[0].id).level_id is None


def test_decision_updates_live_and_override_needs_a_reason(
    qtbot: QtBot, credential: Credential
) -> None:
    panel = _panel(qtbot, credential)
    assert panel.decision_label.text().startswith("Decision: not computed yet · 0 of 5")
    for index in range(5):
        panel.focus_criterion(index)
        panel.choose_level_number(1)  # Beginning: does not meet
    assert panel.decision_label.text().startswith("Decision: Not Yet (computed)")
    assert "rationale" in panel.problems_label.text()
    for index, criterion in enumerate(credential.rubric.criteria):
        panel.focus_criterion(index)
        panel.choose_level_number(len(criterion.levels))
        panel.criterion_pages[index].rationale.setPlainText("Seen at 03:12 and 05:40.")
    assert panel.decision_label.text() == "Decision: Pass (computed) · ✓ ready to finalize"
    panel.set_read_only(True, "✓ Uploaded")
    assert panel.decision_label.text() == "Decision: Pass (computed)"
    panel.set_read_only(False)
    assert panel.decision_label.text().endswith("✓ ready to finalize")

    overrides: list[tuple[object, str]] = []
    panel.overrideChanged.connect(lambda d, r: overrides.append((d, r)))
    panel.override_combo.setCurrentIndex(2)  # Not Yet
    assert overrides[-1] == (Decision.NOT_YET, "")
    assert panel.override_reason.isEnabled()
    assert "say why in the override reason" in panel.problems_label.text()
    assert "(your override; rubric: Pass)" in panel.decision_label.text()
    assert "problem" in panel.decision_label.text()
    qtbot.keyClicks(panel.override_reason, "Clip is cut")
    assert overrides[-1] == (Decision.NOT_YET, "Clip is cut")
    assert "override reason" not in panel.problems_label.text()
    assert panel.evaluation().decision is Decision.NOT_YET


def test_chips_render_click_emits_and_remove(qtbot: QtBot, credential: Credential) -> None:
    panel = _panel(qtbot, credential)
    first = credential.rubric.criteria[0].id
    added: list[tuple[str, object]] = []
    panel.citationAdded.connect(lambda c, cit: added.append((c, cit)))
    panel.add_citation(None, CLIP_CITATION)
    panel.add_citation(first, PAGE_CITATION)
    panel.add_citation(None, QUOTE_CITATION)
    chips = panel.criterion_pages[0].chips.chips
    assert [chip.button.text() for chip in chips] == [
        "Lesson clip, 03:05-03:40",
        "Lesson plan, p. 2",
        "Reflection: “I counted to five silently…”",
    ]
    assert added[0] == (first, CLIP_CITATION)
    assert chips[1].button.accessibleName() == "Citation: Lesson plan, p. 2. Click to show it."
    with qtbot.waitSignal(panel.citationActivated) as blocker:
        qtbot.mouseClick(chips[1].button, Qt.MouseButton.LeftButton)
    assert blocker.args == [PAGE_CITATION]

    with qtbot.waitSignal(panel.citationRemoved) as removed:
        qtbot.mouseClick(chips[0].remove_button, Qt.MouseButton.LeftButton)
    assert removed.args == [first, 0]
    assert panel.sheet().score(first).citations == (PAGE_CITATION, QUOTE_CITATION)
    assert len(panel.criterion_pages[0].chips.chips) == 2


def test_chip_text_for_each_target() -> None:
    artifacts = {a.id: a for a in ARTIFACTS}
    assert chip_text(CLIP_CITATION, artifacts) == "Lesson clip, 03:05-03:40"
    assert chip_text(PAGE_CITATION, artifacts) == "Lesson plan, p. 2"
    missing = type(PAGE_CITATION)("gone", PdfPage(1))
    assert chip_text(missing, artifacts) == "an artifact no longer in the submission, p. 1"


def test_feedback_comment_bank_and_descriptor_flag(qtbot: QtBot, credential: Credential) -> None:
    panel = _panel(qtbot, credential)
    feedback: list[str] = []
    banks: list[list[str]] = []
    panel.feedbackEdited.connect(feedback.append)
    panel.commentBankChanged.connect(banks.append)
    panel.tabs.setCurrentIndex(1)
    panel.bank_list.setCurrentRow(0)
    qtbot.keyClick(panel.bank_list, Qt.Key.Key_Return)
    assert panel.feedback.toPlainText() == "Count to five."
    assert feedback[-1] == "Count to five."
    qtbot.keyClicks(panel.new_comment, "Name the evidence.")
    qtbot.keyClick(panel.new_comment, Qt.Key.Key_Return)
    assert banks[-1] == ["Count to five.", "Name the evidence."]
    panel.bank_list.setCurrentRow(0)
    qtbot.mouseClick(panel.remove_comment_button, Qt.MouseButton.LeftButton)
    assert banks[-1] == ["Name the evidence."]

    criterion = credential.rubric.criteria[0]
    panel.focus_criterion(0)
    panel.choose_level_number(3)
    panel.tabs.setCurrentIndex(1)
    panel.feedback.setPlainText(criterion.levels[2].descriptor)
    assert panel.feedback_hint.isVisibleTo(panel)
    panel.feedback.setPlainText("At 03:12 she waited four seconds and six hands went up.")
    assert not panel.feedback_hint.isVisibleTo(panel)
    private: list[str] = []
    panel.privateNoteEdited.connect(private.append)
    panel.private_note.setPlainText("Audio drops at 06:00.")
    assert private == ["Audio drops at 06:00."]


def test_only_repeats_descriptor() -> None:
    descriptor = "Most pauses are under two seconds and the teacher answers their own question."
    assert only_repeats_descriptor(descriptor, [descriptor])
    assert only_repeats_descriptor("Most pauses are under two seconds. Good.", [descriptor])
    assert not only_repeats_descriptor(
        "At 03:12 she paused four seconds; six students then raised hands.", [descriptor]
    )
    assert not only_repeats_descriptor("", [descriptor])


def test_read_only_mode_blocks_every_edit(qtbot: QtBot, credential: Credential) -> None:
    first = credential.rubric.criteria[0].id
    sheet = ScoreSheet().with_level(first, "developing").with_rationale(first, "Short pauses.")
    panel = _panel(qtbot, credential, sheet)
    panel.add_citation(first, PAGE_CITATION)
    panel.set_read_only(True)
    emitted: list[object] = []
    panel.levelChosen.connect(lambda *a: emitted.append(a))
    panel.citationAdded.connect(lambda *a: emitted.append(a))
    assert panel.read_only_banner.isVisibleTo(panel)
    panel.focus_criterion(0)
    qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_4)
    qtbot.mouseClick(panel.criterion_pages[0].level_buttons[3], Qt.MouseButton.LeftButton)
    assert panel.sheet().score(first).level_id == "developing"
    assert panel.criterion_pages[0].level_buttons[1].isChecked()
    assert not panel.criterion_pages[0].level_buttons[3].isChecked()
    assert panel.criterion_pages[0].rationale.isReadOnly()
    assert panel.feedback.isReadOnly()
    assert not panel.override_combo.isEnabled()
    assert not panel.criterion_pages[0].chips.chips[0].remove_button.isVisibleTo(panel)
    panel.add_citation(None, CLIP_CITATION)
    assert emitted == []


def test_set_sheet_restores_state_without_emitting(qtbot: QtBot, credential: Credential) -> None:
    panel = _panel(qtbot, credential)
    emitted: list[object] = []
    for signal in (panel.levelChosen, panel.rationaleEdited, panel.feedbackEdited):
        signal.connect(lambda *a: emitted.append(a))
    first = credential.rubric.criteria[0].id
    sheet = (
        ScoreSheet(feedback="Keep going.", override=Decision.PASS, override_reason="Strong clip")
        .with_level(first, "exemplary")
        .with_rationale(first, "Waits 5 s.")
    )
    panel.set_sheet(sheet)
    assert emitted == []
    assert panel.criterion_pages[0].level_buttons[3].isChecked()
    assert panel.criterion_pages[0].rationale.toPlainText() == "Waits 5 s."
    assert panel.feedback.toPlainText() == "Keep going."
    assert panel.override_combo.currentText() == "Pass"
    assert panel.override_reason.text() == "Strong clip"


def test_resubmission_shows_earlier_feedback_and_addressed_marks(
    qtbot: QtBot, credential: Credential
) -> None:
    panel = RubricPanel(credential, resubmission(credential), ScoreSheet(), [])
    qtbot.addWidget(panel)
    panel.show()
    # First, where a narrow tab bar's scroll arrows cannot hide it; the criteria open.
    assert panel.tabs.tabText(0) == "Earlier attempts"
    assert panel.tabs.tabText(panel.tabs.currentIndex()) == "Criteria"
    assert panel.tabs.tabBar().tabRect(0).right() <= panel.tabs.tabBar().width()
    earlier = panel.earlier.toPlainText()
    assert "Attempt 1: Not Yet" in earlier
    assert "under a second" in earlier
    assert "think-pair-share" in earlier  # the change note
    marks = [p.addressed is not None for p in panel.criterion_pages]
    assert marks == [True, False, True, False, False]  # Developing and Beginning before
    toggles: list[tuple[str, bool]] = []
    panel.addressedToggled.connect(lambda c, b: toggles.append((c, b)))
    checkbox = panel.criterion_pages[2].addressed
    assert checkbox is not None
    checkbox.setChecked(True)
    assert toggles == [(credential.rubric.criteria[2].id, True)]
    assert panel.addressed() == {
        credential.rubric.criteria[0].id: False,
        credential.rubric.criteria[2].id: True,
    }
    panel.set_addressed({credential.rubric.criteria[0].id: True})
    assert len(toggles) == 1
    assert panel.addressed()[credential.rubric.criteria[0].id] is True


def test_accessible_names_on_main_controls(qtbot: QtBot, credential: Credential) -> None:
    panel = _panel(qtbot, credential)
    page = panel.criterion_pages[0]
    assert page.level_buttons[0].accessibleName() == "Level 1: Beginning, 1 point"
    assert page.level_buttons[0].accessibleDescription().endswith("(does not meet the standard)")
    assert page.rationale.accessibleName() == (
        "Rationale (required): Wait time after posing a question"
    )
    assert page.title.accessibleName() == "Criterion 1 of 5: Wait time after posing a question"
    assert panel.feedback.accessibleName() == "Feedback to the educator"
    assert panel.private_note.accessibleName() == "Private note to the hub"
    assert panel.override_combo.accessibleName() == "Decision override"
    assert panel.override_reason.accessibleName() == "Override reason"
    assert panel.bank_list.accessibleName() == "Comment bank"
    assert panel.decision_label.accessibleName() == "Decision"
    assert panel.next_button.toolTip() == "Next criterion (Down)"
    page.level_buttons[2].setChecked(True)
    assert page.level_buttons[2].accessibleName().endswith("chosen")
    # The reflection criterion's rationale is optional, and says so in words.
    assert panel.criterion_pages[4].rationale_label.text() == "Rationale (optional)"


def test_tab_moves_to_the_next_criterion_from_the_rationale(
    qtbot: QtBot, credential: Credential
) -> None:
    panel = _panel(qtbot, credential)
    panel.activateWindow()
    panel.focus_criterion(0)
    panel.criterion_pages[0].rationale.setFocus()
    qtbot.waitUntil(panel.criterion_pages[0].rationale.hasFocus, timeout=2000)
    qtbot.keyClick(panel.criterion_pages[0].rationale, Qt.Key.Key_Tab)
    assert panel.focused_criterion_id() == credential.rubric.criteria[1].id
    qtbot.keyClick(panel.focusWidget(), Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert panel.focused_criterion_id() == credential.rubric.criteria[0].id
    assert panel.focusWidget() is panel.criterion_pages[0].rationale
