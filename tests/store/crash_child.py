"""The child of the crash test: opens a profile store and makes scored edits until it is
killed, printing each edit's index only after the repository call has returned.

The edits are a pure function of the seed, so the parent can replay the same sequence
and know exactly what each acknowledged edit wrote.

    python crash_child.py PROFILE_DIR SEED
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ASSIGNMENT = "asg-crash"
ARTIFACT = "art-video"
CRITERIA = ("pause", "equity", "follow")
_WORDS = ("wait", "pause", "students", "think", "answer", "évidence", "质量", "🙂", "why?")


@dataclass(frozen=True)
class Edit:
    kind: str  # level | rationale | feedback | private_note | add_note | update_note
    target: str = ""  # criterion id, or the note's ordinal for update_note
    value: str | None = None
    time_ms: int = 0


@dataclass
class SheetState:
    """What the sheet and notes must hold after a prefix of the edits."""

    levels: dict[str, str | None] = field(default_factory=dict)
    rationales: dict[str, str] = field(default_factory=dict)
    feedback: str = ""
    private_note: str = ""
    notes: list[tuple[int, str]] = field(default_factory=list)  # (time_ms, text) by ordinal

    def apply(self, edit: Edit) -> None:
        if edit.kind == "level":
            self.levels[edit.target] = edit.value
        elif edit.kind == "rationale":
            self.rationales[edit.target] = edit.value or ""
        elif edit.kind == "feedback":
            self.feedback = edit.value or ""
        elif edit.kind == "private_note":
            self.private_note = edit.value or ""
        elif edit.kind == "add_note":
            self.notes.append((edit.time_ms, edit.value or ""))
        else:
            ordinal = int(edit.target)
            self.notes[ordinal] = (edit.time_ms, edit.value or "")


def _text(rng: random.Random, index: int) -> str:
    # Lengths up to a few KiB so that some edits span more than one database page.
    body = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 600)))
    return f"#{index} {body}"


def edits(seed: int) -> Iterator[Edit]:
    rng = random.Random(seed)
    notes = 0
    index = 0
    while True:
        roll = rng.random()
        criterion = rng.choice(CRITERIA)
        if roll < 0.3:
            level = rng.choice([None, f"{criterion[0]}1", f"{criterion[0]}2", f"{criterion[0]}3"])
            yield Edit("level", criterion, level)
        elif roll < 0.55:
            yield Edit("rationale", criterion, _text(rng, index))
        elif roll < 0.7:
            yield Edit("feedback", value=_text(rng, index))
        elif roll < 0.8:
            yield Edit("private_note", value=_text(rng, index))
        elif roll < 0.9 or notes == 0:
            yield Edit("add_note", value=_text(rng, index), time_ms=rng.randint(0, 3_600_000))
            notes += 1
        else:
            ordinal = rng.randrange(notes)
            yield Edit(
                "update_note", str(ordinal), _text(rng, index), time_ms=rng.randint(0, 3_600_000)
            )
        index += 1


def main(profile_dir: str, seed: int) -> None:
    from assessor_app.store import open_store

    store = open_store(Path(profile_dir))
    note_ids: list[int] = []
    print("ready", flush=True)
    for index, edit in enumerate(edits(seed)):
        if edit.kind == "level":
            store.sheets.set_level(ASSIGNMENT, edit.target, edit.value)
        elif edit.kind == "rationale":
            store.sheets.set_rationale(ASSIGNMENT, edit.target, edit.value or "")
        elif edit.kind == "feedback":
            store.sheets.set_feedback(ASSIGNMENT, edit.value or "")
        elif edit.kind == "private_note":
            store.sheets.set_private_note(ASSIGNMENT, edit.value or "")
        elif edit.kind == "add_note":
            note = store.notes.add(ASSIGNMENT, ARTIFACT, edit.time_ms, edit.value or "")
            note_ids.append(note.id)
        else:
            store.notes.update(
                note_ids[int(edit.target)],
                text=edit.value or "",
                time_ms=edit.time_ms,
                criterion_id=None,
            )
        print(index, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
