"""``RubricPanel``: the interactive rubric beside the evidence, for one assignment.

It shows one criterion at a time ("Criterion 2 of 4") with its levels as buttons, a
rationale editor and citation chips; below it, the overall feedback with the comment
bank, the private note, earlier attempts on a resubmission, and the decision computed
live with ``domain.evaluate``. Every edit is emitted as a signal the moment it happens
(the services layer saves it at once: there is no Save button); the panel keeps its own
``ScoreSheet`` copy only to show the live decision and problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from assessor_app.domain import (
    Citation,
    Credential,
    Criterion,
    Decision,
    Evaluation,
    Level,
    PreviousAttempt,
    RationaleRequirement,
    ScoreSheet,
    Submission,
    evaluate,
)
from assessor_app.domain.wording import plural
from assessor_app.ui.plain_text import as_html, plain_label, set_plain, tooltip
from assessor_app.ui.qt import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QEvent,
    QFont,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    Qt,
    QTabWidget,
    QTextBrowser,
    QTextCursor,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
)
from assessor_app.ui.rubric.chips import ChipRow
from assessor_app.ui.rubric.descriptor_check import HINT, only_repeats_descriptor
from assessor_app.ui.rubric.level_button import LevelButton
from assessor_app.ui.shortcuts import with_hint, with_key

_DIGITS = {Qt.Key(Qt.Key.Key_1.value + i): i + 1 for i in range(9)}
READ_ONLY_TEXT = "Finalized: read only. Reopen it to change anything before it is uploaded."
_OVERRIDE_CHOICES: tuple[tuple[str, Decision | None], ...] = (
    ("Use the rubric's decision", None),
    ("Pass", Decision.PASS),
    ("Not Yet", Decision.NOT_YET),
    ("Returned as incomplete", Decision.RETURN_INCOMPLETE),
)


def _latest(attempts: Sequence[PreviousAttempt]) -> PreviousAttempt | None:
    return max(attempts, key=lambda a: a.attempt, default=None)


def _not_yet_before(criterion: Criterion, previous: PreviousAttempt | None) -> Level | None:
    """The level the latest earlier attempt had for this criterion, if it did not meet."""
    if previous is None:
        return None
    level_id = previous.criteria.get(criterion.id)
    level = criterion.level(level_id) if level_id is not None else None
    return level if level is not None and not level.meets else None


def _editor(parent: QWidget, name: str, lines: int) -> QPlainTextEdit:
    editor = QPlainTextEdit(parent)
    editor.setAccessibleName(name)
    editor.setTabChangesFocus(True)
    editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * lines + 12)
    return editor


def _hint_label(parent: QWidget) -> QLabel:
    label = QLabel(HINT, parent)
    label.setWordWrap(True)
    label.setAccessibleName("Feedback hint")
    label.hide()
    return label


class CriterionPage(QWidget):
    """One criterion: title, description, levels, addressed mark, rationale and chips."""

    def __init__(
        self,
        index: int,
        total: int,
        criterion: Criterion,
        artifacts: Mapping[str, object],
        previous: PreviousAttempt | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.criterion = criterion
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        self.title = plain_label(criterion.title, self)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setAccessibleName(f"Criterion {index + 1} of {total}: {criterion.title}")
        layout.addWidget(self.title)

        if criterion.description:
            description = plain_label(criterion.description, self)
            description.setWordWrap(True)
            description.setAccessibleName("Criterion description")
            layout.addWidget(description)

        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.level_buttons: list[LevelButton] = []
        for number, level in enumerate(criterion.levels, start=1):
            button = LevelButton(number, level, self)
            self.group.addButton(button, number)
            self.level_buttons.append(button)
            layout.addWidget(button)

        self.earlier_level = _not_yet_before(criterion, previous)
        self.addressed: QCheckBox | None = None
        if self.earlier_level is not None and previous is not None:
            # A checkbox cannot wrap its text, so the details go in a label beside it.
            row = QHBoxLayout()
            self.addressed = QCheckBox(f"Addressed since attempt {previous.attempt}?", self)
            self.addressed.setAccessibleName(
                f"Addressed since attempt {previous.attempt}: {criterion.title}"
            )
            was = plain_label(f"(was “{self.earlier_level.label}”: not yet)", self)
            was.setWordWrap(True)
            row.addWidget(self.addressed)
            row.addWidget(was, 1)
            layout.addLayout(row)

        requirement = {
            RationaleRequirement.REQUIRED: "Rationale (required)",
            RationaleRequirement.OPTIONAL: "Rationale (optional)",
            RationaleRequirement.NONE: "Notes (not asked for)",
        }[criterion.rationale]
        self.rationale_label = QLabel(requirement, self)
        if criterion.rationale is RationaleRequirement.REQUIRED:
            bold = QFont(self.rationale_label.font())
            bold.setBold(True)
            self.rationale_label.setFont(bold)
        layout.addWidget(self.rationale_label)
        self.rationale = _editor(self, f"{requirement}: {criterion.title}", 3)
        # A fixed height keeps the chips and the levels on screen together.
        self.rationale.setFixedHeight(self.rationale.minimumHeight())
        self.rationale.setPlaceholderText(
            "What did you see or hear? Cite the evidence with C while viewing it."
        )
        self.rationale_label.setBuddy(self.rationale)
        layout.addWidget(self.rationale)
        self.hint = _hint_label(self)
        layout.addWidget(self.hint)
        self.chips = ChipRow(artifacts, self)  # type: ignore[arg-type]
        self.chips.hide()
        layout.addWidget(self.chips)
        layout.addStretch(1)

    def first_focus(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked if checked is not None else self.level_buttons[0]

    def show_citations(self, citations: tuple[Citation, ...]) -> None:
        self.chips.set_citations(citations)
        # The chips come before the rationale in the Tab order: Tab in the rationale
        # goes on to the next criterion, so the rationale is the page's last stop.
        targets = self.chips.focus_targets()
        if targets:
            QWidget.setTabOrder(targets[-1], self.rationale)

    def set_level(self, level_id: str | None) -> None:
        for button in self.level_buttons:
            button.setChecked(button.level.id == level_id)
        if level_id is None and self.group.checkedButton() is not None:
            # An exclusive group will not uncheck its last button; lift it briefly.
            self.group.setExclusive(False)
            for button in self.level_buttons:
                button.setChecked(False)
            self.group.setExclusive(True)


class RubricPanel(QWidget):
    """The rubric for one assignment. Construct it, connect the signals, and call
    ``add_citation`` from the workspace's Cite action."""

    levelChosen = Signal(str, str)  # criterion id, level id
    rationaleEdited = Signal(str, str)  # criterion id, text
    citationAdded = Signal(str, object)  # criterion id, Citation
    citationRestored = Signal(str, int, object)  # criterion id, index, Citation
    citationRemoved = Signal(str, int)  # criterion id, index
    citationActivated = Signal(object)  # Citation
    feedbackEdited = Signal(str)
    privateNoteEdited = Signal(str)
    overrideChanged = Signal(object, str)  # Decision | None, reason
    addressedToggled = Signal(str, bool)  # criterion id, addressed
    commentBankChanged = Signal(list)  # list[str]
    focusedCriterionChanged = Signal(str)  # criterion id
    evaluationChanged = Signal(object)  # Evaluation

    def __init__(
        self,
        credential: Credential,
        submission: Submission,
        sheet: ScoreSheet,
        comment_bank: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.credential = credential
        self.submission = submission
        self._rubric = credential.rubric
        self._sheet = sheet
        self._bank = list(comment_bank)
        self._read_only = False
        self._restoring = False
        self._evaluation: Evaluation = evaluate(sheet, self._rubric)
        self._artifacts = {a.id: a for a in submission.artifacts}
        self._previous = _latest(submission.previous_attempts)
        self.setAccessibleName(f"Rubric: {credential.title}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        self.read_only_banner = QLabel(READ_ONLY_TEXT, self)
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setAccessibleName("Read-only notice")
        self.read_only_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.read_only_banner.hide()
        outer.addWidget(self.read_only_banner)

        # The criteria get a whole tab, so one criterion fits a 1366x768 screen unscrolled.
        criteria_tab = QWidget(self)
        criteria_layout = QVBoxLayout(criteria_tab)
        criteria_layout.setContentsMargins(4, 4, 4, 0)
        criteria_layout.setSpacing(4)
        criteria_layout.addLayout(self._build_header(criteria_tab))
        self.pages = QStackedWidget(criteria_tab)
        self.criterion_pages: list[CriterionPage] = []
        total = len(self._rubric.criteria)
        for index, criterion in enumerate(self._rubric.criteria):
            page = CriterionPage(
                index, total, criterion, self._artifacts, self._previous, self.pages
            )
            self._wire_page(page)
            self.pages.addWidget(page)
            self.criterion_pages.append(page)
        self.criterion_scroll = QScrollArea(criteria_tab)
        self.criterion_scroll.setWidgetResizable(True)
        self.criterion_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.criterion_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.criterion_scroll.setWidget(self.pages)
        self.criterion_scroll.installEventFilter(self)
        criteria_layout.addWidget(self.criterion_scroll, 1)
        self.installEventFilter(self)

        self.tabs = QTabWidget(self)
        self.tabs.setAccessibleName("Criteria, feedback, decision and earlier attempts")
        self.tabs.setDocumentMode(True)
        # On a resubmission "Earlier attempts" comes first, where the scroll arrows of a
        # narrow tab bar never hide it; the criteria are still what opens.
        if submission.is_resubmission:
            self.tabs.addTab(self._build_earlier_tab(), "Earlier attempts")
        self.criteria_tab_index = self.tabs.addTab(criteria_tab, "Criteria")
        self.feedback_tab = self._build_feedback_tab()
        self.tabs.addTab(self.feedback_tab, "Feedback")
        self.tabs.addTab(self._build_decision_tab(), "Decision")
        self.tabs.addTab(self._build_note_tab(), "Private note")
        self.tabs.setCurrentIndex(self.criteria_tab_index)
        outer.addWidget(self.tabs, 1)

        self.decision_label = QLabel(self)
        self.decision_label.setWordWrap(True)
        self.decision_label.setAccessibleName("Decision")
        bold = QFont(self.decision_label.font())
        bold.setBold(True)
        self.decision_label.setFont(bold)
        outer.addWidget(self.decision_label)

        self._current = 0
        self.set_sheet(sheet)
        self._show_criterion(0, emit=False)

    # -- construction -------------------------------------------------------------------

    def _build_header(self, parent: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(2)
        self.counter = QLabel(parent)
        self.counter.setAccessibleName("Criterion position")
        row.addWidget(self.counter)
        row.addStretch(1)
        self.strip: list[QToolButton] = []
        for index, criterion in enumerate(self._rubric.criteria):
            button = QToolButton(parent)
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setToolTip(tooltip(criterion.title))
            button.clicked.connect(lambda _=False, i=index: self.focus_criterion(i))
            self.strip.append(button)
            row.addWidget(button)
        self.previous_button = QToolButton(parent)
        self.previous_button.setText("▲")
        self.previous_button.setAccessibleName("Previous criterion")
        self.previous_button.setToolTip(with_key("Previous criterion", "next_criterion", 0))
        self.previous_button.clicked.connect(self.previous_criterion)
        self.next_button = QToolButton(parent)
        self.next_button.setText("▼")
        self.next_button.setAccessibleName("Next criterion")
        self.next_button.setToolTip(with_key("Next criterion", "next_criterion", 1))
        self.next_button.clicked.connect(self.next_criterion)
        row.addSpacing(6)
        row.addWidget(self.previous_button)
        row.addWidget(self.next_button)
        return row

    def _wire_page(self, page: CriterionPage) -> None:
        criterion_id = page.criterion.id
        page.group.idClicked.connect(lambda number, p=page: self._level_clicked(p, number))
        page.rationale.textChanged.connect(lambda p=page: self._rationale_changed(p))
        page.chips.activated.connect(self.citationActivated)
        page.chips.removeRequested.connect(lambda i, cid=criterion_id: self.remove_citation(cid, i))
        if page.addressed is not None:
            page.addressed.toggled.connect(
                lambda checked, cid=criterion_id: self._addressed_toggled(cid, checked)
            )

    def _build_feedback_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        self.feedback = _editor(tab, "Feedback to the educator", 4)
        self.feedback.setPlaceholderText(
            "Feedback to the educator. For Not Yet, say what evidence would show the competency."
        )
        self.feedback.textChanged.connect(self._feedback_changed)
        layout.addWidget(self.feedback, 2)
        self.feedback_hint = _hint_label(tab)
        layout.addWidget(self.feedback_hint)

        bank_label = QLabel("Comment bank (Enter or double-click inserts):", tab)
        layout.addWidget(bank_label)
        bank_row = QHBoxLayout()
        self.bank_list = QListWidget(tab)
        self.bank_list.setAccessibleName("Comment bank")
        self.bank_list.setToolTip(
            with_hint("Insert the comment into the feedback", "insert_comment")
        )
        self.bank_list.setMinimumHeight(self.bank_list.fontMetrics().lineSpacing() * 4 + 8)
        self.bank_list.itemActivated.connect(self._insert_comment_item)
        bank_label.setBuddy(self.bank_list)
        bank_row.addWidget(self.bank_list, 1)
        buttons = QVBoxLayout()
        self.insert_button = QPushButton("Insert", tab)
        self.insert_button.setAccessibleName("Insert comment into the feedback")
        self.insert_button.clicked.connect(self.insert_current_comment)
        self.remove_comment_button = QPushButton("Remove", tab)
        self.remove_comment_button.setAccessibleName("Remove comment from the bank")
        self.remove_comment_button.clicked.connect(self._remove_current_comment)
        buttons.addWidget(self.insert_button)
        buttons.addWidget(self.remove_comment_button)
        buttons.addStretch(1)
        bank_row.addLayout(buttons)
        layout.addLayout(bank_row, 1)
        add_row = QHBoxLayout()
        self.new_comment = QLineEdit(tab)
        self.new_comment.setPlaceholderText("New comment for the bank")
        self.new_comment.setAccessibleName("New comment for the bank")
        self.new_comment.returnPressed.connect(self._add_comment)
        self.add_comment_button = QPushButton("Add to bank", tab)
        self.add_comment_button.setAccessibleName("Add comment to the bank")
        self.add_comment_button.clicked.connect(self._add_comment)
        add_row.addWidget(self.new_comment, 1)
        add_row.addWidget(self.add_comment_button)
        layout.addLayout(add_row)
        self._fill_bank()
        return tab

    def _build_decision_tab(self) -> QWidget:
        tab = QWidget(self)
        form = QFormLayout(tab)
        form.setContentsMargins(4, 4, 4, 4)
        self.override_combo = QComboBox(tab)
        self.override_combo.setAccessibleName("Decision override")
        for text, decision in _OVERRIDE_CHOICES:
            self.override_combo.addItem(text, decision.value if decision else "")
        self.override_combo.currentIndexChanged.connect(self._override_changed)
        form.addRow("Override:", self.override_combo)
        self.override_reason = QLineEdit(tab)
        self.override_reason.setAccessibleName("Override reason")
        self.override_reason.setPlaceholderText("Why you chose this instead (required)")
        self.override_reason.textChanged.connect(self._override_changed)
        form.addRow("Reason:", self.override_reason)
        self.problems_label = plain_label("", tab)
        self.problems_label.setWordWrap(True)
        self.problems_label.setAccessibleName("Problems")
        self.problems_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Before finalizing:", self.problems_label)
        return tab

    def _build_note_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(QLabel("Private note to the hub (the educator never sees it):", tab))
        self.private_note = _editor(tab, "Private note to the hub", 3)
        self.private_note.textChanged.connect(self._private_note_changed)
        layout.addWidget(self.private_note, 1)
        return tab

    def _build_earlier_tab(self) -> QWidget:
        self.earlier = QTextBrowser(self)
        self.earlier.setAccessibleName("Earlier attempts and the change note")
        self.earlier.setOpenLinks(False)
        parts: list[str] = []
        if self.submission.change_note:
            parts.append(
                f"<h4>What the educator changed (attempt {self.submission.attempt})</h4>"
                f"<p>{as_html(self.submission.change_note)}</p>"
            )
        for attempt in sorted(self.submission.previous_attempts, key=lambda a: -a.attempt):
            parts.append(
                f"<h4>Attempt {attempt.attempt}: {as_html(attempt.decision.label)}</h4>"
                f"<p>{as_html(attempt.feedback)}</p>"
            )
            rows = []
            for criterion in self._rubric.criteria:
                level_id = attempt.criteria.get(criterion.id)
                level = criterion.level(level_id) if level_id else None
                if level is None:
                    continue
                mark = "✓ met" if level.meets else "✗ not yet"
                rows.append(f"<li>{as_html(criterion.title)}: {as_html(level.label)} ({mark})</li>")
            if rows:
                parts.append("<ul>" + "".join(rows) + "</ul>")
        self.earlier.setHtml("".join(parts) or "<p>No earlier feedback was sent.</p>")
        return self.earlier

    # -- public API -----------------------------------------------------------------------

    def sheet(self) -> ScoreSheet:
        return self._sheet

    def evaluation(self) -> Evaluation:
        return self._evaluation

    def comment_bank(self) -> list[str]:
        return list(self._bank)

    def focused_criterion_id(self) -> str:
        return self._rubric.criteria[self._current].id

    def is_read_only(self) -> bool:
        return self._read_only

    def set_sheet(self, sheet: ScoreSheet) -> None:
        """Show a stored sheet (after reopening) without emitting edit signals."""
        self._restoring = True
        try:
            self._sheet = sheet
            for page in self.criterion_pages:
                score = sheet.score(page.criterion.id)
                page.set_level(score.level_id)
                if page.rationale.toPlainText() != score.rationale:
                    page.rationale.setPlainText(score.rationale)
                page.show_citations(score.citations)
            if self.feedback.toPlainText() != sheet.feedback:
                self.feedback.setPlainText(sheet.feedback)
            if self.private_note.toPlainText() != sheet.private_note:
                self.private_note.setPlainText(sheet.private_note)
            choice = next(i for i, (_, d) in enumerate(_OVERRIDE_CHOICES) if d == sheet.override)
            self.override_combo.setCurrentIndex(choice)
            if self.override_reason.text() != sheet.override_reason:
                self.override_reason.setText(sheet.override_reason)
        finally:
            self._restoring = False
        self._refresh()

    def set_addressed(self, addressed: Mapping[str, bool]) -> None:
        """Restore the "addressed?" marks without emitting ``addressedToggled``."""
        self._restoring = True
        try:
            for page in self.criterion_pages:
                if page.addressed is not None:
                    page.addressed.setChecked(bool(addressed.get(page.criterion.id, False)))
        finally:
            self._restoring = False

    def addressed(self) -> dict[str, bool]:
        return {
            page.criterion.id: page.addressed.isChecked()
            for page in self.criterion_pages
            if page.addressed is not None
        }

    def set_read_only(self, read_only: bool, why: str = READ_ONLY_TEXT) -> None:
        """Lock or unlock every edit; ``why`` is the notice shown while locked."""
        self._read_only = read_only
        set_plain(self.read_only_banner, why)
        self.read_only_banner.setVisible(read_only)
        for page in self.criterion_pages:
            for button in page.level_buttons:
                button.read_only = read_only
            page.rationale.setReadOnly(read_only)
            page.chips.set_removable(not read_only)
            if page.addressed is not None:
                page.addressed.setEnabled(not read_only)
        for editor in (self.feedback, self.private_note):
            editor.setReadOnly(read_only)
        for widget in (
            self.override_combo,
            self.insert_button,
            self.remove_comment_button,
            self.add_comment_button,
            self.new_comment,
        ):
            widget.setEnabled(not read_only)
        self.override_reason.setReadOnly(read_only)
        self._refresh_override_reason()
        self._refresh()

    def add_citation(self, criterion_id: str | None, citation: Citation) -> None:
        """Add a citation to a criterion's rationale (None: the focused criterion)."""
        if self._read_only:
            return
        criterion_id = criterion_id or self.focused_criterion_id()
        score = self._sheet.score(criterion_id)
        if citation in score.citations:
            return
        citations = (*score.citations, citation)
        self._sheet = self._sheet.with_score(replace(score, citations=citations))
        self._page(criterion_id).show_citations(citations)
        self.citationAdded.emit(criterion_id, citation)
        self._refresh()

    def restore_citation(self, criterion_id: str, index: int, citation: Citation) -> None:
        """Put a deleted citation back at ``index`` among the criterion's chips."""
        if self._read_only:
            return
        score = self._sheet.score(criterion_id)
        if citation in score.citations:
            return
        index = max(0, min(index, len(score.citations)))
        citations = (*score.citations[:index], citation, *score.citations[index:])
        self._sheet = self._sheet.with_score(replace(score, citations=citations))
        self._page(criterion_id).show_citations(citations)
        self.citationRestored.emit(criterion_id, index, citation)
        self._refresh()

    def remove_citation(self, criterion_id: str, index: int) -> None:
        if self._read_only:
            return
        score = self._sheet.score(criterion_id)
        if not 0 <= index < len(score.citations):
            return
        citations = score.citations[:index] + score.citations[index + 1 :]
        self._sheet = self._sheet.with_score(replace(score, citations=citations))
        self._page(criterion_id).show_citations(citations)
        self.citationRemoved.emit(criterion_id, index)
        self._refresh()

    def insert_into_rationale(self, criterion_id: str, text: str) -> bool:
        """Show the criterion and add ``text`` as a line at the end of its rationale, saved
        as if typed; False when the sheet is read only."""
        if self._read_only:
            return False
        index = next(
            i for i, p in enumerate(self.criterion_pages) if p.criterion.id == criterion_id
        )
        self.focus_criterion(index)
        editor = self.criterion_pages[index].rationale
        cursor = editor.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        existing = editor.toPlainText()
        cursor.insertText(("\n" if existing and not existing.endswith("\n") else "") + text)
        editor.setTextCursor(cursor)
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def text_editors(self) -> list[QPlainTextEdit]:
        """Where the assessor writes to the educator: every rationale and the feedback."""
        return [*(p.rationale for p in self.criterion_pages), self.feedback]

    def choose_level_number(self, number: int) -> bool:
        """Choose level ``number`` (1-based) of the focused criterion, as key ``number`` does."""
        page = self.criterion_pages[self._current]
        if self._read_only or not 1 <= number <= len(page.level_buttons):
            return False
        self.tabs.setCurrentIndex(self.criteria_tab_index)
        button = page.level_buttons[number - 1]
        button.setChecked(True)
        self._level_clicked(page, number)
        return True

    def focus_criterion(self, index: int) -> None:
        if 0 <= index < len(self.criterion_pages):
            self.tabs.setCurrentIndex(self.criteria_tab_index)
            self._show_criterion(index, emit=True)
            self.criterion_pages[index].first_focus().setFocus(Qt.FocusReason.OtherFocusReason)

    def choose_level(self, criterion_index: int, number: int) -> bool:
        """Choose level ``number`` (1-based) of the criterion at ``criterion_index``,
        which becomes the current one (the rubric overview's choice)."""
        self.select_criterion(criterion_index)
        return self.choose_level_number(number)

    def select_criterion(self, index: int) -> None:
        """Make that criterion the current one without moving the focus."""
        if 0 <= index < len(self.criterion_pages):
            self._show_criterion(index, emit=True)

    def current_criterion_index(self) -> int:
        return self._current

    def focus_levels(self) -> None:
        """Put the focus on the current criterion's levels, ready for a number key."""
        self.focus_criterion(self._current)

    def edit_rationale(self) -> None:
        """Enter: into the current criterion's rationale, the cursor after its text."""
        self.tabs.setCurrentIndex(self.criteria_tab_index)
        editor = self.criterion_pages[self._current].rationale
        editor.moveCursor(QTextCursor.MoveOperation.End)
        editor.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def on_criteria_tab(self, widget: QWidget) -> bool:
        """Whether ``widget`` is on the Criteria tab (levels, rationales, chips)."""
        criteria = self.tabs.widget(self.criteria_tab_index)
        return criteria is not None and (widget is criteria or criteria.isAncestorOf(widget))

    def next_criterion(self) -> None:
        self.focus_criterion(min(self._current + 1, len(self.criterion_pages) - 1))

    def previous_criterion(self) -> None:
        self.focus_criterion(max(self._current - 1, 0))

    def handle_scoring_key(self, event: QKeyEvent) -> bool:
        """Digits choose a level, Up/Down move between criteria. The workspace may pass
        keys here from the evidence side; returns True when the key was used."""
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        if key in _DIGITS:
            return self.choose_level_number(_DIGITS[Qt.Key(key)])
        if key == Qt.Key.Key_Down:
            self.next_criterion()
            return True
        if key == Qt.Key.Key_Up:
            self.previous_criterion()
            return True
        return False

    # -- Qt overrides -----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Keys the level buttons and checkboxes pass up are caught here, before the
        # scroll area would use Up/Down to scroll.
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and self.handle_scoring_key(event)
        ):
            return True
        return super().eventFilter(watched, event)

    def focusNextPrevChild(self, next: bool) -> bool:
        # Tab in a rationale goes to the next criterion's levels, Shift+Tab to the
        # previous one's; after the last rationale comes the overall feedback.
        page = self.criterion_pages[self._current]
        focused = self.focusWidget()
        last = self._current + 1 == len(self.criterion_pages)
        if focused is page.rationale:
            if next and last:
                self.tabs.setCurrentWidget(self.feedback_tab)
                self.feedback.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if next or self._current > 0:
                self.focus_criterion(self._current + (1 if next else -1))
                return True
        if not next and focused in page.level_buttons and self._current > 0:
            self._show_criterion(self._current - 1, emit=True)
            self.criterion_pages[self._current].rationale.setFocus(
                Qt.FocusReason.BacktabFocusReason
            )
            return True
        return super().focusNextPrevChild(next)

    # -- edits --------------------------------------------------------------------------

    def _page(self, criterion_id: str) -> CriterionPage:
        return next(p for p in self.criterion_pages if p.criterion.id == criterion_id)

    def _level_clicked(self, page: CriterionPage, number: int) -> None:
        if self._restoring:
            return
        level = page.criterion.levels[number - 1]
        if self._read_only:
            page.set_level(self._sheet.score(page.criterion.id).level_id)
            return
        if self._sheet.score(page.criterion.id).level_id == level.id:
            return
        self._sheet = self._sheet.with_level(page.criterion.id, level.id)
        self.levelChosen.emit(page.criterion.id, level.id)
        self._refresh()

    def _rationale_changed(self, page: CriterionPage) -> None:
        if self._restoring or self._read_only:
            return
        text = page.rationale.toPlainText()
        self._sheet = self._sheet.with_rationale(page.criterion.id, text)
        self.rationaleEdited.emit(page.criterion.id, text)
        self._refresh()

    def _feedback_changed(self) -> None:
        if self._restoring or self._read_only:
            return
        text = self.feedback.toPlainText()
        self._sheet = replace(self._sheet, feedback=text)
        self.feedbackEdited.emit(text)
        self._refresh()

    def _private_note_changed(self) -> None:
        if self._restoring or self._read_only:
            return
        text = self.private_note.toPlainText()
        self._sheet = replace(self._sheet, private_note=text)
        self.privateNoteEdited.emit(text)

    def _override_changed(self, *_: object) -> None:
        self._refresh_override_reason()
        if self._restoring or self._read_only:
            return
        decision = _OVERRIDE_CHOICES[self.override_combo.currentIndex()][1]
        reason = self.override_reason.text()
        if decision == self._sheet.override and reason == self._sheet.override_reason:
            return
        self._sheet = replace(self._sheet, override=decision, override_reason=reason)
        self.overrideChanged.emit(decision, reason)
        self._refresh()

    def _addressed_toggled(self, criterion_id: str, checked: bool) -> None:
        if not self._restoring:
            self.addressedToggled.emit(criterion_id, checked)

    # -- comment bank -------------------------------------------------------------------

    def set_comment_bank(self, bank: Sequence[str]) -> None:
        """Show ``bank`` without emitting ``commentBankChanged``."""
        self._bank = list(bank)
        self._fill_bank()

    def _fill_bank(self) -> None:
        self.bank_list.clear()
        for text in self._bank:
            item = QListWidgetItem(text, self.bank_list)
            item.setToolTip(tooltip(text))

    def insert_comment(self, text: str) -> None:
        """Insert a comment at the feedback's cursor, on its own line."""
        if self._read_only or not text:
            return
        cursor = self.feedback.textCursor()
        before = self.feedback.toPlainText()[: cursor.position()]
        if before and not before.endswith(("\n", " ")):
            text = "\n" + text
        cursor.insertText(text)
        self.feedback.setTextCursor(cursor)

    def insert_current_comment(self) -> None:
        item = self.bank_list.currentItem()
        if item is not None:
            self.insert_comment(item.text())

    def _insert_comment_item(self, item: QListWidgetItem) -> None:
        self.insert_comment(item.text())

    def _add_comment(self) -> None:
        if self._read_only:
            return
        text = self.new_comment.text().strip() or self.feedback.textCursor().selectedText()
        text = text.replace("\u2029", "\n").strip()
        if not text or text in self._bank:
            return
        self._bank.append(text)
        self.new_comment.clear()
        self._fill_bank()
        self.commentBankChanged.emit(list(self._bank))

    def _remove_current_comment(self) -> None:
        row = self.bank_list.currentRow()
        if self._read_only or not 0 <= row < len(self._bank):
            return
        del self._bank[row]
        self._fill_bank()
        self.commentBankChanged.emit(list(self._bank))

    # -- display ------------------------------------------------------------------------

    def _show_criterion(self, index: int, emit: bool) -> None:
        changed = index != self._current
        self._current = index
        self.pages.setCurrentIndex(index)
        self.criterion_scroll.ensureVisible(0, 0)
        total = len(self.criterion_pages)
        self.counter.setText(f"Criterion {index + 1} of {total}")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index + 1 < total)
        for i, button in enumerate(self.strip):
            button.setChecked(i == index)
        if emit and changed:
            self.focusedCriterionChanged.emit(self._rubric.criteria[index].id)

    def _chosen_level(self, criterion: Criterion) -> Level | None:
        level_id = self._sheet.score(criterion.id).level_id
        return criterion.level(level_id) if level_id else None

    def _refresh(self) -> None:
        self._evaluation = evaluate(self._sheet, self._rubric)
        evaluation = self._evaluation
        scored = 0
        chosen_descriptors: list[str] = []
        for index, (criterion, page) in enumerate(
            zip(self._rubric.criteria, self.criterion_pages, strict=True)
        ):
            level = self._chosen_level(criterion)
            button = self.strip[index]
            if level is not None:
                scored += 1
                chosen_descriptors.append(level.descriptor)
                button.setText(f"{index + 1} ✓")
                button.setAccessibleName(f"Criterion {index + 1}, {criterion.title}: {level.label}")
            else:
                button.setText(f"{index + 1} ○")
                button.setAccessibleName(f"Criterion {index + 1}, {criterion.title}: not scored")
            rationale = self._sheet.score(criterion.id).rationale
            page.hint.setVisible(
                level is not None and only_repeats_descriptor(rationale, [level.descriptor])
            )
        self.feedback_hint.setVisible(
            only_repeats_descriptor(self._sheet.feedback, chosen_descriptors)
        )

        total = len(self._rubric.criteria)
        if evaluation.decision is None:
            text = f"Decision: not computed yet · {scored} of {total} criteria scored"
        elif self._sheet.override is not None and self._sheet.override != evaluation.computed:
            computed = evaluation.computed.label if evaluation.computed else "not computed"
            text = f"Decision: {evaluation.decision.label} (your override; rubric: {computed})"
        else:
            text = f"Decision: {evaluation.decision.label} (computed)"
        # A locked sheet is past finalizing: its notice says why, not "ready to finalize".
        if not self._read_only and evaluation.problems:
            text += f" · ⚠ {plural(len(evaluation.problems), 'problem')} (see Decision)"
        elif not self._read_only and evaluation.can_finalize:
            text += " · ✓ ready to finalize"
        self.decision_label.setText(text)
        if evaluation.problems:
            set_plain(self.problems_label, "\n".join(f"• {p.message}" for p in evaluation.problems))
        else:
            set_plain(self.problems_label, "✓ None: the sheet can be finalized.")
        self.evaluationChanged.emit(evaluation)

    def _refresh_override_reason(self) -> None:
        overriding = self.override_combo.currentIndex() > 0
        self.override_reason.setEnabled(overriding and not self._read_only)
