"""The workspace for one assignment: evidence on the left with the notes and citations
pane under it, the rubric on the right.

Every edit in the rubric panel, every note and every look at the evidence is handed to
the database worker at once (no Save button); the footer says whether it is safe. A
decision the hub's reviewer returned shows the reviewer's comment in a banner above the
rubric, and the footer's status line says where the review stands.

A video shown first starts before the rubric panel and the notes pane are built: VLC
decodes its first frame while the GUI thread is free to take it, and the two are built
right after that frame (or after ``REST_WAIT_MS`` at most). Anything that needs them
sooner (a number key, a test) builds them on the spot, so nothing waits or is lost.

What the workspace takes from the profile (the comment bank, the "addressed" marks,
whether typing pauses the video, the cite window) is read on the database worker too:
until it arrives the workspace shows the defaults, and a comment or a mark added in
that moment is kept with what was stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from assessor_app.domain import Artifact, AssignmentKind, Citation, TimeRange
from assessor_app.domain.assignment_state import DECIDED, REOPENABLE, LocalState, ReviewState
from assessor_app.domain.notes import TimeNote
from assessor_app.domain.status_words import KIND_HINTS, KIND_WORDS, shown_state
from assessor_app.domain.text import feedback_report_name
from assessor_app.media.player import PlayerState
from assessor_app.services.account import ProfileSession
from assessor_app.services.notes import NotesService
from assessor_app.services.scoring import (
    FinalizeCheck,
    FinalizeRefused,
    FinalizeStopped,
    OpenedAssignment,
    ReopenRefused,
    ScoringService,
    Standing,
)
from assessor_app.services.scoring_ops import (
    BackreadNotRecorded,
    reads_table,
    record_backread,
    reopen_backread,
    save_backread_draft,
)
from assessor_app.services.settings import ProfileSettings, SettingsService, WorkspaceSettings
from assessor_app.ui.background import Executors
from assessor_app.ui.plain_text import as_html, message_box
from assessor_app.ui.qt import (
    QAction,
    QApplication,
    QByteArray,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSettings,
    QShortcut,
    QSplitter,
    QStackedWidget,
    Qt,
    QTimer,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
    isValid,
)
from assessor_app.ui.rubric.overview import RubricOverview
from assessor_app.ui.rubric.panel import RubricPanel
from assessor_app.ui.shortcuts import key_sequences
from assessor_app.ui.status_words import status_text
from assessor_app.ui.viewers.video_viewer import VideoViewer
from assessor_app.ui.workspace.backread_panel import BackreadPanel
from assessor_app.ui.workspace.evidence_pane import EvidencePane
from assessor_app.ui.workspace.finalize_dialog import FinalizeDialog
from assessor_app.ui.workspace.focus import keys_left_free
from assessor_app.ui.workspace.media import make_media_viewer, markers_for
from assessor_app.ui.workspace.notes_pane import NotesPane
from assessor_app.ui.workspace.reads_pane import ReadsPane
from assessor_app.ui.workspace.save_queue import SaveQueue
from assessor_app.ui.workspace.typing_pause import TypingPause

if TYPE_CHECKING:
    from assessor_app.protocol.scoring import BackreadVerdict
    from assessor_app.services.reports import ReportInfo

log = logging.getLogger(__name__)

_SPLITTER_KEY = "workspace/splitter"
_EVIDENCE_SPLITTER_KEY = "workspace/evidence_splitter"
_SAVE_WORDS = {"saving": "Saving…", "saved": "Saved ✓", "failed": "Not saved ✗"}

REST_WAIT_MS = 500
"""How long the rubric panel and notes pane wait at most for the first video frame."""
RUBRIC_SLOT_WIDTH = 340


class Workspace(QWidget):
    """``stateChanged(assignment_id)`` fires after finalize or reopen;
    ``reportExported(path)`` after a feedback report was written; ``settingsRead`` once
    the profile's settings for this workspace are read and applied."""

    stateChanged = Signal(str)
    reportExported = Signal(str)
    settingsRead = Signal()

    def __init__(
        self,
        opened: OpenedAssignment,
        session: ProfileSession,
        executors: Executors,
        settings: QSettings,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.opened = opened
        self.assignment_id = opened.assignment.id
        self._session = session
        self._executors = executors
        self._settings = settings
        self.scoring = ScoringService(session.store)
        self.saves = SaveQueue(executors.db, self)
        self.profile_settings = SettingsService(session.store)
        # Defaults until the read below arrives; it is queued ahead of every edit, so an
        # edit saved before it arrives cannot be what it reads.
        self.workspace_settings = WorkspaceSettings()
        self._settings_pending = True
        self._marks_touched: set[str] = set()
        credential_id, aid, service = (
            opened.credential.id,
            self.assignment_id,
            self.profile_settings,
        )
        executors.db.submit(
            lambda: service.for_workspace(credential_id, aid),
            success=self._settings_arrived,
            failure=self._settings_not_read,
        )
        self._state = opened.state
        self._durations: dict[str, int] = {}
        credential, submission = opened.credential, opened.submission
        self.setAccessibleName(f"Workspace: {credential.title}")

        # Calibration, adjudication and backread work says so before anything else;
        # production work (second reads among it) has no label.
        kind = opened.assignment.kind
        labelled = kind is not AssignmentKind.PRODUCTION
        label = f"<b>{KIND_WORDS[kind]}</b> · " if labelled else ""
        self.header = QLabel(
            f"{label}<b>{as_html(credential.title)}</b> · Educator "
            f"{as_html(submission.educator_pseudonym)} · attempt {submission.attempt}",
            self,
        )
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setAccessibleName("Assignment")
        if labelled:
            self.header.setToolTip(KIND_HINTS[kind])

        self.evidence = EvidencePane(
            submission.artifacts, self._open_evidence, self._make_media_viewer, self
        )
        self.review_banner = self._review_banner(opened.review_comment)
        # Built by _build_rest; until then empty slots hold their places in the layout.
        self._rubric: RubricPanel | None = None
        self._notes_pane: NotesPane | None = None
        self.backread: BackreadPanel | None = None
        self._notes_slot = QWidget(self)
        self._rubric_slot = QWidget(self)
        # About a rubric panel's least width, so the evidence keeps its size when the
        # panel takes the slot.
        self._rubric_slot.setMinimumWidth(RUBRIC_SLOT_WIDTH)
        self._closed = False
        self._rest_timer = QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.timeout.connect(self._build_rest)
        self.typing = TypingPause(
            enabled=self.workspace_settings.pause_on_typing,
            pause=self.pause_videos,
            back_to_evidence=self.back_to_evidence,
            parent=self,
        )

        self.evidence_side = QSplitter(Qt.Orientation.Vertical, self)
        self.evidence_side.setChildrenCollapsible(False)
        self.evidence_side.addWidget(self.evidence)
        self.evidence_side.addWidget(self._notes_slot)
        self.reads_pane: ReadsPane | None = None
        if kind in (AssignmentKind.ADJUDICATION, AssignmentKind.BACKREAD):
            table = (
                None
                if opened.reads is None
                else reads_table(opened.reads, credential, submission.artifacts)
            )
            self.reads_pane = ReadsPane(table, self)
            self.reads_pane.escaped.connect(lambda: self.rubric.focus_levels())
            self.evidence_side.addWidget(self.reads_pane)
            self.evidence_side.setStretchFactor(2, 3)
        self.evidence_side.setStretchFactor(0, 4)
        self.evidence_side.setStretchFactor(1, 1)
        # Both reads need room beside the evidence; the notes keep a few lines.
        self.evidence_side.setSizes([600, 150] if self.reads_pane is None else [400, 90, 320])
        saved_side = settings.value(_EVIDENCE_SPLITTER_KEY)
        if isinstance(saved_side, QByteArray):
            self.evidence_side.restoreState(saved_side)
        self.evidence_side.splitterMoved.connect(
            lambda *_: settings.setValue(_EVIDENCE_SPLITTER_KEY, self.evidence_side.saveState())
        )
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.evidence_side)
        self.splitter.addWidget(self._rubric_side())
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        saved = settings.value(_SPLITTER_KEY)
        if isinstance(saved, QByteArray):
            self.splitter.restoreState(saved)
        self.splitter.splitterMoved.connect(self._remember_splitter)

        self.save_label = QLabel(_SAVE_WORDS["saved"], self)
        self.save_label.setAccessibleName("Save state")
        self.progress_label = QLabel(self)
        self.progress_label.setAccessibleName("Scoring progress")
        self.state_label = QLabel(self)
        self.state_label.setAccessibleName("Assignment state")
        self.export_report_action = QAction("Export feedback report…", self)
        self.export_report_action.setEnabled(self._state in DECIDED)
        self.export_report_action.triggered.connect(self.export_report)
        self.addAction(self.export_report_action)
        export_button = QToolButton(self)
        export_button.setDefaultAction(self.export_report_action)
        footer = QHBoxLayout()
        for widget in (self.save_label, self.progress_label, self.state_label):
            footer.addWidget(widget)
        footer.addStretch(1)
        footer.addWidget(export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        # The rubric overview (Ctrl+G) takes the splitter's place while it is open.
        self.body = QStackedWidget(self)
        self.body.addWidget(self.splitter)
        self.overview: RubricOverview | None = None
        layout.addWidget(self.body, 1)
        layout.addLayout(footer)

        self._wire_evidence()
        self._install_shortcuts()
        self.evidence.show_artifact(opened.open_artifact_id)
        self._build_rest_after_first_frame()

    @property
    def rubric(self) -> RubricPanel:
        """The rubric panel, built now if it is not yet."""
        if self._rubric is None:
            self._build_rest()
        assert self._rubric is not None
        return self._rubric

    @property
    def notes_pane(self) -> NotesPane:
        """The notes and citations pane, built now if it is not yet."""
        if self._notes_pane is None:
            self._build_rest()
        assert self._notes_pane is not None
        return self._notes_pane

    def rest_built(self) -> bool:
        """Whether the rubric panel and the notes pane have been built."""
        return self._rubric is not None

    def take_focus(self) -> None:
        """The focus on the current criterion's levels, ready for a number key; until the
        rubric is built it waits on the workspace itself, whose keys build it at once."""
        if self._rubric is not None:
            self._rubric.focus_levels()
        else:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _build_rest_after_first_frame(self) -> None:
        viewer = self.evidence.current_viewer()
        player = viewer.player if isinstance(viewer, VideoViewer) else None
        # A backread's panel is built with the rest, and what Ctrl+Enter does depends on
        # it: a backread is built whole at once.
        backread = self.opened.assignment.kind is AssignmentKind.BACKREAD
        if (
            player is None
            or player.last_frame() is not None
            or player.state() == PlayerState.ERROR
            or backread
        ):
            self._build_rest()
            return
        player.frameReady.connect(lambda *_: self._build_rest_soon())
        player.stateChanged.connect(
            lambda state: self._build_rest_soon() if state == PlayerState.ERROR else None
        )
        self._rest_timer.start(REST_WAIT_MS)

    def _build_rest_soon(self) -> None:
        # A zero timer, not a queued call: it fires after the posted paint of the frame.
        if not self._closed and self._rubric is None:
            self._rest_timer.start(0)

    def _build_rest(self) -> None:
        """Build the rubric panel (or a backread's panel) and the notes pane in their
        slots and wire them."""
        if self._rubric is not None:
            return
        self._rest_timer.stop()
        opened, credential = self.opened, self.opened.credential
        read = self.workspace_settings
        rubric = RubricPanel(credential, opened.submission, opened.sheet, read.comment_bank, self)
        rubric.set_addressed(read.addressed)
        # A backread records a verdict on the decided read, not a sheet of its own: its
        # panel takes the rubric's place, and the rubric stays locked and out of view.
        if opened.assignment.kind is AssignmentKind.BACKREAD:
            reads = opened.reads
            decided = reads.reads[0] if reads and reads.reads else None
            self.backread = BackreadPanel(credential, decided, opened.verdict, self)
            self.backread.changed.connect(self._save_verdict)
            self.backread.recordRequested.connect(self.record_backread)
            rubric.hide()
        notes_pane = NotesPane(
            opened.submission.artifacts,
            credential.rubric.criteria,
            NotesService(self._session.store),
            self.saves.save,
            self,
        )
        notes_pane.set_notes(opened.notes)
        self._rubric, self._notes_pane = rubric, notes_pane
        self.evidence_side.replaceWidget(1, notes_pane)
        self._rubric_column.replaceWidget(self._rubric_slot, self.backread or rubric)
        for slot in (self._notes_slot, self._rubric_slot):
            slot.hide()
            slot.deleteLater()
        self._wire_rest()
        self._show_state()
        if self.hasFocus():
            rubric.focus_levels()

    def _review_banner(self, comment: str | None) -> QLabel:
        """The reviewer's comment, kept in view while the sheet is revised; hidden when
        the hub has not returned this decision."""
        banner = QLabel(self)
        banner.setAccessibleName("Reviewer’s comment")
        banner.setWordWrap(True)
        banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        banner.setFrameShape(QLabel.Shape.StyledPanel)
        banner.setContentsMargins(6, 4, 6, 4)
        banner.setTextFormat(Qt.TextFormat.RichText)
        self._show_review_comment(banner, comment)
        return banner

    @staticmethod
    def _show_review_comment(banner: QLabel, comment: str | None) -> None:
        if comment and comment.strip():
            # The comment is hub text: escaped, so it shows exactly as the reviewer wrote it.
            banner.setText(
                f"<b>{status_text(ReviewState.RETURNED_FOR_REVISION)}.</b> "
                f"{as_html(comment)}<br>"
                "Revise the sheet and finalize it again: it is uploaded as a new decision."
            )
            banner.show()
        else:
            banner.clear()
            banner.hide()

    def _rubric_side(self) -> QWidget:
        side = QWidget(self)
        self._rubric_column = QVBoxLayout(side)
        self._rubric_column.setContentsMargins(0, 0, 0, 0)
        self._rubric_column.addWidget(self.review_banner)
        self._rubric_column.addWidget(self._rubric_slot, 1)
        return side

    # -- wiring --------------------------------------------------------------------------

    def _wire_evidence(self) -> None:
        aid, s = self.assignment_id, self.scoring
        self.saves.stateChanged.connect(lambda st: self.save_label.setText(_SAVE_WORDS[st]))
        self.saves.failed.connect(
            lambda msg: message_box(self, QMessageBox.Icon.Warning, "Not saved", msg)
        )
        self.evidence.artifactShown.connect(
            lambda art: self.saves.save(lambda: s.artifact_opened(aid, art))
        )

    def _wire_rest(self) -> None:
        aid, s, r = self.assignment_id, self.scoring, self.rubric
        r.levelChosen.connect(lambda c, lv: self.saves.save(lambda: s.set_level(aid, c, lv)))
        r.rationaleEdited.connect(
            lambda c, t: self.saves.save_latest(
                f"rationale:{c}", t, lambda v: s.set_rationale(aid, c, v)
            )
        )
        r.feedbackEdited.connect(
            lambda t: self.saves.save_latest("feedback", t, lambda v: s.set_feedback(aid, v))
        )
        r.privateNoteEdited.connect(
            lambda t: self.saves.save_latest("private", t, lambda v: s.set_private_note(aid, v))
        )
        r.overrideChanged.connect(
            lambda d, why: self.saves.save_latest(
                "override", (d, why), lambda v: s.set_override(aid, v[0], v[1])
            )
        )
        r.citationAdded.connect(
            lambda c, citation: self.saves.save(lambda: s.add_citation(aid, c, citation))
        )
        r.citationRestored.connect(
            lambda c, at, citation: self.saves.save(lambda: s.add_citation(aid, c, citation, at))
        )
        r.citationRemoved.connect(self._remove_citation)
        r.citationActivated.connect(self.go_to_citation)
        r.commentBankChanged.connect(self._save_comment_bank)
        r.addressedToggled.connect(self._addressed_toggled)
        r.evaluationChanged.connect(lambda *_: self._refresh_footer())
        pane = self.notes_pane
        pane.jumpRequested.connect(self.go_to_citation)
        pane.insertRequested.connect(
            lambda c, text: self.rubric.insert_into_rationale(
                c or self.rubric.focused_criterion_id(), text
            )
        )
        pane.notesChanged.connect(lambda *_: self._refresh_markers())
        pane.escaped.connect(self.back_to_evidence)
        pane.citationRemoveRequested.connect(r.remove_citation)
        pane.citationRestoreRequested.connect(r.restore_citation)
        r.citationAdded.connect(lambda *_: self._refresh_citations())
        r.citationRestored.connect(lambda *_: self._refresh_citations())
        r.citationRemoved.connect(lambda *_: self._refresh_citations())
        for editor in r.text_editors():
            self.typing.watch(editor)
        self.typing.watch(pane.text_edit, escape=False)

    def _install_shortcuts(self) -> None:
        # The rubric is looked up at the key press: the first one may build it.
        self._bind(
            "choose_level",
            *(partial(lambda n: self.rubric.choose_level_number(n), n) for n in range(1, 10)),
        )
        self._bind("cite", self.cite)
        self._bind("finalize", self.finalize)
        self._bind("overview", self.toggle_overview)
        if self.reads_pane is not None:
            self._bind("reads", self.reads_pane.focus_reads)
        self._bind(
            "artifact", partial(self.show_next_artifact, -1), partial(self.show_next_artifact, 1)
        )
        # Enter and the arrows also mean something to lists, text fields and scrolling
        # views: these keys are on only while the focus is on a widget that leaves them.
        self._arrow_keys = self._bind(
            "next_criterion",
            lambda: self.rubric.previous_criterion(),
            lambda: self.rubric.next_criterion(),
        )
        self._enter_keys = self._bind("into_rationale", lambda: self.rubric.edit_rationale())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def _bind(self, action_id: str, *slots: Callable[[], object]) -> list[QShortcut]:
        """Bind the keys of one row of the key table; one slot for all, or one per key."""
        sequences = key_sequences(action_id)
        targets = slots * len(sequences) if len(slots) == 1 else slots
        made = []
        for sequence, slot in zip(sequences, targets, strict=True):
            shortcut = QShortcut(sequence, self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
            made.append(shortcut)
        return made

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not isValid(self) or new is None or not self.isAncestorOf(new):
            return
        arrows, enter = keys_left_free(new, self._rubric)
        for shortcut in self._arrow_keys:
            shortcut.setEnabled(arrows)
        for shortcut in self._enter_keys:
            shortcut.setEnabled(enter)

    def settings_changed(self, saved: ProfileSettings) -> None:
        """Apply the settings the open sheet holds on to (whether typing pauses the video,
        the cite window) after the settings dialog saved them."""
        self.workspace_settings = replace(
            self.workspace_settings,
            pause_on_typing=saved.pause_on_typing,
            cite_window_ms=saved.cite_window_seconds * 1000,
        )
        self._apply_settings()

    def _settings_arrived(self, read: WorkspaceSettings) -> None:
        if self._closed or not isValid(self):
            return  # closed while they were read
        self._settings_pending = False
        rubric = self._rubric
        if rubric is None:
            self.workspace_settings = read
        else:
            # Built before the read arrived: keep what the assessor added meanwhile.
            stored = list(read.comment_bank)
            bank = stored + [c for c in rubric.comment_bank() if c not in stored]
            shown = rubric.addressed()
            marks = {**read.addressed, **{c: shown[c] for c in self._marks_touched}}
            self.workspace_settings = replace(read, comment_bank=tuple(bank), addressed=marks)
            rubric.set_comment_bank(bank)
            rubric.set_addressed(marks)
            if bank != stored:
                self._save_comment_bank(bank)
            if self._marks_touched:
                self._save_addressed()
        self._apply_settings()
        self.settingsRead.emit()

    def _settings_not_read(self, error: BaseException) -> None:
        # The defaults stay; the sheet itself is unaffected.
        log.warning("could not read the profile's settings for the workspace: %s", error)
        if self._closed or not isValid(self):
            return
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(
                "Your comment bank and settings could not be read, so this submission uses "
                "the defaults. Your scoring is saved as usual.",
                15_000,
            )

    def _apply_settings(self) -> None:
        self.typing.enabled = self.workspace_settings.pause_on_typing
        for artifact in self.opened.submission.artifacts:
            viewer = self.evidence.viewer(artifact.id)
            if isinstance(viewer, VideoViewer):
                viewer.cite_window_ms = self.workspace_settings.cite_window_ms

    def toggle_overview(self) -> None:
        """Ctrl+G: the grid of every criterion and level instead of the evidence and
        rubric, or back again."""
        if self.overview is not None and self.body.currentWidget() is self.overview:
            self.close_overview()
            return
        if self.overview is None:
            self.overview = RubricOverview(self.opened.credential, self.body)
            self.overview.levelChosen.connect(self._overview_chose)
            self.overview.currentCriterionChanged.connect(self.rubric.select_criterion)
            self.overview.closed.connect(self.close_overview)
            self.rubric.levelChosen.connect(self._refresh_overview)
            self.body.addWidget(self.overview)
        self.body.setCurrentWidget(self.overview)
        self.overview.show_sheet(self.rubric.sheet(), self.rubric.current_criterion_index())

    def close_overview(self) -> None:
        self.body.setCurrentWidget(self.splitter)
        self.rubric.focus_levels()

    def _overview_chose(self, criterion_index: int, number: int) -> None:
        # Saved through the rubric's levelChosen, as a number key or a click there is.
        self.rubric.choose_level(criterion_index, number)
        self._refresh_overview()

    def _refresh_overview(self, *_: object) -> None:
        if self.overview is not None:
            self.overview.model.set_sheet(self.rubric.sheet())

    def show_next_artifact(self, step: int) -> None:
        """Ctrl+Page Up / Down: the focus moves with the evidence, so the video, number
        and criterion keys keep working (it would otherwise fall out of the workspace)."""
        self.evidence.next_artifact(step)
        shown = self.evidence.stack.currentWidget()
        target = shown.focusProxy() or shown if shown is not None else None
        if target is not None and target.focusPolicy() != Qt.FocusPolicy.NoFocus:
            target.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.rubric.focus_levels()

    # -- evidence ------------------------------------------------------------------------

    def _open_evidence(self, artifact: Artifact) -> BinaryIO:
        return self._session.open_evidence(artifact)

    def _make_media_viewer(self, artifact: Artifact, parent: QWidget) -> VideoViewer:
        session = self._session
        return make_media_viewer(
            artifact,
            parent,
            export_copy=lambda target: session.export_evidence(artifact, target),
            criteria=[(c.id, c.title) for c in self.opened.credential.rubric.criteria],
            notes=[n for n in self._notes() if n.artifact_id == artifact.id],
            citations=[c for c in self._cited() if c.artifact_id == artifact.id],
            position_ms=self.opened.video_positions.get(artifact.id, 0),
            cite_window_ms=self.workspace_settings.cite_window_ms,
            on_note=lambda ms, text, crit: self._add_note(artifact.id, ms, text, crit),
            on_played=lambda a, b: self.saves.save(
                lambda: self.scoring.video_played(self.assignment_id, artifact.id, a, b)
            ),
            on_position=lambda ms: self.saves.save_latest(
                f"position:{artifact.id}",
                ms,
                lambda v: self.scoring.video_position(self.assignment_id, artifact.id, v),
            ),
            on_duration=lambda ms: self._durations.__setitem__(artifact.id, ms),
        )

    def _add_note(self, artifact_id: str, time_ms: int, text: str, criterion: str | None) -> None:
        self.saves.save(
            lambda: self.scoring.add_note(
                self.assignment_id, artifact_id, time_ms, text, criterion
            ),
            self.notes_pane.add_note,
        )

    def _notes(self) -> list[TimeNote]:
        """The notes as they are now: those read at the open while the pane is not built."""
        return self._notes_pane.notes() if self._notes_pane is not None else self.opened.notes

    def _cited(self) -> list[Citation]:
        sheet = self._rubric.sheet() if self._rubric is not None else self.opened.sheet
        return [
            c
            for crit in self.opened.credential.rubric.criteria
            for c in sheet.score(crit.id).citations
        ]

    def _refresh_citations(self) -> None:
        sheet = self.rubric.sheet()
        self.notes_pane.set_citations(
            [(c.id, sheet.score(c.id).citations) for c in self.opened.credential.rubric.criteria]
        )
        self._refresh_markers()

    def _refresh_markers(self) -> None:
        """Redraw every open video's timeline from the notes and citations as they are now."""
        notes, cited = self._notes(), self._cited()
        for artifact in self.opened.submission.artifacts:
            viewer = self.evidence.viewer(artifact.id)
            if isinstance(viewer, VideoViewer):
                viewer.set_markers(
                    *markers_for(
                        [n for n in notes if n.artifact_id == artifact.id],
                        [c for c in cited if c.artifact_id == artifact.id],
                    )
                )

    def pause_videos(self) -> None:
        """Pause every playing video (the assessor started typing)."""
        for artifact in self.opened.submission.artifacts:
            viewer = self.evidence.viewer(artifact.id)
            if isinstance(viewer, VideoViewer) and viewer.player.state() is PlayerState.PLAYING:
                viewer.player.pause()

    def back_to_evidence(self) -> None:
        """Esc in an editor: the focus returns to the evidence on show."""
        viewer = self.evidence.current_viewer()
        (viewer or self.evidence).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def cite(self) -> None:
        """Cite the marked video range (or the window up to the playhead), PDF page, image
        region, table cell or selected text in the focused rationale."""
        if self.rubric.is_read_only():
            return
        citation = self.evidence.current_citation()
        if citation is None:
            self.window().statusBar().showMessage(  # type: ignore[attr-defined]
                "Nothing to cite here: open a video, go to a PDF page, drag a region on an "
                "image, or select text or a table cell first.",
                5000,
            )
            return
        self.rubric.add_citation(None, citation)

    def go_to_citation(self, citation: Citation) -> None:
        if not self.evidence.go_to(citation) and isinstance(citation.target, TimeRange):
            log.info("citation target not reachable in its viewer")

    def _remove_citation(self, criterion_id: str, index: int) -> None:
        # Resolved on the worker, where earlier saves have already landed.
        aid, scoring = self.assignment_id, self.scoring
        self.saves.save(lambda: scoring.remove_citation(aid, criterion_id, index))

    def _save_comment_bank(self, bank: list[str]) -> None:
        credential_id, service = self.opened.credential.id, self.profile_settings
        self.saves.save_latest(
            "comment_bank", list(bank), lambda v: service.set_comment_bank(credential_id, v)
        )

    def _addressed_toggled(self, criterion_id: str, _addressed: bool) -> None:
        if self._settings_pending:
            self._marks_touched.add(criterion_id)
        self._save_addressed()

    def _save_addressed(self) -> None:
        aid, service = self.assignment_id, self.profile_settings
        self.saves.save_latest(
            "addressed", self.rubric.addressed(), lambda v: service.set_addressed_marks(aid, v)
        )

    def _remember_splitter(self, *_: object) -> None:
        self._settings.setValue(_SPLITTER_KEY, self.splitter.saveState())

    # -- finalize ------------------------------------------------------------------------

    def _save_verdict(self, verdict: BackreadVerdict) -> None:
        store, aid = self._session.store, self.assignment_id
        self.saves.save_latest("verdict", verdict, lambda v: save_backread_draft(store, aid, v))
        self._refresh_footer()

    def record_backread(self) -> None:
        """Ctrl+Enter on a backread: record the verdict for the next sync (after every
        edit still being saved)."""
        if self.backread is None or self.opened.revoked:
            return
        store, aid, verdict = self._session.store, self.assignment_id, self.backread.verdict()
        if self._state is LocalState.CONFLICT:
            self._executors.db.submit(
                lambda: reopen_backread(store, aid),
                success=lambda _: self._set_state(LocalState.IN_PROGRESS),
                failure=self._backread_refused,
            )
            return
        if self.opened.read_only:
            return
        self._executors.db.submit(
            lambda: record_backread(store, aid, verdict),
            success=self._finalized,
            failure=self._backread_refused,
        )

    def _backread_refused(self, error: BaseException) -> None:
        if not isinstance(error, BackreadNotRecorded):
            self._failed(error)
            return
        message_box(self, QMessageBox.Icon.Information, "Not recorded yet", str(error))

    def finalize(self) -> None:
        if self.backread is not None:
            self.record_backread()
            return
        if self.rubric.is_read_only():
            if self._reopenable():
                self.reopen()
            return
        durations = dict(self._durations)
        self._executors.db.submit(
            lambda: self.scoring.check(self.assignment_id, video_durations=durations),
            success=self._show_finalize,
            failure=self._failed,
        )

    def _show_finalize(self, check: FinalizeCheck) -> None:
        dialog = FinalizeDialog(check, self.opened.credential, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or check.blocked:
            return
        reason = dialog.quality_reason()
        # On the database worker, after every edit still being saved.
        self._executors.db.submit(
            lambda: self.scoring.finalize(self.assignment_id, quality_override_reason=reason),
            success=self._finalized,
            failure=self._finalize_refused,
        )

    def _finalized(self, _done: object) -> None:
        self._set_state(LocalState.FINALIZED)

    def _finalize_refused(self, error: BaseException) -> None:
        if not isinstance(error, FinalizeRefused | FinalizeStopped):
            self._failed(error)
            return
        # Nothing was recorded: say why, and show the sheet as the store has it now.
        message_box(self, QMessageBox.Icon.Information, "Not finalized", str(error))
        self.refresh_from_store()

    def export_report(self) -> None:
        """Ask where to save the educator feedback report, then write it off the GUI thread."""
        credential, submission = self.opened.credential, self.opened.submission
        suggested = feedback_report_name(
            credential.id, submission.educator_pseudonym, submission.attempt
        )
        target, _ = QFileDialog.getSaveFileName(
            self, "Export feedback report", suggested, "PDF documents (*.pdf)"
        )
        if target:
            self.export_report_to(Path(target))

    def export_report_to(self, target: Path) -> None:
        # A finalize still being saved lands first: saves and this job share the db worker.
        store, aid = self._session.store, self.assignment_id

        def export() -> ReportInfo:
            # Imported on the worker: reportlab stays out of opening a workspace.
            from assessor_app.services.reports import feedback_report

            return feedback_report(store, aid, target)

        self._executors.db.submit(
            export,
            success=self._report_exported,
            failure=self._failed,
        )

    def _report_exported(self, info: ReportInfo) -> None:
        path = str(info.path)
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"Feedback report saved to {path}", 8000)
        self.reportExported.emit(path)

    def reopen(self) -> None:
        answer = QMessageBox.question(
            self,
            "Reopen",
            "Reopen this sheet? Its decision is taken off the upload queue until you "
            "finalize again.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._executors.db.submit(
                lambda: self.scoring.reopen(self.assignment_id),
                success=lambda _v: self._set_state(LocalState.IN_PROGRESS),
                failure=self._reopen_refused,
            )

    def _reopen_refused(self, error: BaseException) -> None:
        if not isinstance(error, ReopenRefused):
            self._failed(error)
            return
        # The store moved on (a sync uploaded the decision): say why, and show where
        # the sheet stands now.
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(str(error), 15_000)
        else:
            QMessageBox.information(self, "Not reopened", str(error))
        self.refresh_from_store()

    def refresh_from_store(self) -> None:
        """Show the assignment as the store has it now (after a sync, say): read-only
        "Uploaded" once the hub has the decision; editable, with the reviewer's banner,
        once a reviewer returned it. Edits in progress are not touched."""
        aid = self.assignment_id
        self._executors.db.submit(
            lambda: self.scoring.standing(aid),
            success=self._apply_standing,
            failure=lambda error: log.warning("could not read the assignment's state: %s", error),
        )

    def _apply_standing(self, standing: Standing) -> None:
        if not isValid(self):
            return  # closed while the state was read
        opened = self.opened
        if (standing.assignment, standing.state, standing.revoked) == (
            opened.assignment,
            self._state,
            opened.revoked,
        ):
            return
        self.opened = replace(
            opened, assignment=standing.assignment, state=standing.state, revoked=standing.revoked
        )
        self._show_review_comment(self.review_banner, self.opened.review_comment)
        self._state = standing.state
        self._show_state()

    def _set_state(self, state: LocalState) -> None:
        self._state = state
        self.opened = replace(self.opened, state=state)
        self._show_state()
        self.stateChanged.emit(self.assignment_id)

    def _show_state(self) -> None:
        if self.backread is not None:
            self.backread.set_read_only(self.opened.read_only, self._backread_reason())
        self.rubric.set_read_only(
            self.opened.read_only or self.backread is not None, self._read_only_reason()
        )
        self.notes_pane.set_read_only(self.opened.read_only)
        self._refresh_citations()
        self._refresh_footer()

    def _read_only_reason(self) -> str:
        """Why the sheet cannot be edited now, and what the assessor can do about it."""
        state, review = self._state, self.opened.review
        if self.opened.revoked:
            return f"{status_text(LocalState.REVOKED)}: the hub withdrew this assignment."
        if review is not None and state is not LocalState.IN_PROGRESS:
            return f"{status_text(shown_state(state, review))}: read only."
        if state is LocalState.UPLOADED:
            return f"{status_text(LocalState.UPLOADED)}: the hub has this decision; read only."
        if state is LocalState.CONFLICT:
            return (
                f"{status_text(LocalState.CONFLICT)}: the hub did not accept this decision. "
                "Reopen it (Ctrl+Enter) to change it and finalize again."
            )
        return (
            f"{status_text(LocalState.FINALIZED)}: read only. Reopen it (Ctrl+Enter) to "
            "change anything before it is uploaded."
        )

    def _backread_reason(self) -> str:
        if self.opened.revoked:
            return f"{status_text(LocalState.REVOKED)}: the hub withdrew this backread."
        if self._state is LocalState.CONFLICT:
            return (
                f"{status_text(LocalState.CONFLICT)}: the hub did not accept this backread. "
                "Change it (Ctrl+Enter) and record it again."
            )
        if self._state is LocalState.UPLOADED:
            return f"{status_text(LocalState.UPLOADED)}: the hub has this backread."
        return f"{status_text(LocalState.FINALIZED)}: it is sent at the next sync."

    def _failed(self, error: BaseException) -> None:
        message_box(self, QMessageBox.Icon.Warning, "Something went wrong", str(error))

    def _refresh_footer(self) -> None:
        if self.backread is not None:
            self.export_report_action.setEnabled(False)
            total = len(self.opened.credential.rubric.criteria)
            self.progress_label.setText(
                f"{self.backread.checked_count()} of {total} criteria checked"
            )
            where = self._state_words() or (
                status_text(self._state) if self.opened.read_only else ""
            )
            self.state_label.setText(where or "Record backread (Ctrl+Enter)")
            return
        # A decision in force has a feedback report.
        self.export_report_action.setEnabled(self._state in DECIDED)
        evaluation = self.rubric.evaluation()
        rubric = self.opened.credential.rubric
        scored = sum(1 for c in rubric.criteria if self.rubric.sheet().score(c.id).level_id)
        words = f"{scored} of {len(rubric.criteria)} criteria scored"
        if evaluation.decision is not None:
            source = "override" if self.rubric.sheet().override else "computed"
            words += f" · Decision: {evaluation.decision.label} ({source})"
        self.progress_label.setText(words)
        review = self.opened.review
        review_words = "" if review is None else status_text(shown_state(self._state, review))
        if self._reopenable():
            where = status_text(
                LocalState.FINALIZED if self._state is LocalState.FINALIZED else LocalState.CONFLICT
            )
            self.state_label.setText(f"{where} · Reopen (Ctrl+Enter)")
        elif self.rubric.is_read_only():
            where = review_words or self._state_words()
            self.state_label.setText(f"{where} · Read only" if where else "Read only")
        elif review is not None:
            self.state_label.setText(f"{review_words} · Finalize (Ctrl+Enter)")
        else:
            self.state_label.setText("Finalize (Ctrl+Enter)")

    def _reopenable(self) -> bool:
        """Finalized, or refused by the hub (a conflict), and not withdrawn: Ctrl+Enter
        reopens it (the service has the last word)."""
        return not self.opened.revoked and self._state in REOPENABLE

    def _state_words(self) -> str:
        """The queue's word for a read-only sheet the hub's review says nothing about."""
        if self.opened.revoked:
            return status_text(LocalState.REVOKED)
        return status_text(LocalState.UPLOADED) if self._state is LocalState.UPLOADED else ""

    def close_workspace(self) -> None:
        """Flush pending saves and release viewers (players, streams)."""
        self._closed = True
        self._rest_timer.stop()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_moved)
        self.saves.flush()
        self.evidence.close_all()
