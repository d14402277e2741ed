"""Exact frame steps back: the pictures just before the one on screen.

libvlc 3 steps forward only (``next_frame``), and its seeks land up to a few frames
before their target (the decoder starts showing from the reorder point of B-frames), so
"one frame back" done as a seek sometimes does not move and sometimes jumps several
frames. Instead the player makes a hidden :class:`FrameWalk`: it seeks a little further
back without showing anything, steps forward one frame at a time until the picture on
screen comes round again, and keeps every picture it passed. The last of them is the
frame before; the ones before that serve the next presses at once. Decoding is
deterministic, so "the picture on screen comes round again" is an exact comparison.

A step forward is VLC's ``next_frame``, watched by a :class:`FrameStep`: right after a
seek VLC often answers the request by showing the same picture again, so a request that
brought no new picture is repeated — judged by the pictures themselves, not by a timer
that a busy machine would outrun (which stepped twice).

A :class:`FrameHistory` holds those pictures in order; its last picture is the frame
VLC itself holds, and ``shown`` is the one on screen, which may be behind it.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtGui import QImage

#: Frames a walk starts before the frame it looks for: covers how far VLC's seek may
#: land early, and a playhead that itself came from an early landing.
WALK_LEAD_FRAMES = 8
#: A walk that has not found the picture after this many frames has started too late
#: (or the video shows the same picture for long); it is given up.
WALK_MAX_FRAMES = 24
#: VLC shows a paused picture again about every 60 ms. Right after a seek it sometimes
#: drops a frame-step request; this many repeats without a new picture ask again.
WALK_REPEATS_BEFORE_RETRY = 2
#: Pictures kept at most (a 1280-pixel-wide frame takes 3.7 MB).
HISTORY_MAX_FRAMES = 32


class WalkStep(Enum):
    IGNORED = "ignored"  # the still picture shown again while paused
    AGAIN = "again"  # the step request was dropped: ask VLC once more
    NEXT = "next"  # a new picture kept: step VLC once more
    FOUND = "found"  # the picture on screen came round: the walk is done
    LOST = "lost"  # a walk: too many frames without finding it; a step: no new picture


class _Repeats:
    """Counts the still picture shown again; says when to ask VLC once more."""

    def __init__(self) -> None:
        self.count = 0
        self.asked_again = 0

    def seen(self) -> WalkStep:
        self.count += 1
        if self.count < WALK_REPEATS_BEFORE_RETRY:
            return WalkStep.IGNORED
        self.count = 0
        self.asked_again += 1
        return WalkStep.AGAIN


class FrameStep:
    """One step forward from ``before``, the picture on screen when it was asked for."""

    #: A picture that stays the same after this many requests is a video showing the
    #: same picture for a while: the step is taken as done.
    MAX_ASKS = 3

    def __init__(self, before: QImage) -> None:
        self.before = before
        self._repeats = _Repeats()

    def feed(self, image: QImage) -> WalkStep:
        if image != self.before:
            return WalkStep.FOUND
        step = self._repeats.seen()
        if step is WalkStep.AGAIN and self._repeats.asked_again >= self.MAX_ASKS:
            return WalkStep.LOST
        return step


class FrameWalk:
    """One hidden walk towards ``goal``, the picture on screen when it began."""

    def __init__(self, goal: QImage, max_frames: int = WALK_MAX_FRAMES) -> None:
        self.goal = goal
        self.max_frames = max_frames
        self.passed: list[QImage] = []
        self._repeats = _Repeats()

    def feed(self, image: QImage) -> WalkStep:
        """Judge a picture VLC displayed during the walk."""
        if not self.passed:
            # Until the seek shows its first picture, VLC repeats the one on screen.
            if image == self.goal:
                return WalkStep.IGNORED
        elif image == self.passed[-1]:
            return self._repeats.seen()
        elif image == self.goal:
            return WalkStep.FOUND
        self.passed.append(image)
        self._repeats = _Repeats()
        return WalkStep.LOST if len(self.passed) > self.max_frames else WalkStep.NEXT


class FrameHistory:
    """Consecutive pictures ending with the one VLC holds; ``shown`` indexes the one on
    screen. Empty when nothing is known (after a seek, playback or opening)."""

    def __init__(self) -> None:
        self.frames: list[QImage] = []
        self.shown = -1

    def clear(self) -> None:
        self.frames = []
        self.shown = -1

    def start(self, passed: list[QImage], held: QImage) -> QImage:
        """After a walk: ``passed`` then ``held`` (VLC's frame); shows the one before
        ``held`` and returns it."""
        self.frames = [*passed, held][-HISTORY_MAX_FRAMES:]
        self.shown = len(self.frames) - 2
        return self.frames[self.shown]

    def behind(self) -> bool:
        """True while the screen shows an earlier picture than the one VLC holds."""
        return 0 <= self.shown < len(self.frames) - 1

    def back(self) -> QImage | None:
        """The picture one frame earlier, if known; it becomes the one shown."""
        if self.shown <= 0:
            return None
        self.shown -= 1
        return self.frames[self.shown]

    def forward(self) -> QImage | None:
        """The picture one frame later, if it is behind VLC's; it becomes the one shown."""
        if not self.behind():
            return None
        self.shown += 1
        return self.frames[self.shown]

    def stepped(self, before: QImage, after: QImage) -> QImage:
        """VLC stepped forward from ``before`` (held) to ``after``, which is now held
        and shown; returns it."""
        if not self.frames or self.frames[-1] is not before:
            self.frames = [before]
        self.frames = [*self.frames, after][-HISTORY_MAX_FRAMES:]
        self.shown = len(self.frames) - 1
        return after
