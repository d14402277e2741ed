"""The calibration session view: the assessor's sessions and, for the chosen one, who has
submitted, the criteria x assessors matrix of levels per item with disagreements marked,
the agreement statistics with their meaning in words, the consensus and the discussion
notes. The facilitator also reveals results and records the consensus here.

Every hub call runs on the net executor; the GUI thread only shows what came back. When
the hub cannot be reached the last seen state of a session is shown, marked as such.
"""

from __future__ import annotations

from pathlib import Path

from assessor_app.domain.calibration_display import (
    BANDS_EXPLAINED,
    DISAGREEMENT_MARK,
    STATISTIC_MEANINGS,
    format_statistic,
)
from assessor_app.domain.text import printable
from assessor_app.protocol.calibration import AgreementStatistics, ConsensusEntry, ItemResult
from assessor_app.services.calibration import CalibrationService, SessionListing, SessionView
from assessor_app.services.problems import problem_words
from assessor_app.ui.background import Executors
from assessor_app.ui.calibration.models import MatrixModel, SessionIdRole, SessionListModel
from assessor_app.ui.plain_text import as_html, plain_label, set_plain
from assessor_app.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QModelIndex,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    Signal,
)

NO_CONSENSUS = "No consensus yet"
LEGEND = (
    f"{DISAGREEMENT_MARK} and a tinted row: the assessors chose different levels. "
    "= : everyone who scored chose the same level. – : no level recorded."
)


def reveal_question(view: SessionView) -> str:
    """What Reveal results asks: everyone's levels become visible, and the items still
    unscored are withdrawn — named, per participant."""
    lines = [
        f"{p.display_name or p.username}: {view.item_name(s)}"
        for p in view.detail.participants
        for s in p.undecided
    ]
    if not lines:
        return "Everyone has submitted every item. Show the results to all participants now?"
    return (
        "Show everyone's levels now? So that nobody scores after seeing the results, these "
        "unscored items are withdrawn and cannot be scored afterwards:\n\n"
        + "\n".join(f"• {line}" for line in lines)
    )


def consensus_reasons(view: SessionView, item: ItemResult | None) -> str:
    """The consensus of one item as participants read it: each criterion's agreed level
    and why; empty while there is none."""
    if view.results is None or item is None:
        return ""
    lines = [
        f"{view.criterion_title(c.criterion_id)}: "
        f"{view.level_label(c.criterion_id, c.level_id)}" + (f" — {c.note}" if c.note else "")
        for c in view.results.consensus
        if c.submission_id == item.submission_id
    ]
    return "\n".join(lines)


class ConsensusEditor(QGroupBox):
    """The facilitator's consensus: a level and a note per criterion of each item, kept
    across items until saved."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Consensus (facilitator)", parent)
        self._view: SessionView | None = None
        self._item: ItemResult | None = None
        # (submission id, criterion id) -> (level id or None, note)
        self._edits: dict[tuple[str, str], tuple[str | None, str]] = {}
        self.levels: dict[str, QComboBox] = {}
        self.notes: dict[str, QLineEdit] = {}
        self._form = QFormLayout()
        self.save_button = QPushButton("Save consensus", self)
        self.save_button.setToolTip("Send the consensus levels and the discussion notes to the hub")
        layout = QVBoxLayout(self)
        layout.addLayout(self._form)
        layout.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)

    def load(self, view: SessionView) -> None:
        """Start from the consensus the hub holds."""
        self._view = view
        self._edits = {
            (c.submission_id, c.criterion_id): (c.level_id, c.note)
            for c in (view.results.consensus if view.results else [])
        }

    def show_item(self, item: ItemResult | None) -> None:
        self._item = item
        while self._form.rowCount():
            self._form.removeRow(0)
        self.levels, self.notes = {}, {}
        view = self._view
        if view is None or item is None:
            return
        present = {row.criterion_id for row in item.criteria}
        for criterion_id in [c for c in view.criterion_ids() if c in present]:
            level_id, note = self._edits.get((item.submission_id, criterion_id), (None, ""))
            combo = QComboBox(self)
            combo.addItem(NO_CONSENSUS, None)
            for choice_id, label in view.level_choices(criterion_id):
                combo.addItem(label, choice_id)
            combo.setCurrentIndex(max(0, combo.findData(level_id)))
            title = view.criterion_title(criterion_id)
            combo.setAccessibleName(f"Consensus level: {title}")
            note_edit = QLineEdit(note, self)
            note_edit.setPlaceholderText("Why the group agreed on this level")
            note_edit.setAccessibleName(f"Consensus note: {title}")
            combo.currentIndexChanged.connect(lambda _i, c=criterion_id: self._remember(c))
            note_edit.textChanged.connect(lambda _t, c=criterion_id: self._remember(c))
            row = QHBoxLayout()
            row.addWidget(combo)
            row.addWidget(note_edit, 1)
            self._form.addRow(plain_label(title, self), row)
            self.levels[criterion_id], self.notes[criterion_id] = combo, note_edit

    def _remember(self, criterion_id: str) -> None:
        if self._item is None:
            return
        level = self.levels[criterion_id].currentData()
        note = self.notes[criterion_id].text()
        self._edits[(self._item.submission_id, criterion_id)] = (level, note)

    def choose(self, criterion_id: str, level_id: str | None, note: str = "") -> None:
        """Set one criterion of the shown item, as a person would."""
        combo = self.levels[criterion_id]
        combo.setCurrentIndex(max(0, combo.findData(level_id)))
        self.notes[criterion_id].setText(note)

    def entries(self) -> list[ConsensusEntry]:
        return [
            ConsensusEntry(submission_id=s, criterion_id=c, level_id=level, note=note.strip())
            for (s, c), (level, note) in self._edits.items()
            if level is not None
        ]


class SessionsView(QWidget):
    sessionsLoaded = Signal(int)
    sessionLoaded = Signal(object)
    consensusSaved = Signal(object)
    reportSaved = Signal(str)
    failed = Signal(str)

    def __init__(
        self, service: CalibrationService, executors: Executors, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.executors = executors
        self.current: SessionView | None = None
        self.setAccessibleName("Calibration sessions")

        self.refresh_button = QPushButton("Refresh", self)
        self.refresh_button.setToolTip("Fetch your sessions and the open session from the hub")
        self.refresh_button.clicked.connect(self.refresh)
        self.reveal_button = QPushButton("Reveal results", self)
        self.reveal_button.setToolTip(
            "Show everyone's levels now, even if not everyone has submitted (facilitator)"
        )
        self.reveal_button.clicked.connect(self.reveal)
        self.report_button = QPushButton("Save report…", self)
        self.report_button.clicked.connect(self.ask_report_path)
        self.status = plain_label("", self)
        self.status.setAccessibleName("Calibration status")
        self.status.setWordWrap(True)
        bar = QHBoxLayout()
        for button in (self.refresh_button, self.reveal_button, self.report_button):
            bar.addWidget(button)
        bar.addWidget(self.status, 1)

        self.list_model = SessionListModel(self)
        self.list = QTableView(self)
        self.list.setModel(self.list_model)
        self.list.setAccessibleName("Your calibration sessions")
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.verticalHeader().setVisible(False)
        self.list.horizontalHeader().setStretchLastSection(True)
        # A session's title is what the facilitator looks for: it is never cut, nor is
        # the state's name beside it.
        for section in (0, 1):
            self.list.horizontalHeader().setSectionResizeMode(
                section, QHeaderView.ResizeMode.ResizeToContents
            )
        self.list.selectionModel().currentRowChanged.connect(self._chosen)

        self.heading = QLabel("Choose a session.", self)
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setAccessibleName("Session")
        self.people = plain_label("", self)
        self.people.setWordWrap(True)
        self.people.setAccessibleName("Participants")
        self.item_choice = QComboBox(self)
        self.item_choice.setAccessibleName("Session item")
        self.item_choice.currentIndexChanged.connect(self._item_chosen)
        self.matrix_model = MatrixModel(self)
        self.matrix = QTableView(self)
        self.matrix.setModel(self.matrix_model)
        self.matrix.setAccessibleName("Levels by criterion and assessor")
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.verticalHeader().setVisible(False)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.matrix.setMinimumHeight(140)
        self.legend = QLabel(LEGEND, self)
        self.legend.setWordWrap(True)
        self.stats = QTableWidget(self)
        self.stats.setAccessibleName("Agreement statistics")
        self.stats.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stats.verticalHeader().setVisible(False)
        self.stats.setMinimumHeight(120)
        self.meanings = QLabel(
            "<br>".join(f"<b>{label}</b>: {text}" for _, label, text in STATISTIC_MEANINGS)
            + f"<br>{BANDS_EXPLAINED}",
            self,
        )
        self.meanings.setWordWrap(True)
        self.meanings.setAccessibleName("What the statistics mean")
        self.reveal_box: QMessageBox | None = None
        self.reasons = plain_label("", self)
        self.reasons.setWordWrap(True)
        self.reasons.setAccessibleName("Consensus and its reasons")
        self.reasons.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reasons_heading = QLabel("<b>Consensus: the agreed levels and why</b>", self)
        self.reasons.hide()
        self.reasons_heading.hide()
        self.consensus = ConsensusEditor(self)
        self.consensus.save_button.clicked.connect(self.save_consensus)
        self.notes = QPlainTextEdit(self)
        self.notes.setAccessibleName("Discussion notes")
        self.notes.setPlaceholderText("Discussion notes (the facilitator writes these)")
        self.notes.setMaximumHeight(110)

        detail = QWidget(self)
        column = QVBoxLayout(detail)
        column.addWidget(self.heading)
        column.addWidget(self.people)
        column.addWidget(self.item_choice)
        column.addWidget(self.matrix)
        column.addWidget(self.legend)
        column.addWidget(QLabel("<b>Agreement statistics</b>", detail))
        column.addWidget(self.stats)
        column.addWidget(self.meanings)
        column.addWidget(self.reasons_heading)
        column.addWidget(self.reasons)
        column.addWidget(self.consensus)
        column.addWidget(QLabel("<b>Discussion notes</b>", detail))
        column.addWidget(self.notes)
        column.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(detail)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(self.list)
        split.addWidget(scroll)
        split.setStretchFactor(1, 3)
        split.setSizes([360, 700])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self._show(None)

    # -- loading -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch the session list (and the open session again) on the net executor."""
        self.status.setText("Fetching your sessions…")
        self.executors.net.submit(self.service.sessions, success=self._listed, failure=self._fail)
        if self.current is not None:
            self.open_session(self.current.detail.id)

    def _listed(self, listing: SessionListing) -> None:
        self.list_model.set_entries(listing.entries)
        if listing.from_cache:
            self.status.setText(
                "The hub could not be reached: these are the sessions seen on this computer."
            )
        elif not listing.entries:
            self.status.setText("You take part in no calibration sessions yet.")
        else:
            self.status.setText("")
        if self.current is not None:
            row = self.list_model.row_of(self.current.detail.id)
            if row is not None:
                self.list.selectRow(row)
        self.sessionsLoaded.emit(len(listing.entries))

    def _chosen(self, index: QModelIndex, _previous: QModelIndex) -> None:
        session_id = self.list_model.data(index, SessionIdRole)
        # Reselecting the shown session after a refresh must not fetch it a second time.
        if session_id and (self.current is None or self.current.detail.id != session_id):
            self.open_session(str(session_id))

    def open_session(self, session_id: str) -> None:
        self.status.setText("Fetching the session…")
        self.executors.net.submit(
            lambda: self.service.session(session_id), success=self._opened, failure=self._fail
        )

    def _opened(self, view: SessionView) -> None:
        self._show(view)
        self.sessionLoaded.emit(view)

    def _fail(self, error: BaseException) -> None:
        message = problem_words(error)
        set_plain(self.status, message)
        self.failed.emit(message)

    # -- showing -------------------------------------------------------------------------

    def _show(self, view: SessionView | None) -> None:
        previous_item = self.item_choice.currentData()
        self.current = view
        self.reveal_button.setEnabled(bool(view and view.can_reveal))
        self.report_button.setEnabled(view is not None)
        if view is None:
            self.heading.setText("Choose a session.")
            self.people.setText("")
            self.item_choice.clear()
            self.matrix_model.set_item(None, None)
            self.stats.clear()
            self.stats.setRowCount(0)
            self.consensus.hide()
            self.notes.setPlainText("")
            self.notes.setReadOnly(True)
            return
        d = view.detail
        role = "You facilitate this session." if view.is_facilitator else "You take part."
        self.heading.setText(f"<b>{as_html(d.title)}</b> · {view.state_words} · {role}")
        done = ", ".join(
            f"{p.display_name or p.username} {'✓ submitted' if p.submitted else '… scoring'}"
            f" ({p.submitted_items} of {len(d.items)})"
            for p in d.participants
        )
        set_plain(self.people, f"Participants: {done}")
        if view.from_cache:
            self.status.setText(
                "The hub could not be reached: shown as last seen on "
                f"{view.fetched_at:%d %b %H:%M}."
            )
        elif view.results is None:
            waiting = sum(1 for p in d.participants if not p.submitted)
            self.status.setText(
                "Scoring is blind: results appear when every participant has submitted "
                f"({waiting} still scoring) or the facilitator reveals them."
            )
        else:
            self.status.setText("")
        self.item_choice.blockSignals(True)
        self.item_choice.clear()
        if view.results is not None:
            for number, item in enumerate(view.results.items, start=1):
                keyed = " (keyed)" if any(r.master_level for r in item.criteria) else ""
                self.item_choice.addItem(
                    printable(f"Item {number}: {view.item_name(item.submission_id)}{keyed}"),
                    item.submission_id,
                )
            found = self.item_choice.findData(previous_item)
            self.item_choice.setCurrentIndex(max(0, found))
        self.item_choice.blockSignals(False)
        self.item_choice.setVisible(view.results is not None)
        self._show_statistics(view)
        self.consensus.setVisible(view.can_edit_consensus)
        if view.can_edit_consensus:
            self.consensus.load(view)
        self.notes.setReadOnly(not view.can_edit_consensus)
        self.notes.setPlainText(view.results.notes if view.results else "")
        self._item_chosen()

    def _item_chosen(self, *_: object) -> None:
        view = self.current
        item = self.current_item()
        self.matrix_model.set_item(view, item)
        self.matrix.resizeColumnsToContents()
        if view is not None and view.can_edit_consensus:
            self.consensus.show_item(item)
        # The facilitator edits the reasons in the consensus box; everyone else reads them.
        reasons = "" if view is None or view.can_edit_consensus else consensus_reasons(view, item)
        set_plain(self.reasons, reasons)
        self.reasons.setVisible(bool(reasons))
        self.reasons_heading.setVisible(bool(reasons))

    def current_item(self) -> ItemResult | None:
        view = self.current
        if view is None or view.results is None:
            return None
        wanted = self.item_choice.currentData()
        return next((i for i in view.results.items if i.submission_id == wanted), None)

    def choose_item(self, submission_id: str) -> None:
        self.item_choice.setCurrentIndex(self.item_choice.findData(submission_id))

    def _show_statistics(self, view: SessionView) -> None:
        self.stats.clear()
        results = view.results
        if results is None:
            self.stats.setRowCount(0)
            self.stats.setColumnCount(0)
            return
        headers = ["Criterion", *[label for _, label, _ in STATISTIC_MEANINGS]]
        lines: list[tuple[str, AgreementStatistics]] = [
            (view.criterion_title(s.criterion_id), s) for s in results.statistics.per_criterion
        ]
        lines.append(("All criteria", results.statistics.overall))
        self.stats.setColumnCount(len(headers))
        self.stats.setHorizontalHeaderLabels(headers)
        self.stats.setRowCount(len(lines))
        for r, (title, values) in enumerate(lines):
            self.stats.setItem(r, 0, QTableWidgetItem(printable(title)))
            for c, (name, _, meaning) in enumerate(STATISTIC_MEANINGS, start=1):
                cell = QTableWidgetItem(
                    format_statistic(name, getattr(values, name), values.n_items)
                )
                cell.setToolTip(meaning)
                self.stats.setItem(r, c, cell)
        self.stats.resizeColumnsToContents()

    # -- facilitator actions -------------------------------------------------------------

    def reveal(self) -> None:
        """Ask first, naming what a reveal withdraws; reveal once the facilitator agrees
        (the question is a window-modal box, so the window keeps painting)."""
        view = self.current
        if view is None or not view.can_reveal:
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Reveal results",
            reveal_question(view),
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.addButton("Reveal and withdraw", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(self._reveal_now)
        self.reveal_box = box
        box.open()

    def _reveal_now(self) -> None:
        view = self.current
        if view is None or not view.can_reveal:
            return
        session_id = view.detail.id
        self.status.setText("Revealing…")
        self.executors.net.submit(
            lambda: self.service.reveal(session_id), success=self._opened, failure=self._fail
        )

    def save_consensus(self) -> None:
        view = self.current
        if view is None or not view.can_edit_consensus:
            return
        session_id = view.detail.id
        entries = self.consensus.entries()
        notes = self.notes.toPlainText()
        self.consensus.save_button.setEnabled(False)
        self.status.setText("Saving the consensus…")

        def saved(new_view: SessionView) -> None:
            self.consensus.save_button.setEnabled(True)
            self._show(new_view)
            self.status.setText("Consensus saved on the hub ✓")
            self.consensusSaved.emit(new_view)

        def refused(error: BaseException) -> None:
            self.consensus.save_button.setEnabled(True)
            self._fail(error)

        self.executors.net.submit(
            lambda: self.service.save_consensus(session_id, entries, notes),
            success=saved,
            failure=refused,
        )

    # -- report --------------------------------------------------------------------------

    def ask_report_path(self) -> None:
        view = self.current
        if view is None:
            return
        suggested = f"calibration-session-{view.detail.id}.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save calibration report", suggested, "PDF files (*.pdf)"
        )
        if path:
            self.save_report(Path(path))

    def save_report(self, path: Path) -> None:
        """Write the report of the shown session (as shown: no hub call) off the GUI thread."""
        view = self.current
        if view is None:
            return
        self.status.setText("Writing the report…")

        def written(_view: object) -> None:
            set_plain(self.status, f"Report saved to {path}")
            self.reportSaved.emit(str(path))

        self.executors.net.submit(
            lambda: self.service.write_report(view.detail.id, path, view=view),
            success=written,
            failure=self._fail,
        )
