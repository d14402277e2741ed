"""The video viewer: the picture, a transport bar, a timeline with note and citation
markers, and time-pinned notes.

Frames come from :class:`~assessor_app.media.player.VideoPlayer` as ``QImage`` and are
painted scaled to fit (nothing is embedded by window id). Keys follow the UI guide:
Space/K play-pause, J/L -/+5 s, ``,``/``.`` frame step, ``[``/``]`` slower/faster,
G go to time, N new note, I / O mark the start / end of the range to cite (drawn on the
timeline; Esc clears them). The Cite key (C) belongs to the workspace, which asks
:meth:`VideoViewer.cite_target`.

Cite range: the marked range, or with no marks the ``cite_window_ms`` (a profile setting)
ending at the playhead; ``range_to_cite`` in the domain keeps it from ever being empty.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import BinaryIO

from assessor_app.domain.citations import TimeRange, range_to_cite
from assessor_app.domain.coverage import PlayedRanges
from assessor_app.media.player import MediaStream, PlayerState, VideoPlayer
from assessor_app.media.timecode import TimecodeError, format_timecode, parse_timecode
from assessor_app.services.settings import WorkspaceSettings
from assessor_app.ui.plain_text import plain_label, set_plain
from assessor_app.ui.qt import (
    QColor,
    QComboBox,
    QHBoxLayout,
    QImage,
    QKeyEvent,
    QLabel,
    QLineEdit,
    QPainter,
    QPaintEvent,
    QPushButton,
    QRectF,
    QShortcut,
    QSize,
    QSizePolicy,
    QSlider,
    QStackedWidget,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
    Signal,
    Slot,
)
from assessor_app.ui.shortcuts import key_sequences, with_hint
from assessor_app.ui.viewers.base import ArtifactViewer, CiteTarget, PositionState
from assessor_app.ui.viewers.notes_bar import NoteEditor
from assessor_app.ui.viewers.timeline import Marker, TimelineWidget

SKIP_MS = 5000
RATES = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
VOLUME_SLIDER_WIDTH = (80, 120)
"""The volume slider's least and greatest width in pixels."""


def ends_early_text(present_ms: int, duration_ms: int, *, audio_only: bool = False) -> str:
    """The notice for media whose data stops before its stated length."""
    what = "recording" if audio_only else "video"
    # Whole seconds, rounded: 0.9 s of a 20 s file is "00:01 of 00:20", never "00:00".
    present = format_timecode(round(present_ms / 1000) * 1000)
    return (
        f"This {what} ends early: only {present} of {format_timecode(duration_ms)} is "
        "present. The file is incomplete; what exists can be watched and cited."
    )


class FrameView(QWidget):
    """Paints the latest frame letterboxed to keep its aspect ratio."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._caption = ""
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Video picture")

    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def set_caption(self, caption: str) -> None:
        """Text shown where there is no picture (an audio artifact)."""
        self._caption = caption
        self.setAccessibleDescription(caption)
        self.update()

    def caption(self) -> str:
        return self._caption

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(Qt.GlobalColor.black))
        if self._image is not None and not self._image.isNull():
            size = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(
                (self.width() - size.width()) / 2,
                (self.height() - size.height()) / 2,
                size.width(),
                size.height(),
            )
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
        elif self._caption:
            painter.setPen(QColor(Qt.GlobalColor.white))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._caption)
        painter.end()


class _GoToLine(QLineEdit):
    escaped = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class _Borrowed(io.RawIOBase):
    """A view of a stream the workspace owns: the player may close this, not that."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self._stream = stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


class VideoViewer(ArtifactViewer):
    """One video artifact with its transport, timeline and note editor.

    As an :class:`ArtifactViewer` it loads from the vault's stream (``load``), cites a
    :class:`TimeRange` and saves ``{"position_ms", "rate"}``; it can also be used on its
    own through :meth:`open_file` / :meth:`open_stream`.
    """

    noteCreated = Signal(int, str, object)  # time_ms, text, criterion_id or None
    positionChanged = Signal(int)
    playedRange = Signal(int, int)
    exportRequested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        player: VideoPlayer | None = None,
        criteria: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Video viewer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.player = player if player is not None else VideoPlayer(self)
        self._awaiting_first_frame = False
        self._resume_after_note = False
        self._notes: list[Marker] = []
        self._citations: list[Marker] = []
        self._earlier_played = PlayedRanges()
        # The profile's value arrives with the workspace's settings; until then, its default.
        self.cite_window_ms = WorkspaceSettings().cite_window_ms
        self._mark_in: int | None = None
        self._mark_out: int | None = None

        self.frame_view = FrameView(self)
        self._message = QLabel(self)
        self._message.setWordWrap(True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message.setAccessibleName("Video message")
        self.export_button = QPushButton("Export a copy…", self)
        self.export_button.setAccessibleName("Export a copy of this video")
        self.export_button.setToolTip("Save a decrypted copy to open in another player")
        self.export_button.clicked.connect(self.exportRequested)
        message_page = QWidget(self)
        message_layout = QVBoxLayout(message_page)
        message_layout.addStretch(1)
        message_layout.addWidget(self._message)
        message_layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignHCenter)
        message_layout.addStretch(1)
        self._pages = QStackedWidget(self)
        self._pages.addWidget(self.frame_view)
        self._pages.addWidget(message_page)

        self.timeline = TimelineWidget(self)
        # Says that the media ends early; hidden otherwise.
        self.notice = plain_label("", self)
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Video notice")
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.setStyleSheet("QLabel { padding: 4px; }")
        self.notice.setFrameShape(QLabel.Shape.StyledPanel)
        self.notice.hide()
        self.note_editor = NoteEditor(self)
        self.note_editor.set_criteria(criteria)

        self.play_button = self._tool("▶", "Play", "Play / pause (Space or K)")
        self.back_button = self._tool("◂◂ 5 s", "Back 5 seconds", "Back 5 seconds (J)")
        self.forward_button = self._tool("5 s ▸▸", "Forward 5 seconds", "Forward 5 seconds (L)")
        self.frame_back_button = self._tool("◂|", "Previous frame", "Previous frame (,)")
        self.frame_forward_button = self._tool("|▸", "Next frame", "Next frame (.)")
        self.speed_box = QComboBox(self)
        for rate in RATES:
            self.speed_box.addItem(f"{rate:g}×", rate)
        self.speed_box.setCurrentIndex(RATES.index(1.0))
        self.speed_box.setAccessibleName("Playback speed")
        self.speed_box.setToolTip("Playback speed: slower ([) / faster (])")
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(self.player.volume())
        # A floor as well as a ceiling: in a narrow pane the layout would otherwise
        # squeeze the slider to a dot before anything else gives way.
        self.volume_slider.setMinimumWidth(VOLUME_SLIDER_WIDTH[0])
        self.volume_slider.setMaximumWidth(VOLUME_SLIDER_WIDTH[1])
        self.volume_slider.setAccessibleName("Volume")
        self.volume_slider.setToolTip("Volume")
        self.time_label = QLabel("00:00 / 00:00", self)
        self.time_label.setAccessibleName("Time")
        self.time_label.setToolTip("Position / length; G goes to a time")
        self.goto_edit = _GoToLine(self)
        self.goto_edit.setPlaceholderText("Go to (e.g. 3:12)")
        self.goto_edit.setAccessibleName("Go to time")
        self.goto_edit.setToolTip("Type a time such as 3:12 and press Enter; Esc closes (G)")
        self.goto_edit.setMaximumWidth(140)
        self.goto_edit.hide()
        self.goto_error = QLabel(self)
        self.goto_error.setAccessibleName("Go to time problem")
        self.goto_error.hide()
        self.note_button = self._tool("✎ Note", "New note", "New time-pinned note (N)")
        # The marked range in words, so the marks are not told by the timeline alone.
        self.marks_label = QLabel(self)
        self.marks_label.setAccessibleName("Marked range")
        self.marks_label.hide()
        self.marks_label.setToolTip(
            with_hint("Range to cite: I marks its start, O its end", "mark_range")
        )

        transport = QHBoxLayout()
        transport.setContentsMargins(0, 0, 0, 0)
        for widget in (
            self.play_button,
            self.back_button,
            self.forward_button,
            self.frame_back_button,
            self.frame_forward_button,
            self.speed_box,
            self.time_label,
            self.goto_edit,
            self.goto_error,
        ):
            transport.addWidget(widget)
        transport.addStretch(1)
        transport.addWidget(self.note_button)
        transport.addWidget(QLabel("Volume", self))
        transport.addWidget(self.volume_slider)

        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._pages, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.timeline)
        layout.addLayout(transport)
        # Its own line, shown while a mark is set: the transport row has no room left for
        # it beside the queue and the rubric at 1366x768.
        layout.addWidget(self.marks_label)
        layout.addWidget(self.note_editor)
        self.set_content_widget(content)

        self._connect()
        self._shortcuts()
        self._set_transport_enabled(False)

    # --- construction helpers ------------------------------------------------------------

    def _tool(self, text: str, name: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setAccessibleName(name)
        button.setToolTip(tip)
        # Reached with Tab (Space presses it), but a click leaves the focus where it was.
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        return button

    def _connect(self) -> None:
        p = self.player
        p.frameReady.connect(self._on_frame)
        p.positionChanged.connect(self._on_position)
        p.durationChanged.connect(self._on_duration)
        p.stateChanged.connect(self._on_state)
        p.errorOccurred.connect(self._on_error)
        p.playedRange.connect(self._on_played)
        p.endedEarly.connect(self._on_ended_early)
        self.play_button.clicked.connect(p.toggle)
        self.back_button.clicked.connect(lambda: p.skip(-SKIP_MS))
        self.forward_button.clicked.connect(lambda: p.skip(SKIP_MS))
        self.frame_back_button.clicked.connect(lambda: p.step_frame(-1))
        self.frame_forward_button.clicked.connect(lambda: p.step_frame(+1))
        self.speed_box.currentIndexChanged.connect(
            lambda i: p.set_rate(float(self.speed_box.itemData(i)))
        )
        self.volume_slider.valueChanged.connect(p.set_volume)
        self.note_button.clicked.connect(self.start_note)
        self.timeline.seekRequested.connect(p.seek)
        self.note_editor.submitted.connect(self._on_note_submitted)
        self.note_editor.cancelled.connect(self._on_note_cancelled)
        self.goto_edit.returnPressed.connect(self._on_goto)
        self.goto_edit.escaped.connect(self._close_goto)

    def _shortcuts(self) -> None:
        player = self.player
        bindings = (
            ("play_pause", (self._space, player.toggle)),
            ("skip", (partial(player.skip, -SKIP_MS), partial(player.skip, SKIP_MS))),
            ("frame_step", (partial(player.step_frame, -1), partial(player.step_frame, 1))),
            ("speed", (partial(self.change_speed, -1), partial(self.change_speed, 1))),
            ("go_to_time", (self.show_goto,)),
            ("note", (self.start_note,)),
            ("mark_range", (self.mark_in, self.mark_out)),
        )
        self._shortcut_objects: list[QShortcut] = []
        for action_id, slots in bindings:
            for sequence, slot in zip(key_sequences(action_id), slots, strict=True):
                shortcut = QShortcut(sequence, self)
                # Only while focus is in the viewer; text fields keep their own keys.
                shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                shortcut.activated.connect(slot)
                self._shortcut_objects.append(shortcut)

    def _space(self) -> None:
        # Space presses a transport button reached with Tab, as it does any button;
        # elsewhere in the viewer it plays and pauses.
        focused = self.focusWidget()
        if isinstance(focused, QToolButton) and focused.isEnabled():
            focused.animateClick()
        else:
            self.player.toggle()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc as a key press, not a shortcut: the note editor and the go-to field inside the
        # viewer take Esc first, and only an Esc nothing else wanted clears the marks.
        if event.key() == Qt.Key.Key_Escape and self.marks() != (None, None):
            self.clear_marks()
            return
        super().keyPressEvent(event)

    # --- public API ----------------------------------------------------------------------

    def open_file(self, path: str | Path, *, start_ms: int = 0) -> bool:
        self._show_picture()
        self._awaiting_first_frame = True
        return self.player.open_file(path, start_ms=start_ms)

    def open_stream(self, fileobj: MediaStream, size: int, *, start_ms: int = 0) -> bool:
        """Play from a seekable file object (e.g. ``Vault.open(sha256)``); the player
        closes it when done."""
        self._show_picture()
        self._awaiting_first_frame = True
        return self.player.open_stream(fileobj, size, start_ms=start_ms)

    def close_media(self) -> None:
        self.note_editor.cancel()
        self._clear_notice()
        self.player.close()

    def set_criteria(self, criteria: Sequence[tuple[str, str]]) -> None:
        """``(criterion_id, title)`` pairs offered when tagging a note."""
        self.note_editor.set_criteria(criteria)

    def set_markers(self, notes: Sequence[Marker], citations: Sequence[Marker]) -> None:
        self._notes = [m for m in notes if m.kind == "note"]
        self._citations = [m for m in citations if m.kind == "citation"]
        self.timeline.set_markers(self._notes, self._citations)

    def set_played(self, played: PlayedRanges) -> None:
        """Show stretches watched in earlier sessions on the timeline."""
        self._earlier_played = played.copy()
        self.timeline.set_played(played.merge(self.player.played_ranges()))

    def current_range(self) -> tuple[int, int]:
        """The range the Cite action should use; see the module docstring."""
        cited = range_to_cite(
            self.player.position(),
            self.player.duration(),
            self.cite_window_ms,
            self._mark_in,
            self._mark_out,
        )
        return cited.start_ms, cited.end_ms

    def marks(self) -> tuple[int | None, int | None]:
        """The in and out points, as set (an out point may come before the in point)."""
        return self._mark_in, self._mark_out

    def mark_in(self) -> None:
        if self.player.ready():
            self._set_marks(self.player.position(), self._mark_out)

    def mark_out(self) -> None:
        if self.player.ready():
            self._set_marks(self._mark_in, self.player.position())

    def clear_marks(self) -> None:
        self._set_marks(None, None)

    def _set_marks(self, mark_in: int | None, mark_out: int | None) -> None:
        self._mark_in, self._mark_out = mark_in, mark_out
        self.timeline.set_marks(mark_in, mark_out)
        if mark_in is not None and mark_out is not None:
            start, end = sorted((mark_in, mark_out))
            text = f"Marked {format_timecode(start)}–{format_timecode(end)}"
        elif mark_in is not None:
            text = f"From {format_timecode(mark_in)}"
        elif mark_out is not None:
            text = f"Until {format_timecode(mark_out)}"
        else:
            text = ""
        self.marks_label.setText(f"{text} (C cites, Esc clears)" if text else "")
        self.marks_label.setVisible(bool(text))
        self.citeTargetChanged.emit()

    def change_speed(self, direction: int) -> None:
        index = self.speed_box.currentIndex() + (1 if direction > 0 else -1)
        self.speed_box.setCurrentIndex(min(len(RATES) - 1, max(0, index)))

    def show_goto(self) -> None:
        if (
            self.player.state() in (PlayerState.ERROR, PlayerState.OPENING)
            and not self.player.duration()
        ):
            return
        self.goto_error.hide()
        self.goto_edit.clear()
        self.goto_edit.show()
        self.goto_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def start_note(self) -> None:
        """Pause and open the note editor pinned to the current moment."""
        if self.player.state() == PlayerState.ERROR or not self.note_editor.isHidden():
            return
        self._resume_after_note = self.player.state() == PlayerState.PLAYING
        self.player.pause()
        self.note_editor.start(self.player.position())

    # --- ArtifactViewer --------------------------------------------------------------------

    def _show(self, stream: BinaryIO) -> None:
        size = stream.seek(0, io.SEEK_END)
        stream.seek(0)
        self.open_stream(_Borrowed(stream), size)

    def _is_ready(self) -> bool:
        return self.player.ready()

    def _apply_position_state(self, state: PositionState) -> None:
        rate = state.get("rate")
        if isinstance(rate, int | float) and rate in RATES:
            self.speed_box.setCurrentIndex(RATES.index(float(rate)))
        position = state.get("position_ms")
        if isinstance(position, int) and position > 0:
            self.player.seek(position)

    def cite_target(self) -> CiteTarget | None:
        if not self.player.ready():
            return None
        return TimeRange(*self.current_range())

    def go_to(self, target: CiteTarget) -> bool:
        if not isinstance(target, TimeRange) or self.player.state() == PlayerState.ERROR:
            return False
        self.player.seek(target.start_ms)
        return True

    def position_state(self) -> PositionState:
        return {"position_ms": self.player.position(), "rate": self.player.rate()}

    def message(self) -> str:
        """The message shown instead of the picture ("" while the picture shows)."""
        return self._message.text() if self._pages.currentIndex() == 1 else ""

    # --- reactions -----------------------------------------------------------------------

    def _show_picture(self) -> None:
        self._clear_notice()
        self.frame_view.set_image(None)
        self._pages.setCurrentIndex(0)

    def _show_message(self, text: str) -> None:
        set_plain(self._message, text)
        self._pages.setCurrentIndex(1)
        self._set_transport_enabled(False)

    def _set_transport_enabled(self, enabled: bool) -> None:
        for widget in (
            self.play_button,
            self.back_button,
            self.forward_button,
            self.frame_back_button,
            self.frame_forward_button,
            self.speed_box,
            self.note_button,
        ):
            widget.setEnabled(enabled)

    @Slot(int)
    def _on_position(self, ms: int) -> None:
        self.timeline.set_position(ms)
        self._update_time_label()
        self.positionChanged.emit(ms)

    @Slot(int)
    def _on_duration(self, ms: int) -> None:
        self.timeline.set_duration(ms)
        self._update_time_label()

    def _update_time_label(self) -> None:
        self.time_label.setText(
            f"{format_timecode(self.player.position())} / {format_timecode(self.player.duration())}"
        )

    @Slot(str)
    def _on_state(self, state: str) -> None:
        playing = state == PlayerState.PLAYING
        self.play_button.setText("❚❚" if playing else "▶")
        self.play_button.setAccessibleName("Pause" if playing else "Play")
        self._set_transport_enabled(
            state != PlayerState.ERROR and (state != PlayerState.OPENING or self.player.ready())
        )
        if (
            self.player.is_audio_only()
            and state in (PlayerState.PLAYING, PlayerState.PAUSED)
            and self._awaiting_first_frame
        ):
            # No picture will come: say what is playing instead of a black rectangle.
            self._awaiting_first_frame = False
            self.frame_view.set_caption("♪ Audio only")
            self._content_ready()
        if state == PlayerState.ENDED:
            self.timeline.set_position(self.player.position())

    @Slot(int, int)
    def _on_ended_early(self, present_ms: int, duration_ms: int) -> None:
        self.notice.setText(
            ends_early_text(present_ms, duration_ms, audio_only=self.player.is_audio_only())
        )
        self.notice.show()
        self.timeline.set_present(present_ms)

    def _clear_notice(self) -> None:
        self.notice.clear()
        self.notice.hide()
        self.timeline.set_present(None)

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self._show_message(message)
        if self._awaiting_first_frame:
            self._awaiting_first_frame = False
            self.failed.emit(message)

    @Slot(QImage)
    def _on_frame(self, image: QImage) -> None:
        self.frame_view.set_image(image)
        if self._awaiting_first_frame:
            self._awaiting_first_frame = False
            self._content_ready()

    @Slot(int, int)
    def _on_played(self, start: int, end: int) -> None:
        self.timeline.set_played(self._earlier_played.merge(self.player.played_ranges()))
        self.playedRange.emit(start, end)

    @Slot(int, str, object)
    def _on_note_submitted(self, time_ms: int, text: str, criterion_id: object) -> None:
        marker = Marker(time_ms, "note", text)
        self._notes.append(marker)
        self.timeline.set_markers(self._notes, self._citations)
        self.noteCreated.emit(time_ms, text, criterion_id)
        self._after_note()

    @Slot()
    def _on_note_cancelled(self) -> None:
        self._after_note()

    def _after_note(self) -> None:
        self.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._resume_after_note:
            self._resume_after_note = False
            self.player.play()

    @Slot()
    def _on_goto(self) -> None:
        try:
            target = parse_timecode(
                self.goto_edit.text(), duration_ms=self.player.duration() or None
            )
        except TimecodeError as error:
            self.goto_error.setText(str(error))
            self.goto_error.setToolTip(str(error))
            self.goto_error.show()
            return
        self.player.seek(target)
        self._close_goto()

    @Slot()
    def _close_goto(self) -> None:
        self.goto_edit.hide()
        self.goto_error.hide()
        self.setFocus(Qt.FocusReason.OtherFocusReason)
