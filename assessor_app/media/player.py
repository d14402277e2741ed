"""``VideoPlayer``: libvlc decoding behind Qt signals, frames delivered as ``QImage``.

How it fits together:

* VLC decodes into a buffer we own (``video_set_format_callbacks`` picks RV32 at a size
  derived from the track, capped at ``max_width``; ``video_set_callbacks`` hands VLC the
  buffer). Nothing is embedded by window id, so it works headless and on every platform.
* Every libvlc callback (frames, events, stream reads) runs on one of VLC's own threads.
  Those callbacks only copy data and emit private signals; the signals are connected with
  ``Qt.QueuedConnection``, so every public signal is emitted on the GUI thread. Frames
  are coalesced: if the GUI has not yet taken the previous frame, the newer one replaces
  it instead of queueing up.
* ``open_stream`` plays from any seekable binary file object through
  ``media_new_callbacks``, so evidence is decrypted on the fly and never written to disk.
* Nothing on the GUI thread waits on VLC for long: play, pause, seek and rate changes
  return at once. ``libvlc_media_player_stop`` joins VLC's decoder threads (tens of ms,
  longer on a stalled stream), so stopping and releasing happen on a short-lived worker
  thread that also keeps the ctypes callbacks alive until VLC can no longer call them.
* A file VLC cannot play ends in ``stateChanged("error")`` and a sentence on
  ``errorOccurred``: VLC's EncounteredError event, an end without a single frame, or a
  watchdog when neither a frame nor playback arrives in time.
* Every media is demuxed by FFmpeg's demuxer (``:demux=avformat``): VLC's own lose the
  clock of streamed media without an audio track. A file whose data stops before its
  stated length ends where the data stops, with ``endedEarly``.
* Frame steps move exactly one frame each: see :mod:`assessor_app.media.frame_history`.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
import time
from collections.abc import Callable
from enum import Enum, StrEnum, auto
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from assessor_app.domain.coverage import PlayedRanges
from assessor_app.media import backend
from assessor_app.media.backend import VlcUnavailable
from assessor_app.media.coverage_tracker import CoverageTracker
from assessor_app.media.frame_history import (
    WALK_LEAD_FRAMES,
    FrameHistory,
    FrameStep,
    FrameWalk,
    WalkStep,
)

log = logging.getLogger(__name__)


class _Pause(Enum):
    """How VLC stands to the player's last pause request. The two requests in flight
    exclude each other: a nudge starts only once a pause has settled, and ends by asking
    for a pause again."""

    #: Nothing asked of VLC is outstanding.
    SETTLED = auto()
    #: We called set_pause(1) and VLC's Paused event has not come: a seek or frame step
    #: sent now can be lost (VLC may pause after showing the sought frame, or not show it
    #: at all), so such requests wait for the event.
    SETTLING = auto()
    #: Paused for the assessor, VLC runs muted until the sought frame shows (see _on_kick).
    NUDGING = auto()


class PlayerState(StrEnum):
    """What the player is doing: ``state()`` and ``stateChanged`` (as its value)."""

    STOPPED = "stopped"
    #: Decoding up to the first picture (or, for audio, the first time report).
    OPENING = "opening"
    PLAYING = "playing"
    PAUSED = "paused"
    ENDED = "ended"
    #: The media cannot be played; ``errorOccurred`` said why.
    ERROR = "error"


MIN_RATE = 0.5
MAX_RATE = 2.0
DEFAULT_FRAME_MS = 40

UNPLAYABLE = (
    "This video could not be played. The file may be damaged or in a format VLC cannot "
    "decode. Your scores and notes are safe; you can export a copy and open it in "
    "another player."
)

# A hidden walk (see frame_history) waiting this long for a picture is given up.
_WALK_WAIT_MS = 500
# How long after a pause the picture may still move (frames decoded before it).
_PAUSE_SETTLE_MS = 150
# A paused seek that has shown nothing after this long gets a nudge (see _on_kick).
_KICK_MS = 250
_KICK_TRIES = 3
# After a seek, time events further than this from the target are from before it.
_STALE_TIME_MS = 1000
# VLC lands a seek within a few frames of the target; earlier times are pre-seek.
_SEEK_SLACK_MS = 200
# An end further than this (scaled by the rate) before the length in the file's index
# means the data stops early, as in a truncated upload. A complete file ends within a
# few hundred ms of its length.
_EARLY_END_MS = 2000
# VLC's read-ahead of a stream asks for up to 16 MiB per read, and the first of them
# must be decrypted whole before the demuxer sees a byte; reading a vault chunk
# (DEFAULT_CHUNK_SIZE) at a time lets the demuxer start after one.
PREFETCH_READ = 1024 * 1024

# python-vlc declares the chroma argument of the format callback as c_char_p, which
# ctypes hands to Python as an immutable bytes copy; declaring it as a pointer lets us
# write "RV32" into VLC's buffer. The function pointer is cast to python-vlc's type.
_FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),
    ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
    ctypes.POINTER(ctypes.c_uint),
)


class _VideoTrack(ctypes.Structure):
    # The leading fields of libvlc_video_track_t (the rest is not needed).
    _fields_ = (
        ("height", ctypes.c_uint),
        ("width", ctypes.c_uint),
        ("sar_num", ctypes.c_uint),
        ("sar_den", ctypes.c_uint),
        ("frame_rate_num", ctypes.c_uint),
        ("frame_rate_den", ctypes.c_uint),
    )


class _MediaTrack(ctypes.Structure):
    # libvlc_media_track_t. python-vlc declares its audio/video/subtitle union as three
    # consecutive pointers, which reads the video details from the wrong offset.
    _fields_ = (
        ("codec", ctypes.c_uint32),
        ("original_fourcc", ctypes.c_uint32),
        ("id", ctypes.c_int),
        ("type", ctypes.c_int),
        ("profile", ctypes.c_int),
        ("level", ctypes.c_int),
        ("details", ctypes.c_void_p),
        ("bitrate", ctypes.c_uint),
        ("language", ctypes.c_char_p),
        ("description", ctypes.c_char_p),
    )


_TRACK_VIDEO = 1
_TrackArray = ctypes.POINTER(ctypes.POINTER(_MediaTrack))


def _video_track(dll: Any, media: Any) -> tuple[int, int, float, float] | None:
    """``(width, height, sample aspect, fps)`` of the first video track VLC knows."""
    tracks_get = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_void_p, ctypes.POINTER(_TrackArray))(
        ("libvlc_media_tracks_get", dll)
    )
    tracks_release = ctypes.CFUNCTYPE(None, _TrackArray, ctypes.c_uint)(
        ("libvlc_media_tracks_release", dll)
    )
    array = _TrackArray()
    count = tracks_get(media, ctypes.byref(array))
    try:
        for i in range(count):
            track = array[i].contents
            if track.type != _TRACK_VIDEO or not track.details:
                continue
            video = ctypes.cast(track.details, ctypes.POINTER(_VideoTrack)).contents
            if not video.width or not video.height:
                continue
            sar = video.sar_num / video.sar_den if video.sar_num and video.sar_den else 1.0
            fps = video.frame_rate_num / video.frame_rate_den if video.frame_rate_den else 0.0
            return video.width, video.height, sar, fps
    finally:
        if count:
            tracks_release(array, count)
    return None


_pending_releases: list[threading.Thread] = []
_pending_lock = threading.Lock()


def wait_for_released(timeout_s: float = 5.0) -> bool:
    """Wait until every closed player has been stopped and released by its worker
    thread; call before the application exits. True when all finished in time."""
    with _pending_lock:
        threads = list(_pending_releases)
    for thread in threads:
        thread.join(timeout_s)
    with _pending_lock:
        _pending_releases[:] = [t for t in _pending_releases if t.is_alive()]
        return not _pending_releases


def scaled_size(width: int, height: int, max_width: int) -> tuple[int, int]:
    """The frame size we ask VLC for: the track's aspect ratio, at most ``max_width``
    wide, width a multiple of 8 (so a scanline is a multiple of 32 bytes) and even
    height."""
    if width <= 0 or height <= 0:
        return 0, 0
    target_w = min(width, max_width)
    target_h = round(height * target_w / width)
    target_w = max(8, target_w - target_w % 8)
    target_h = max(2, target_h - target_h % 2)
    return target_w, target_h


class MediaStream(Protocol):
    """What the player needs of a stream it plays from (a vault reader, a file, or a view
    of either): it reads, seeks and finally closes it."""

    def read(self, size: int = -1, /) -> bytes: ...

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def close(self) -> None: ...


class _Session:
    """Everything VLC may touch from its threads during one opened media.

    It owns the frame buffer, the ctypes callbacks (which must outlive playback) and the
    file object of a stream. ``alive`` is cleared on close; callbacks check it first so a
    closed session never reaches the player again.
    """

    def __init__(self, player: VideoPlayer, max_width: int) -> None:
        self.player = player
        self.max_width = max_width
        self.alive = threading.Event()
        self.alive.set()
        self.buffer_lock = threading.RLock()
        self.raw: ctypes.Array[ctypes.c_char] | None = None
        self.address = 0
        self.width = 0
        self.height = 0
        self.pitch = 0
        self.frames = 0
        self.pending: QImage | None = None
        self.posted = False
        self.stream: MediaStream | None = None
        self.stream_size = 0
        self.stream_lock = threading.Lock()
        self.vlc_player: Any = None
        self.media: Any = None
        self.dll: Any = None
        self.fps = 0.0
        self.keep: list[Any] = []  # ctypes callbacks: VLC holds raw pointers to these

    # --- video callbacks (VLC's video output thread) --------------------------------

    def setup(
        self, _opaque: Any, chroma: int, width: Any, height: Any, pitches: Any, lines: Any
    ) -> int:
        # VLC passes the coded size (e.g. 192 rows for a 180-row H.264 stream) and would
        # stretch the picture into it; the track knows the visible size and pixel aspect.
        source_w, source_h = width[0], height[0]
        track = _video_track(self.dll, self.media) if self.dll is not None else None
        if track is not None:
            track_w, track_h, sar, fps = track
            source_w, source_h = round(track_w * sar), track_h
            self.fps = fps
        w, h = scaled_size(source_w, source_h, self.max_width)
        if not w:
            return 0
        ctypes.memmove(chroma, b"RV32", 4)
        width[0], height[0] = w, h
        pitch = w * 4
        rows = (h + 31) // 32 * 32
        pitches[0], lines[0] = pitch, rows
        with self.buffer_lock:
            # Planes must be 32-byte aligned; malloc only promises 16.
            self.raw = ctypes.create_string_buffer(pitch * rows + 32)
            base = ctypes.addressof(self.raw)
            self.address = base + (-base % 32)
            self.width, self.height, self.pitch = w, h, pitch
        return 1

    def cleanup(self, _opaque: Any) -> None:
        return None

    def lock(self, _opaque: Any, planes: Any) -> int:
        self.buffer_lock.acquire()
        planes[0] = self.address
        return 0

    def unlock(self, _opaque: Any, _picture: Any, _planes: Any) -> None:
        self.buffer_lock.release()

    def display(self, _opaque: Any, _picture: Any) -> None:
        if not self.alive.is_set():
            return
        with self.buffer_lock:
            if not self.address:
                return
            image = QImage(self.width, self.height, QImage.Format.Format_RGB32)
            target = image.bits()
            ctypes.memmove(
                ctypes.addressof(ctypes.c_char.from_buffer(target)),
                self.address,
                self.pitch * self.height,
            )
            del target
        self.frames += 1
        with self.stream_lock:
            self.pending = image
            post = not self.posted
            self.posted = True
        if post:
            self._emit(lambda p: p._framePosted.emit())

    def take_frame(self) -> QImage | None:
        with self.stream_lock:
            image, self.pending, self.posted = self.pending, None, False
        return image

    # --- stream callbacks (VLC's input thread) ---------------------------------------

    def stream_open(self, _opaque: Any, datap: Any, sizep: Any) -> int:
        if self.stream is None or not self.alive.is_set():
            return -1
        try:
            self.stream.seek(0)
        except (OSError, ValueError):
            return -1
        datap[0] = None
        sizep[0] = self.stream_size
        return 0

    def stream_read(self, _opaque: Any, buf: Any, length: int) -> int:
        # Returning -1 once closed lets libvlc's stop() return promptly.
        if self.stream is None or not self.alive.is_set():
            return -1
        try:
            data = self.stream.read(length)
        except Exception:
            # Any failure (an I/O error, a vault chunk failing authentication) must
            # become -1 here: an exception cannot cross back into libvlc.
            log.warning("reading the video stream failed", exc_info=True)
            return -1
        ctypes.memmove(buf, data, len(data))
        return len(data)

    def stream_seek(self, _opaque: Any, offset: int) -> int:
        if self.stream is None or not self.alive.is_set():
            return -1
        try:
            self.stream.seek(offset)
        except (OSError, ValueError):
            return -1
        return 0

    def stream_close(self, _opaque: Any) -> None:
        return None

    # --- events (VLC's event thread) -------------------------------------------------

    def on_event(self, event: Any, kind: str) -> None:
        value = 0
        if kind == "time":
            value = int(event.u.new_time)
        elif kind == "length":
            value = int(event.u.new_length)
        self._emit(lambda p: p._vlcEvent.emit(kind, value))

    def _emit(self, send: Callable[[VideoPlayer], None]) -> None:
        if not self.alive.is_set():
            return
        try:
            send(self.player)
        except RuntimeError:
            # The player's C++ side was deleted between the check and the emit.
            self.alive.clear()

    # --- teardown (worker thread) ------------------------------------------------------

    def release(self) -> None:
        try:
            if self.vlc_player is not None:
                self.vlc_player.stop()
                self.vlc_player.release()
            if self.media is not None:
                self.media.release()
        finally:
            if self.stream is not None:
                try:
                    self.stream.close()
                except OSError:
                    log.warning("closing the video stream failed", exc_info=True)
            self.keep.clear()


class _Opening(NamedTuple):
    """An open asked for: how to make the media, and the stream the player now owns."""

    make_media: Callable[[Any, _Session], Any]
    autoplay: bool
    start_ms: int
    stream: MediaStream | None


class VideoPlayer(QObject):
    """One video at a time; see the module docstring for the threading model."""

    frameReady = Signal(QImage)
    positionChanged = Signal(int)
    durationChanged = Signal(int)
    stateChanged = Signal(str)
    errorOccurred = Signal(str)
    endReached = Signal()
    #: The media ended at ``present_ms`` although its index says ``duration_ms``: the
    #: rest is missing (a truncated file). Emitted just before ``endReached``.
    endedEarly = Signal(int, int)
    #: A stretch ``[start_ms, end_ms)`` that was actually played (seeks excluded).
    playedRange = Signal(int, int)

    _vlcEvent = Signal(str, int)
    _framePosted = Signal()
    _vlcStarted = Signal(object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        audio_output: str | None = None,
        max_width: int = 1280,
        error_timeout_ms: int = 8000,
    ) -> None:
        super().__init__(parent)
        self._audio_output = audio_output
        self._max_width = max_width
        self._session: _Session | None = None
        # An open waiting for VLC to start (see _open).
        self._waiting: _Opening | None = None
        self._state = PlayerState.STOPPED
        self._position = 0
        self._duration = 0
        self._rate = 1.0
        self._volume = 100
        self._autoplay = False
        self._priming = False
        self._pending_seek: int | None = None
        self._pause = _Pause.SETTLED
        # Time events already on their way when we seek still carry the old position.
        self._seek_target: int | None = None
        self._frame_ms = DEFAULT_FRAME_MS
        self._history = FrameHistory()
        # The frame step under way: a walk back or a step forward (see frame_history).
        self._walk: FrameWalk | FrameStep | None = None
        # Frame steps pressed while a walk runs or a pause settles, carried out after.
        self._queued_steps: list[int] = []
        self._walk_timer = QTimer(self)
        self._walk_timer.setSingleShot(True)
        self._walk_timer.setInterval(_WALK_WAIT_MS)
        self._walk_timer.timeout.connect(self._walk_lost)
        self._paused_at = 0.0
        self._stepped = False
        self._queue_timer = QTimer(self)
        self._queue_timer.setSingleShot(True)
        self._queue_timer.setInterval(_PAUSE_SETTLE_MS)
        self._queue_timer.timeout.connect(self._on_queue_timer)
        self._last_frame: QImage | None = None
        self._audio_only = False
        # Fed with the playhead as it plays; each stretch it closes is a playedRange.
        self._coverage = CoverageTracker(self.playedRange.emit)
        # Known after an early end: how much of the media exists (see endedEarly).
        self._present: int | None = None
        self.frames_delivered = 0
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(error_timeout_ms)
        self._watchdog.timeout.connect(self._on_watchdog)
        self._last_frame_at = 0.0
        self._kick = QTimer(self)
        self._kick.setSingleShot(True)
        self._kick.setInterval(_KICK_MS)
        self._kick.timeout.connect(self._on_kick)
        self._kick_target = 0
        self._kick_tries = 0
        self._before_seek: QImage | None = None
        self._vlcEvent.connect(self._on_vlc_event, Qt.ConnectionType.QueuedConnection)
        self._framePosted.connect(self._on_frame_posted, Qt.ConnectionType.QueuedConnection)
        self._vlcStarted.connect(self._on_vlc_started, Qt.ConnectionType.QueuedConnection)

    # --- queries ---------------------------------------------------------------------

    def state(self) -> PlayerState:
        return self._state

    def position(self) -> int:
        return self._position

    def duration(self) -> int:
        return self._duration

    def rate(self) -> float:
        return self._rate

    def volume(self) -> int:
        return self._volume

    def frame_duration_ms(self) -> int:
        return self._frame_ms

    def stepping(self) -> bool:
        """True while frame steps are still being carried out (the position already
        says where they lead; the picture follows)."""
        return self._walk is not None or bool(self._queued_steps)

    def ready(self) -> bool:
        """True once the media plays: a first frame arrived, or it is audio only."""
        return self._last_frame is not None or self._audio_only

    def is_audio_only(self) -> bool:
        return self._audio_only

    def last_frame(self) -> QImage | None:
        return self._last_frame

    def present_ms(self) -> int | None:
        """How much of the media exists when it ended early, else None."""
        return self._present

    def played_ranges(self) -> PlayedRanges:
        """Everything played of the current media so far (including the open stretch)."""
        return self._coverage.ranges()

    # --- opening -----------------------------------------------------------------------

    def open_file(self, path: str | Path, *, autoplay: bool = False, start_ms: int = 0) -> bool:
        """Open a video file. The first frame is shown (paused) unless ``autoplay``.
        False, with ``errorOccurred`` emitted, when it cannot even be started."""
        path = Path(path)
        if not path.is_file():
            self._fail("The video file is missing, so it cannot be played.")
            return False
        return self._open(
            _Opening(lambda inst, _s: inst.media_new_path(str(path)), autoplay, start_ms, None)
        )

    def open_stream(
        self, fileobj: MediaStream, size: int, *, autoplay: bool = False, start_ms: int = 0
    ) -> bool:
        """Play from a seekable binary file object of ``size`` bytes (e.g. a decrypting
        vault reader). The player owns ``fileobj`` from now on and closes it."""

        def make_media(inst: Any, session: _Session) -> Any:
            vlc = backend.vlc_module()
            callbacks = (
                vlc.CallbackDecorators.MediaOpenCb(session.stream_open),
                vlc.CallbackDecorators.MediaReadCb(session.stream_read),
                vlc.CallbackDecorators.MediaSeekCb(session.stream_seek),
                vlc.CallbackDecorators.MediaCloseCb(session.stream_close),
            )
            session.keep.extend(callbacks)
            session.stream = fileobj
            session.stream_size = size
            return inst.media_new_callbacks(*callbacks, None)

        return self._open(_Opening(make_media, autoplay, start_ms, fileobj))

    def _open(self, opening: _Opening) -> bool:
        self.close()
        if backend.existing(self._audio_output) is None:
            # VLC is still starting (see backend.warm_up): the open goes on once it has,
            # and the GUI thread does not wait for it meanwhile.
            self._waiting = opening
            self._autoplay = opening.autoplay
            self._position = max(0, opening.start_ms)
            self._duration = 0
            self._last_frame = None
            self._audio_only = False
            self._set_state(PlayerState.OPENING)
            backend.warm_up(self._audio_output, then=self._vlc_started_elsewhere)
            return True
        opened = self._start(opening.make_media, opening.autoplay, opening.start_ms)
        stream = opening.stream
        owned = self._session is not None and self._session.stream is stream
        if not opened and stream is not None and not owned:
            stream.close()
        return opened

    def _vlc_started_elsewhere(self, error: VlcUnavailable | None) -> None:
        # Called on the warm-up thread: hand over to the GUI thread. RuntimeError: the
        # player was deleted meanwhile, and its open with it.
        with contextlib.suppress(RuntimeError):
            self._vlcStarted.emit(error)

    @Slot(object)
    def _on_vlc_started(self, error: VlcUnavailable | None) -> None:
        opening, self._waiting = self._waiting, None
        if opening is None:
            return  # closed meanwhile, or already started by an earlier call
        if error is None:
            self._open(opening)
            return
        if opening.stream is not None:
            opening.stream.close()
        self._fail(str(error))

    def _start(
        self, make_media: Callable[[Any, _Session], Any], autoplay: bool, start_ms: int
    ) -> bool:
        try:
            vlc = backend.vlc_module()
            inst = backend.instance(self._audio_output)
        except VlcUnavailable as error:
            self._fail(str(error))
            return False
        session = _Session(self, self._max_width)
        media = make_media(inst, session)
        if media is None:
            session.release()
            self._fail(UNPLAYABLE)
            return False
        # VLC's own demuxers lose the clock of media read through callbacks when no
        # audio track paces it (a silent video, and an .m4a too): the time stays at its
        # first value while the picture moves. They also refuse a truncated MP4 opened
        # as a file, and their backward seeks can land after the target. FFmpeg's
        # demuxer keeps the clock, plays what exists and seeks to at or before it.
        media.add_option(":demux=avformat")
        if session.stream is not None:
            media.add_option(f":prefetch-read-size={PREFETCH_READ}")
        if start_ms > 0:
            media.add_option(f":start-time={start_ms / 1000:.3f}")
        mp = inst.media_player_new()
        session.vlc_player, session.media, session.dll = mp, media, vlc.dll
        format_thunk = _FormatCb(session.setup)
        setup = ctypes.cast(format_thunk, vlc.CallbackDecorators.VideoFormatCb)
        cleanup = vlc.CallbackDecorators.VideoCleanupCb(session.cleanup)
        lock = vlc.CallbackDecorators.VideoLockCb(session.lock)
        unlock = vlc.CallbackDecorators.VideoUnlockCb(session.unlock)
        display = vlc.CallbackDecorators.VideoDisplayCb(session.display)
        session.keep.extend((format_thunk, setup, cleanup, lock, unlock, display))
        mp.video_set_format_callbacks(setup, cleanup)
        mp.video_set_callbacks(lock, unlock, display, None)
        mp.set_media(media)
        events = mp.event_manager()
        E = vlc.EventType
        for event_type, kind in (
            (E.MediaPlayerPlaying, "playing"),
            (E.MediaPlayerPaused, "paused"),
            (E.MediaPlayerEndReached, "end"),
            (E.MediaPlayerEncounteredError, "error"),
            (E.MediaPlayerTimeChanged, "time"),
            (E.MediaPlayerLengthChanged, "length"),
        ):
            events.event_attach(event_type, session.on_event, kind)
        self._session = session
        self._position = max(0, start_ms)
        self._duration = 0
        self._coverage.restart()
        self._present = None
        self._frame_ms = DEFAULT_FRAME_MS
        self._last_frame = None
        self._audio_only = False
        self._autoplay = autoplay
        self._priming = not autoplay
        self._pending_seek = None
        self._pause = _Pause.SETTLED
        self._seek_target = None
        self._forget_frames()
        if self._priming:
            # Decode up to the first frame silently, then pause on it.
            mp.audio_set_mute(True)
        mp.audio_set_volume(self._volume)
        if self._rate != 1.0:
            mp.set_rate(self._rate)
        self._set_state(PlayerState.OPENING)
        self._watchdog.start()
        if mp.play() != 0:
            self._fail(UNPLAYABLE)
            return False
        return True

    # --- transport -----------------------------------------------------------------------

    def play(self) -> None:
        if self._waiting is not None:
            self._waiting = self._waiting._replace(autoplay=True)
            self._autoplay = True
            return
        mp = self._mp()
        if mp is None or self._state == PlayerState.ERROR:
            return
        if self._priming:
            self._priming = False
            mp.audio_set_mute(False)
        if self._state == PlayerState.ENDED:
            # After the end VLC ignores play() until stopped. Its input thread has
            # already finished, so this stop() only reaps it and returns at once.
            mp.stop()
            self._position = 0
            self._last_frame = None
            self._set_state(PlayerState.OPENING)
            self._watchdog.start()
            mp.play()
            return
        if self._state == PlayerState.OPENING:
            self._autoplay = True
            return
        stepped = self._stepped
        self._forget_frames()
        mp.set_pause(0)
        if self._pending_seek is not None:
            # A seek still waiting for the pause to settle: play from there instead.
            self._seek_target = self._pending_seek
            mp.set_time(self._pending_seek)
            self._pending_seek = None
        elif stepped:
            # After frame steps VLC's clock has run on while paused (and VLC may hold a
            # later frame than the one on screen): unpaused as is, playback would jump
            # ahead by about the time spent stepping. Go on from the screen's frame.
            self._seek_target = self._position
            mp.set_time(self._position)
        # VLC may merge a pause and an unpause queued back to back and then report
        # neither, so the state follows our request; VLC's events confirm it later.
        self._set_state(PlayerState.PLAYING)

    def pause(self) -> None:
        if self._waiting is not None:
            self._waiting = self._waiting._replace(autoplay=False)
            self._autoplay = False
            return
        mp = self._mp()
        if mp is None:
            return
        if self._state == PlayerState.OPENING:
            self._autoplay = False
            self._priming = True
            return
        if self._state == PlayerState.PLAYING:
            self._pause = _Pause.SETTLING
            self._paused_at = time.monotonic()
            mp.set_pause(1)
            if self._coverage.running:
                # The playhead stops where the picture stops, not at VLC's last report.
                self._position = self._coverage.hold(rate=self._rate, duration=self._duration)
                self.positionChanged.emit(self._position)
            self._coverage.close()
            self._set_state(PlayerState.PAUSED)

    def toggle(self) -> None:
        if self._state == PlayerState.PLAYING or (
            self._state == PlayerState.OPENING and self._autoplay
        ):
            self.pause()
        else:
            self.play()

    def seek(self, ms: int) -> None:
        if self._waiting is not None:
            self._position = max(0, int(ms))
            self._waiting = self._waiting._replace(start_ms=self._position)
            self.positionChanged.emit(self._position)
            return
        mp = self._mp()
        if mp is None or self._state == PlayerState.ERROR:
            return
        target = max(0, int(ms))
        end = self._present if self._present is not None else self._duration
        if end:
            target = min(target, max(0, end - self._frame_ms))
        self._coverage.close()
        self._forget_frames()
        self._seek_target = target
        self._kick.stop()
        if self._state == PlayerState.ENDED:
            self._pending_seek = target
            self.play()
        elif self._state == PlayerState.OPENING or self._still_settling():
            self._pending_seek = target
        elif self._state == PlayerState.PAUSED and self._must_wait(-1):
            # Frames decoded before the pause are still arriving; a seek sent now is
            # sometimes lost by VLC (the old picture stays). It goes out once they stop.
            self._pending_seek = target
            self._queue_timer.start()
        else:
            self._send_seek(target)
        self._position = target
        self.positionChanged.emit(target)

    def _send_seek(self, target: int) -> None:
        """Seek VLC now; while paused, watch that the picture follows (see _on_kick)."""
        mp = self._mp()
        if mp is None:
            return
        mp.set_time(target)
        if self._state == PlayerState.PAUSED:
            self._kick_target = target
            self._kick_tries = 0
            self._before_seek = self._last_frame
            self._kick.start()

    def skip(self, delta_ms: int) -> None:
        self.seek(self._position + int(delta_ms))

    def step_frame(self, direction: int) -> None:
        """One frame forward (``+1``) or back (``-1``); pauses first if playing.

        The position moves at once; the picture follows (see :mod:`frame_history` for
        how a step back finds exactly the frame before)."""
        mp = self._mp()
        if mp is None or self._state in (PlayerState.ERROR, PlayerState.OPENING):
            return
        if direction == 0 or (direction > 0 and self._state == PlayerState.ENDED):
            return
        if self._state == PlayerState.PLAYING:
            self.pause()
        if direction < 0 and self._position <= 0:
            return
        step = self._frame_ms if direction > 0 else -self._frame_ms
        self._position = min(max(0, self._position + step), self._duration or 1 << 62)
        self.positionChanged.emit(self._position)
        if self._state == PlayerState.ENDED or self._audio_only:
            # No picture to step through: an ordinary seek there.
            self.seek(self._position)
        elif self._walk or self._queued_steps or self._must_wait(direction):
            self._queue_step(direction)
        else:
            self._picture_step(direction)

    def _must_wait(self, direction: int) -> bool:
        """True while a frame step has to wait: VLC has not carried out the pause yet,
        or (stepping back) frames decoded before the pause may still arrive, and a walk
        must start from the picture that stays."""
        if self._queue_timer.isActive() or self._still_settling():
            return True
        since_pause_ms = (time.monotonic() - self._paused_at) * 1000
        return direction < 0 and since_pause_ms < _PAUSE_SETTLE_MS

    def _picture_step(self, direction: int) -> None:
        """Show the frame after or before the one on screen; the position has moved."""
        self._stepped = True
        known = self._history.forward() if direction > 0 else self._history.back()
        if known is not None:
            self._last_frame = known
            self.frameReady.emit(known)
        elif self._last_frame is None:
            self.seek(self._position)
        elif direction < 0:
            self._start_walk()
        else:
            self._kick.stop()
            self._walk = FrameStep(self._last_frame)
            self._walk_timer.start()
            self._next_frame()

    def _start_walk(self) -> None:
        """Find the frame before the one on screen; see frame_history."""
        assert self._last_frame is not None
        self._kick.stop()
        self._walk = FrameWalk(self._last_frame)
        self._walk_timer.start()
        self._mp().set_time(max(0, self._position - WALK_LEAD_FRAMES * self._frame_ms))

    def _walk_frame(self, image: QImage) -> None:
        walk = self._walk
        assert walk is not None
        step = walk.feed(image)
        if step is WalkStep.IGNORED:
            return
        if step in (WalkStep.NEXT, WalkStep.AGAIN):
            self._walk_timer.start()
            self._next_frame()
            return
        if step is WalkStep.LOST and isinstance(walk, FrameWalk):
            self._walk_lost()
            return
        self._walk_timer.stop()
        self._walk = None
        if isinstance(walk, FrameWalk):
            shown = self._history.start(walk.passed, walk.goal)
        elif step is WalkStep.FOUND:
            shown = self._history.stepped(walk.before, image)
        else:
            # The same picture for several frames: the step happened, but which frames
            # VLC passed is not known.
            shown = image
            self._history.clear()
        self._last_frame = shown
        self.frameReady.emit(shown)
        self._run_queued_steps()

    @Slot()
    def _walk_lost(self) -> None:
        # Started too late, the picture stays the same for long, or VLC showed nothing:
        # an ordinary seek to the position.
        if self._walk is None:
            return
        log.info("frame step: the frame was not found in time; seeking instead")
        self.seek(self._position)

    def _queue_step(self, direction: int) -> None:
        self._queued_steps.append(direction)
        if self._walk is None:
            self._queue_timer.start()

    @Slot()
    def _on_queue_timer(self) -> None:
        if self._state != PlayerState.PAUSED or self._walk is not None:
            return
        if self._pending_seek is None and not self._queued_steps:
            return
        if self._must_wait(min(self._queued_steps, default=-1)):
            self._queue_timer.start()
            return
        if self._pending_seek is not None:
            self._send_seek(self._pending_seek)
            self._pending_seek = None
        self._run_queued_steps()

    def _run_queued_steps(self) -> None:
        queued, self._queued_steps = self._queued_steps, []
        for index, direction in enumerate(queued):
            if self._walk is not None:
                # A new walk began: the rest wait for it.
                self._queued_steps = queued[index:]
                return
            self._picture_step(direction)

    def _stop_nudge(self) -> None:
        """Pause again after a nudge (see _on_kick)."""
        mp = self._mp()
        if self._pause is not _Pause.NUDGING or mp is None:
            return
        self._pause = _Pause.SETTLING
        self._paused_at = time.monotonic()
        mp.set_pause(1)
        mp.audio_set_mute(self._priming)

    def _forget_frames(self) -> None:
        """VLC is about to move on its own: the history no longer matches it."""
        self._stop_nudge()
        self._walk = None
        self._walk_timer.stop()
        self._queue_timer.stop()
        self._queued_steps = []
        self._stepped = False
        self._history.clear()

    def _still_settling(self) -> bool:
        """True while VLC has not yet carried out our last pause request."""
        if self._pause is _Pause.SETTLING and self._vlc_state() == "Paused":
            # The Paused event is still on its way; VLC itself is ready.
            self._pause = _Pause.SETTLED
        return self._pause is _Pause.SETTLING

    def _vlc_state(self) -> str:
        mp = self._mp()
        if mp is None:
            return ""
        state = mp.get_state()
        return str(getattr(state, "name", state)).rsplit(".", 1)[-1]

    def _next_frame(self) -> None:
        mp = self._mp()
        if mp is not None:
            mp.next_frame()

    def set_rate(self, rate: float) -> float:
        """Clamp to 0.5-2.0 and apply; returns the rate in effect."""
        self._rate = round(min(MAX_RATE, max(MIN_RATE, float(rate))), 2)
        mp = self._mp()
        if mp is not None:
            mp.set_rate(self._rate)
        return self._rate

    def set_volume(self, volume: int) -> int:
        self._volume = min(100, max(0, int(volume)))
        mp = self._mp()
        if mp is not None:
            mp.audio_set_volume(self._volume)
        return self._volume

    def close(self) -> None:
        """Stop playback and release VLC's resources without blocking the GUI thread."""
        self._watchdog.stop()
        self._kick.stop()
        self._forget_frames()
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting.stream is not None:
            waiting.stream.close()
        session, self._session = self._session, None
        if session is None:
            if waiting is not None:
                self._set_state(PlayerState.STOPPED)
            return
        self._coverage.close()
        session.alive.clear()
        worker = threading.Thread(target=session.release, name="vlc-release", daemon=True)
        with _pending_lock:
            _pending_releases[:] = [t for t in _pending_releases if t.is_alive()]
            _pending_releases.append(worker)
        worker.start()
        if self._state not in (PlayerState.ERROR, PlayerState.STOPPED):
            self._set_state(PlayerState.STOPPED)

    # --- internals ---------------------------------------------------------------------

    def _mp(self) -> Any:
        return self._session.vlc_player if self._session is not None else None

    def _set_state(self, state: PlayerState) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

    def _fail(self, message: str) -> None:
        self._watchdog.stop()
        self._coverage.close()
        self._set_state(PlayerState.ERROR)
        self.errorOccurred.emit(message)

    @Slot()
    def _on_watchdog(self) -> None:
        if (
            self._state == PlayerState.OPENING
            and self._session is not None
            and not self._session.frames
        ):
            log.warning("no picture from VLC within %d ms", self._watchdog.interval())
            self._fail(UNPLAYABLE)

    @Slot()
    def _on_kick(self) -> None:
        # When the pause lands while VLC is still starting up, a paused seek can leave
        # the video output idle: no picture at all, not even the repeats of the still
        # picture that a healthy paused output sends every ~60 ms. One frame step wakes
        # it and shows the sought frame. On a busy machine a paused seek is also
        # sometimes dropped while the old picture keeps repeating: it is asked again.
        mp = self._mp()
        if mp is None or self._state != PlayerState.PAUSED or self._walk is not None:
            return
        if self._pause is _Pause.SETTLING or self._pending_seek is not None:
            self._kick.start()
            return
        idle = (time.monotonic() - self._last_frame_at) * 1000 > _KICK_MS / 2
        unchanged = self._before_seek is not None and self._last_frame == self._before_seek
        if not (idle or unchanged):
            return
        if self._kick_tries == 0 and idle:
            mp.next_frame()
        elif self._pause is not _Pause.NUDGING:
            # A paused VLC that does not show a sought frame still plays: run it muted
            # until a new picture comes, and pause there (see _on_frame_posted).
            self._pause = _Pause.NUDGING
            mp.audio_set_mute(True)
            mp.set_time(self._kick_target)
            mp.set_pause(0)
        self._kick_tries += 1
        if self._kick_tries < _KICK_TRIES:
            self._kick.start()

    @Slot()
    def _on_frame_posted(self) -> None:
        session = self._session
        if session is None:
            return
        image = session.take_frame()
        if image is None:
            return
        if self._walk is not None:
            self._walk_frame(image)
            return
        if self._history.behind():
            # VLC repeats the later frame it holds; the screen keeps the earlier one.
            return
        if self._pause is _Pause.NUDGING and image != self._before_seek:
            self._stop_nudge()
        first = self._last_frame is None
        self._last_frame = image
        self.frames_delivered += 1
        self._last_frame_at = time.monotonic()
        if first:
            self._watchdog.stop()
            self._learn_frame_rate()
            if self._priming:
                self._pause = _Pause.SETTLING
                session.vlc_player.set_pause(1)
                self._paused_at = time.monotonic()
                self._set_state(PlayerState.PAUSED)
            elif self._state == PlayerState.OPENING:
                self._set_state(PlayerState.PLAYING)
        self.frameReady.emit(image)

    def _learn_frame_rate(self) -> None:
        fps = self._session.fps if self._session is not None else 0.0
        if fps > 1:
            self._frame_ms = max(1, round(1000 / fps))

    @Slot(str, int)
    def _on_vlc_event(self, kind: str, value: int) -> None:
        if self._session is None or self._state == PlayerState.ERROR:
            return
        if kind == "time":
            self._on_time(value)
        elif kind == "length":
            if value > 0 and value != self._duration:
                self._duration = value
                self.durationChanged.emit(value)
        elif kind == "playing":
            self._on_playing()
        elif kind == "paused":
            self._on_paused()
        elif kind == "end":
            self._on_end()
        elif kind == "error":
            self._fail(UNPLAYABLE)

    def _on_paused(self) -> None:
        # The state already follows our own requests; the event only says VLC is ready.
        if self._pause is not _Pause.SETTLING:
            return
        self._pause = _Pause.SETTLED
        if self._pending_seek is not None:
            if self._must_wait(-1):
                self._queue_timer.start()
            else:
                self._send_seek(self._pending_seek)
                self._pending_seek = None

    def _on_playing(self) -> None:
        mp = self._mp()
        if self._pending_seek is not None and self._pause is not _Pause.SETTLING:
            mp.set_time(self._pending_seek)
            self._pending_seek = None
        # Before the first picture the state stays "opening"; after it, the state follows
        # our requests, so a Playing event that trails our pause is only history.
        if (
            self._last_frame is not None
            and self._state == PlayerState.OPENING
            and not self._priming
        ):
            self._set_state(PlayerState.PLAYING)

    def _on_time(self, ms: int) -> None:
        if (
            self._state == PlayerState.OPENING
            and self._last_frame is None
            and ms > 0
            and self._no_video()
        ):
            state = self._start_audio_only()
            if state is PlayerState.PAUSED:
                return
        if self._state == PlayerState.PAUSED and (self._walk is not None or self._history.frames):
            # A walk's own seek, not the playhead: frame steps set the position.
            return
        if self._seek_target is not None:
            if not -_SEEK_SLACK_MS <= ms - self._seek_target <= _STALE_TIME_MS:
                return
            self._seek_target = None
        if self._state == PlayerState.PLAYING:
            self._coverage.played_to(ms, position=self._position, rate=self._rate)
        if self._state in (PlayerState.PLAYING, PlayerState.PAUSED) and ms != self._position:
            self._position = ms
            self.positionChanged.emit(ms)

    def _no_video(self) -> bool:
        # Once the clock runs the demuxer knows its tracks: none of them video means an
        # audio artifact, which plays without ever delivering a frame.
        mp = self._mp()
        return mp is not None and mp.video_get_track_count() <= 0

    def _start_audio_only(self) -> PlayerState:
        """Go on without pictures; returns the state this leaves the player in."""
        self._audio_only = True
        self._watchdog.stop()
        if self._priming:
            self._pause = _Pause.SETTLING
            self._mp().set_pause(1)
            self._paused_at = time.monotonic()
            self._set_state(PlayerState.PAUSED)
            # Priming ran the clock up to its first report muted: go back to where the
            # assessor asked to start, or that stretch would never count as heard.
            self.seek(self._position)
        else:
            self._set_state(PlayerState.PLAYING)
        return self._state

    def _on_end(self) -> None:
        self._watchdog.stop()
        self._forget_frames()
        if self._last_frame is None and not self._audio_only:
            self._fail(UNPLAYABLE)
            return
        end = self._duration
        reached = self._coverage.reached(rate=self._rate, duration=self._duration)
        gap = _EARLY_END_MS * max(1.0, self._rate)
        # An end just after a seek into the last seconds is an ordinary end.
        if end and end - reached > gap and end - self._position > gap:
            # VLC jumps to the length in the index when the data runs out; what was
            # really reached is where the media ends, and the rest was never played.
            end = self._present = max(reached, self._present or 0)
        if end:
            self._coverage.played_to(end, position=self._position, rate=self._rate)
            self._position = end
            self.positionChanged.emit(end)
        self._coverage.close()
        self._set_state(PlayerState.ENDED)
        if self._present is not None:
            self.endedEarly.emit(self._present, self._duration)
        self.endReached.emit()
