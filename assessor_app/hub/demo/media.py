"""Locally generated demo evidence: classroom-style videos, lesson-plan PDFs, photographed
student work, reflections and quiz results.

Nothing is downloaded. Videos and images are drawn by ffmpeg (lavfi sources, drawbox,
drawtext with the DejaVu fonts), PDFs by reportlab. Each generated file is cached under a
key made of its full recipe and ``GENERATOR_VERSION``, so seeding a second hub reuses the
files instead of encoding them again; bump the version whenever the output would change.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import shutil
import subprocess
import tempfile
import textwrap
import wave
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from assessor_app.domain.rubric import Credential

GENERATOR_VERSION = "1"

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FONT_MONO = FONT_DIR / "DejaVuSansMono.ttf"
FONT_HAND = FONT_DIR / "DejaVuSerif-Italic.ttf"

VIDEO_WIDTH = 640
VIDEO_HEIGHT = 360
VIDEO_FPS = 25

BeatKind = Literal["ask", "wait", "answer", "say", "activity"]

# Seconds a beat lasts when the recipe does not say.
DEFAULT_BEAT_SECONDS: dict[str, float] = {
    "ask": 4.0,
    "wait": 3.0,
    "answer": 5.0,
    "say": 4.0,
    "activity": 8.0,
}


class MediaError(RuntimeError):
    """A demo file could not be generated; the message says what to install or fix."""


@dataclass(frozen=True)
class Beat:
    """One moment of the filmed lesson, shown as a caption.

    ``ask`` sounds a beep and shows "Teacher asks: ...", ``wait`` shows a live
    "Wait time: N s" counter over room tone, ``answer`` highlights desk ``desk`` (0-11) and
    shows "Student answers: ...", ``say`` is other teacher talk and ``activity`` a caption
    as written (group work, boards up, ...).
    """

    kind: BeatKind
    text: str = ""
    seconds: float | None = None
    desk: int | None = None

    @property
    def duration(self) -> float:
        return self.seconds if self.seconds is not None else DEFAULT_BEAT_SECONDS[self.kind]

    def caption(self) -> str:
        if self.kind == "ask":
            return f"Teacher asks: {self.text}"
        if self.kind == "answer":
            return f"Student answers: {self.text}"
        if self.kind == "say":
            return f"Teacher: {self.text}"
        return self.text


_GENERIC_BEATS: tuple[Beat, ...] = (
    Beat("ask", "What do you notice about the pattern on the board?"),
    Beat("wait", seconds=3.0),
    Beat("answer", "The numbers go up by three each time."),
    Beat("wait", seconds=2.0),
    Beat("say", "Who can add to that?"),
    Beat("answer", "And it starts at two, so it is three n minus one."),
    Beat("activity", "Students talk in pairs; teacher circulates and listens"),
)


@dataclass(frozen=True)
class LessonStep:
    minutes: int
    phase: str
    teacher: str
    students: str


@dataclass(frozen=True)
class PlannedQuestion:
    text: str
    purpose: str = ""
    expected: str = ""


@dataclass(frozen=True)
class LessonDetails:
    """What a lesson plan says: the recipe of ``make_lesson_plan_pdf``."""

    teacher: str
    subject: str
    grade: str
    topic: str
    duration_minutes: int
    objectives: tuple[str, ...]
    sequence: tuple[LessonStep, ...]
    questions: tuple[PlannedQuestion, ...]
    assessment: tuple[str, ...]
    success_criteria: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    differentiation: tuple[str, ...] = ()
    notes: str = ""


@dataclass
class CacheStats:
    """How many files a cache served and how many it had to generate."""

    hits: int = 0
    misses: int = 0
    generated: list[str] = field(default_factory=list)


_STATS = CacheStats()


def cache_stats() -> CacheStats:
    """Counts since the process started (or since ``reset_cache_stats``)."""
    return _STATS


def reset_cache_stats() -> None:
    global _STATS
    _STATS = CacheStats()


def recipe_key(kind: str, recipe: Any) -> str:
    """The cache key: sha256 of the generator version, the kind and the whole recipe."""
    blob = json.dumps(
        {"generator": GENERATOR_VERSION, "kind": kind, "recipe": recipe},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _atomic_build(dest: Path, build: Callable[[Path], object]) -> None:
    """Build into a temporary sibling and rename, so a failure never leaves half a file."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".partial-", suffix=dest.suffix, dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        build(tmp)
        # mkstemp creates 0600; demo files are meant to be read by the hub and by people.
        tmp.chmod(0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _produce(
    path: Path,
    kind: str,
    recipe: Any,
    cache_dir: Path | None,
    build: Callable[[Path], None],
) -> Path:
    path = Path(path)
    if cache_dir is None:
        _STATS.misses += 1
        _STATS.generated.append(kind)
        _atomic_build(path, build)
        return path
    cache_dir = Path(cache_dir)
    cached = cache_dir / f"{kind}-{recipe_key(kind, recipe)[:32]}{path.suffix}"
    if cached.is_file():
        _STATS.hits += 1
    else:
        _STATS.misses += 1
        _STATS.generated.append(kind)
        _atomic_build(cached, build)
    if cached.resolve() != path.resolve():
        _atomic_build(path, lambda tmp: shutil.copyfile(cached, tmp))
    return path


def _run_ffmpeg(args: Sequence[str]) -> None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise MediaError("ffmpeg is not installed; install it (apt-get install ffmpeg)")
    for font in (FONT, FONT_BOLD, FONT_MONO, FONT_HAND):
        if not font.is_file():
            raise MediaError(f"font {font} is missing; install fonts-dejavu-core")
    proc = subprocess.run(
        [exe, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-8:])
        raise MediaError(f"ffmpeg failed (exit {proc.returncode}): {tail}")


def _quote(value: str | Path) -> str:
    """A filtergraph value in single quotes; the values here are our own paths."""
    text = str(value)
    if "'" in text:
        raise MediaError(f"unsupported character in {text!r}")
    return f"'{text}'"


def _fmt(x: float) -> str:
    return f"{x:.3f}"


# --- classroom video -------------------------------------------------------------------

_DESK_COLS = 4
_DESK_ROWS = 3
_DESK_W, _DESK_H = 92, 26
_DESK_X0, _DESK_Y0 = 96, 150
_DESK_DX, _DESK_DY = 118, 44
_STUDENT_COLOURS = ("0xC0504D", "0x4F81BD", "0x9BBB59", "0x8064A2", "0x4BACC6", "0xF79646")


def _desk_xy(index: int) -> tuple[int, int]:
    row, col = divmod(index % (_DESK_COLS * _DESK_ROWS), _DESK_COLS)
    return _DESK_X0 + col * _DESK_DX, _DESK_Y0 + row * _DESK_DY


def plan_timeline(beats: Sequence[Beat], seconds: float) -> list[tuple[float, float, Beat]]:
    """Lay the beats end to end and cut or pad them to exactly ``seconds``.

    Returns ``(start, end, beat)``; when the beats run short, a closing group-work
    caption fills the rest so the clip never ends on a frozen frame.
    """
    timeline: list[tuple[float, float, Beat]] = []
    t = 0.0
    for beat in beats:
        if t >= seconds:
            break
        end = min(seconds, t + max(0.5, beat.duration))
        timeline.append((t, end, beat))
        t = end
    if t < seconds:
        timeline.append(
            (t, seconds, Beat("activity", "Students continue in pairs; teacher circulates"))
        )
    return timeline


_AUDIO_RATE = 22_050


def _render_audio(
    timeline: Sequence[tuple[float, float, Beat]], seconds: float, seed: int
) -> bytes:
    """16-bit mono PCM: quiet room tone, a beep at each question, and amplitude-modulated
    tones standing in for the teacher's and students' voices."""
    rng = np.random.default_rng(seed)
    n = round(seconds * _AUDIO_RATE)
    t = np.arange(n, dtype=np.float64) / _AUDIO_RATE
    signal = 0.015 * rng.uniform(-0.5, 0.5, n)

    def voice(a: float, b: float, pitch: float, syllables: float, level: float) -> None:
        i, j = round(a * _AUDIO_RATE), round(b * _AUDIO_RATE)
        seg = t[i:j]
        signal[i:j] += (
            level
            * np.sin(2 * np.pi * pitch * seg)
            * (0.5 + 0.5 * np.sin(2 * np.pi * syllables * seg))
        )

    for start, end, beat in timeline:
        if beat.kind == "ask":
            voice(start, min(end, start + 0.35), 880, 0.0, 0.25)
            voice(min(end, start + 0.4), end, float(rng.choice([150, 165, 180])), 3.7, 0.10)
        elif beat.kind == "say":
            voice(start, end, 170, 3.3, 0.10)
        elif beat.kind == "answer":
            voice(start, end, float(rng.choice([230, 250, 270, 290])), 4.4, 0.09)
        elif beat.kind == "activity":
            i, j = round(start * _AUDIO_RATE), round(end * _AUDIO_RATE)
            signal[i:j] += 0.05 * rng.uniform(-0.5, 0.5, j - i)
    pcm = np.clip(signal, -1.0, 1.0) * 32767
    return pcm.astype("<i2").tobytes()


def _write_wav(path: Path, pcm: bytes) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(_AUDIO_RATE)
        wav.writeframes(pcm)


class _TextWriter(Protocol):
    def __call__(self, text: str, *, expand: bool = False) -> Path: ...


def _text_writer(directory: Path) -> _TextWriter:
    """Captions go to files (drawtext ``textfile``) so no caption needs escaping.

    drawtext expands ``%{...}`` even in text files, so a literal '%' is spelled out
    unless ``expand`` asks for the expansion (the wait-time counter).
    """
    count = 0

    def write(text: str, *, expand: bool = False) -> Path:
        nonlocal count
        count += 1
        path = directory / f"text-{count}.txt"
        path.write_text(text if expand else text.replace("%", " percent"), encoding="utf-8")
        return path

    return write


def _background_filters(title: str, seed: int, text_file: _TextWriter) -> str:
    """The static classroom: drawn once into an image, then looped under the captions."""
    rng = random.Random(seed)
    draw: list[str] = [
        # Floor, whiteboard and its frame, teacher's desk.
        "drawbox=x=0:y=132:w=640:h=136:color=0xD8CCB0:t=fill",
        "drawbox=x=150:y=12:w=340:h=96:color=white:t=fill",
        "drawbox=x=150:y=12:w=340:h=96:color=0x505050:t=3",
        "drawbox=x=20:y=96:w=100:h=30:color=0x7A5230:t=fill",
    ]
    for i in range(_DESK_COLS * _DESK_ROWS):
        x, y = _desk_xy(i)
        colour = rng.choice(_STUDENT_COLOURS)
        draw.append(f"drawbox=x={x + 36}:y={y - 14}:w=20:h=16:color={colour}:t=fill")
        draw.append(f"drawbox=x={x}:y={y}:w={_DESK_W}:h={_DESK_H}:color=0x9C6B3F:t=fill")
    # The teacher: body and head beside the board.
    draw.append("drawbox=x=520:y=58:w=34:h=70:color=0x2E6FB5:t=fill")
    draw.append("drawbox=x=526:y=36:w=22:h=22:color=0xE0B48C:t=fill")
    board = text_file(textwrap.fill(title, 34))
    draw.append(
        f"drawtext=fontfile={_quote(FONT_BOLD)}:textfile={_quote(board)}"
        ":x=162:y=22:fontsize=15:fontcolor=0x1F3A5F:line_spacing=4"
    )
    # Caption band.
    draw.append("drawbox=x=0:y=272:w=640:h=88:color=0x1E1E1E:t=fill")
    return f"color=c=0xE9E4D4:s={VIDEO_WIDTH}x{VIDEO_HEIGHT}:d=1[bg];[bg]{','.join(draw)}[out]"


def _caption_filters(
    timeline: Sequence[tuple[float, float, Beat]],
    seed: int,
    text_file: _TextWriter,
) -> str:
    """What changes over time: captions, the wait counter, highlights and the timecode."""
    rng = random.Random(seed + 1)
    draw: list[str] = []
    for start, end, beat in timeline:
        enable = f"enable='between(t,{_fmt(start)},{_fmt(end - 0.001)})'"
        if beat.kind == "wait":
            # A live counter: whole seconds since the pause began.
            label = (beat.text or "Wait time").replace("%", " percent")
            counter = text_file(f"{label}: %{{eif:trunc(t-{_fmt(start)}):d}} s", expand=True)
            draw.append(
                f"drawtext=fontfile={_quote(FONT_BOLD)}:textfile={_quote(counter)}"
                f":x=16:y=284:fontsize=20:fontcolor=0xF2B33D:{enable}"
            )
            # A dot per elapsed second above the teacher's head.
            for k in range(int(end - start)):
                dot_enable = f"enable='between(t,{_fmt(start + k + 1)},{_fmt(end - 0.001)})'"
                draw.append(
                    f"drawbox=x={500 + (k % 6) * 12}:y={20 + (k // 6) * 12}:w=8:h=8"
                    f":color=0xF2B33D:t=fill:{dot_enable}"
                )
            continue
        caption = text_file(textwrap.fill(beat.caption(), 58))
        colour = {"ask": "0x9FD3FF", "answer": "0xC8F7A0", "say": "0xFFFFFF"}.get(
            beat.kind, "0xE0E0E0"
        )
        draw.append(
            f"drawtext=fontfile={_quote(FONT)}:textfile={_quote(caption)}"
            f":x=16:y=282:fontsize=17:fontcolor={colour}:line_spacing=5:{enable}"
        )
        if beat.kind == "answer":
            desk = beat.desk if beat.desk is not None else rng.randrange(12)
            x, y = _desk_xy(desk)
            draw.append(
                f"drawbox=x={x - 4}:y={y - 20}:w={_DESK_W + 8}:h={_DESK_H + 24}"
                f":color=0xF2D33D:t=3:{enable}"
            )
        elif beat.kind in ("ask", "say"):
            draw.append(f"drawbox=x=560:y=40:w=16:h=12:color=white:t=fill:{enable}")
    draw.append(
        f"drawtext=fontfile={_quote(FONT_MONO)}:text='%{{pts\\:hms}}'"
        ":x=w-tw-10:y=h-th-8:fontsize=16:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw=4"
    )
    return f"[0:v]{','.join(draw)},format=yuv420p[v]"


# Modest bitrate: the picture is mostly static, and eight clips must encode in seconds.
_VIDEO_ENCODING = [
    "-c:v",
    "libx264",
    "-preset",
    "veryfast",
    "-tune",
    "stillimage",
    "-crf",
    "30",
    "-maxrate",
    "600k",
    "-bufsize",
    "1200k",
    "-c:a",
    "aac",
    "-b:a",
    "64k",
    "-movflags",
    "+faststart",
    "-f",
    "mp4",
]


def make_classroom_video(
    path: Path,
    seconds: float,
    title: str,
    seed: int,
    *,
    beats: Sequence[Beat] | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """A 640x360 H.264 + AAC MP4 of a classroom diagram with per-beat captions, a
    burned-in running timecode, and tones for voices and question beeps.

    ``beats`` script the lesson; the clip lasts exactly ``seconds`` (beats are cut or a
    closing caption pads them).
    """
    if seconds <= 0:
        raise ValueError("a video needs a positive duration")
    script = tuple(beats) if beats is not None else _GENERIC_BEATS
    recipe = {
        "seconds": seconds,
        "title": title,
        "seed": seed,
        "beats": [asdict(b) for b in script],
        "size": [VIDEO_WIDTH, VIDEO_HEIGHT],
        "fps": VIDEO_FPS,
    }

    def build(out: Path) -> None:
        timeline = plan_timeline(script, seconds)
        with tempfile.TemporaryDirectory(prefix="assessor-demo-") as tmp:
            tmp_dir = Path(tmp)
            text_file = _text_writer(tmp_dir)
            # BMP: the looped still is decoded once per frame, and BMP costs nothing to decode.
            background = tmp_dir / "classroom.bmp"
            graph = tmp_dir / "background.txt"
            graph.write_text(_background_filters(title, seed, text_file), encoding="utf-8")
            _run_ffmpeg(
                [
                    *("-filter_complex_script", str(graph), "-map", "[out]", "-frames:v", "1"),
                    *("-pix_fmt", "bgr24", "-f", "image2", str(background)),
                ]
            )
            audio = tmp_dir / "sound.wav"
            _write_wav(audio, _render_audio(timeline, seconds, seed))
            graph = tmp_dir / "captions.txt"
            graph.write_text(_caption_filters(timeline, seed, text_file), encoding="utf-8")
            _run_ffmpeg(
                [
                    *("-loop", "1", "-framerate", str(VIDEO_FPS), "-i", str(background)),
                    *("-i", str(audio), "-filter_complex_script", str(graph)),
                    *("-map", "[v]", "-map", "1:a", "-g", str(VIDEO_FPS * 2), "-t", _fmt(seconds)),
                    *_VIDEO_ENCODING,
                    str(out),
                ]
            )

    return _produce(path, "video", recipe, cache_dir, build)


# --- student work ----------------------------------------------------------------------


def make_student_work_image(
    path: Path,
    title: str,
    lines: Sequence[str],
    seed: int,
    *,
    mark: str = "",
    cache_dir: Path | None = None,
) -> Path:
    """A PNG that looks like a photographed page of lined paper: a printed task title,
    the student's handwriting-style answer lines and, optionally, a teacher's red mark."""
    recipe = {"title": title, "lines": list(lines), "seed": seed, "mark": mark}

    def build(out: Path) -> None:
        rng = random.Random(seed)
        angle = rng.uniform(-0.025, 0.025)
        with tempfile.TemporaryDirectory(prefix="assessor-demo-") as tmp:
            tmp_dir = Path(tmp)
            title_file = tmp_dir / "title.txt"
            title_file.write_text(textwrap.fill(title, 44).replace("%", " percent"), "utf-8")
            body = "\n".join(
                wrapped for line in lines for wrapped in textwrap.wrap(line, 48) or [""]
            )
            body_file = tmp_dir / "body.txt"
            body_file.write_text(body.replace("%", " percent"), "utf-8")
            paper = [
                "drawgrid=w=0:h=36:t=1:c=0x9CC3E6",
                "drawbox=x=0:y=0:w=iw:h=130:color=white:t=fill",
                "drawbox=x=70:y=0:w=2:h=ih:color=0xE06666:t=fill",
                f"drawtext=fontfile={_quote(FONT_BOLD)}:textfile={_quote(title_file)}"
                ":x=90:y=40:fontsize=24:fontcolor=0x222222:line_spacing=6",
                f"drawtext=fontfile={_quote(FONT_HAND)}:textfile={_quote(body_file)}"
                f":x={88 + rng.randrange(8)}:y=151:fontsize=23:fontcolor=0x1B2F7A"
                ":line_spacing=13",
            ]
            if mark:
                mark_file = tmp_dir / "mark.txt"
                mark_file.write_text(textwrap.fill(mark, 40).replace("%", " percent"), "utf-8")
                paper.append(
                    f"drawtext=fontfile={_quote(FONT_HAND)}:textfile={_quote(mark_file)}"
                    ":x=110:y=h-150:fontsize=22:fontcolor=0xC0392B:line_spacing=8"
                )
            paper.append(f"rotate=a={angle:.4f}:c=0x6B6B6B:ow=iw+40:oh=ih+40")
            graph = f"color=c=0xFDFCF7:s=760x1000:d=1[p];[p]{','.join(paper)}[out]"
            graph_file = tmp_dir / "graph.txt"
            graph_file.write_text(graph, encoding="utf-8")
            _run_ffmpeg(
                [
                    "-filter_complex_script",
                    str(graph_file),
                    "-map",
                    "[out]",
                    "-frames:v",
                    "1",
                    "-f",
                    "image2",
                    "-c:v",
                    "png",
                    str(out),
                ]
            )

    return _produce(path, "work", recipe, cache_dir, build)


# --- lesson plan -----------------------------------------------------------------------


def _lesson_plan_story(credential: Credential, d: LessonDetails) -> list[Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle, PropertySet, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import ListFlowable, PageBreak, Paragraph, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11)
    h1, h2 = styles["Title"], styles["Heading2"]

    def para(text: str, style: PropertySet = body) -> Paragraph:
        return Paragraph(
            text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style
        )

    def bullets(items: Sequence[str]) -> ListFlowable:
        return ListFlowable([para(i) for i in items], bulletType="bullet", leftIndent=12)

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        t = Table(rows, colWidths=widths, repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DCE6F1")),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story: list[Any] = [
        para(f"Lesson plan: {d.topic}", h1),
        para(
            f"Educator: {d.teacher} | {d.subject}, {d.grade} | {d.duration_minutes} minutes",
            body,
        ),
        para(f"Micro-credential addressed: {credential.title}", body),
        para(f"Competency: {credential.competency}", small),
        Spacer(1, 4 * mm),
        para("Learning objectives", h2),
        bullets(d.objectives),
    ]
    if d.success_criteria:
        story += [para("Success criteria", h2), bullets(d.success_criteria)]
    if d.materials:
        story += [para("Materials", h2), bullets(d.materials)]
    rows: list[list[Any]] = [[para(h, small) for h in ("Min", "Phase", "Teacher", "Students")]]
    clock = 0
    for step in d.sequence:
        rows.append(
            [
                para(f"{clock}-{clock + step.minutes}", small),
                para(step.phase, small),
                para(step.teacher, small),
                para(step.students, small),
            ]
        )
        clock += step.minutes
    story += [para("Lesson sequence", h2), table(rows, [18 * mm, 30 * mm, 62 * mm, 62 * mm])]
    story.append(PageBreak())
    qrows: list[list[Any]] = [[para(h, small) for h in ("#", "Question", "Purpose", "Expected")]]
    for i, q in enumerate(d.questions, start=1):
        qrows.append(
            [
                para(str(i), small),
                para(q.text, small),
                para(q.purpose, small),
                para(q.expected, small),
            ]
        )
    story += [
        para("Planned questions", h2),
        table(qrows, [8 * mm, 70 * mm, 42 * mm, 52 * mm]),
        para("Assessment", h2),
        bullets(d.assessment),
    ]
    if d.differentiation:
        story += [para("Differentiation", h2), bullets(d.differentiation)]
    if d.notes:
        story += [para("Notes", h2), para(d.notes)]
    return story


def make_lesson_plan_pdf(
    path: Path,
    credential: Credential,
    details: LessonDetails,
    *,
    cache_dir: Path | None = None,
) -> Path:
    """A 2-3 page lesson plan with extractable text: objectives, timed sequence, planned
    questions, assessment."""
    recipe = {
        "credential": [credential.id, credential.version, credential.title, credential.competency],
        "details": asdict(details),
    }

    def build(out: Path) -> None:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        def footer(canvas: Any, doc: Any) -> None:
            canvas.saveState()
            canvas.setFont("Helvetica", 8)
            canvas.drawString(18 * mm, 10 * mm, f"{details.teacher} - {details.topic}")
            canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {doc.page}")
            canvas.restoreState()

        doc = SimpleDocTemplate(
            str(out),
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=18 * mm,
            title=f"Lesson plan: {details.topic}",
            author=details.teacher,
            # A fixed date keeps the bytes, and so the sha256, stable for a recipe.
            invariant=1,
        )
        doc.build(_lesson_plan_story(credential, details), onFirstPage=footer, onLaterPages=footer)

    return _produce(path, "plan", recipe, cache_dir, build)


# --- reflection and quiz results -------------------------------------------------------


def write_reflection(
    path: Path, educator: str, credential: Credential, answers: Sequence[str]
) -> Path:
    """The educator's reflection as markdown: each credential prompt, then the answer."""
    out = [f"# Reflection: {credential.title}", "", f"Educator: {educator}", ""]
    prompts = list(credential.reflection_prompts)
    for i, answer in enumerate(answers):
        heading = prompts[i] if i < len(prompts) else "Further thoughts"
        out += [f"## {i + 1}. {heading}", "", textwrap.fill(answer.strip(), 90), ""]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def make_quiz_results_csv(
    path: Path,
    questions: Sequence[str],
    students: int,
    seed: int,
    mastery: float = 0.7,
) -> Path:
    """One row per pseudonymised student: ``student``, a 0/1 column per question (headed
    ``Q<n> <question>``), ``score`` and ``percent``. ``mastery`` is the chance of a correct
    answer on an average question; later questions are harder."""
    if not questions:
        raise ValueError("a quiz needs at least one question")
    rng = random.Random(seed)
    header = [
        "student",
        *[f"Q{i} {q}" for i, q in enumerate(questions, start=1)],
        "score",
        "percent",
    ]
    rows: list[list[str]] = []
    for n in range(1, students + 1):
        ability = rng.gauss(0.0, 0.12)
        marks = []
        for q in range(len(questions)):
            difficulty = 0.12 * (q - (len(questions) - 1) / 2) / max(1, len(questions) - 1)
            p = min(0.98, max(0.03, mastery + ability - difficulty))
            marks.append(1 if rng.random() < p else 0)
        score = sum(marks)
        rows.append(
            [
                f"S{n:02d}",
                *map(str, marks),
                str(score),
                f"{100 * score / len(questions):.0f}",
            ]
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path
