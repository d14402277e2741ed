"""``assessor`` prints what a hostile hub sent as visible text: every character of its
markup, none of its escape sequences or control characters, and ``--json`` keeps the
hub's strings whole with the dangerous characters escaped."""

from __future__ import annotations

import json
from collections.abc import Callable

from hostile_kit import ESCAPES, WORDS, Scene, hostile, shown

Cli = Callable[..., tuple[int, str, str]]


def _no_controls(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert not [ch for ch in text if ord(ch) < 0x20 and ch != "\n"], repr(text)


def test_show_prints_every_hub_string_without_escapes(scene: Scene, cli: Cli) -> None:
    code, out, err = cli("show", scene.hostile_assignment)
    assert code == 0, err
    _no_controls(out + err)
    for key in ("title", "pseudonym", "criterion", "label", "descriptor", "earlier"):
        assert shown(WORDS[key]) in out, key
    for key in ("artifact_title", "change_note"):
        assert shown(WORDS[key]) in out, key
    assert shown(WORDS["change_note"]) + "\n" in out  # the note's own line break is kept
    assert "pwned" not in out  # the retitle's text goes with its sequence

    code, out, err = cli("show", scene.returned_assignment)
    assert code == 0, err
    _no_controls(out + err)
    assert f"Reviewer’s comment: {shown(WORDS['comment'])}" in out


def test_queue_table_and_json(scene: Scene, cli: Cli) -> None:
    code, out, err = cli("queue")
    assert code == 0, err
    _no_controls(out + err)
    assert shown(WORDS["pseudonym"]) in out
    assert shown(WORDS["title"])[:39] in out  # the table shortens the credential to 40
    assert f"Reviewer’s comment on {scene.returned_assignment}: {shown(WORDS['comment'])}" in out

    code, out, err = cli("queue", "--json")
    assert code == 0, err
    _no_controls(out + err)
    rows = {row["id"]: row for row in json.loads(out)}
    # Scripts get the hub's strings exactly; the terminal only ever saw "\u001b".
    assert rows[scene.hostile_assignment]["credential"] == hostile(WORDS["title"])
    assert rows[scene.hostile_assignment]["educator"] == hostile(WORDS["pseudonym"])
    assert rows[scene.returned_assignment]["review_comment"] == hostile(WORDS["comment"])
    assert all(sequence not in out for sequence in ESCAPES)
