"""Shared pieces of the command-line tests: what ``run`` returns and the seeded hub."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from support.hub import RunningHub, SeededSubmission

CLIP = bytes(range(256)) * 400
REFLECTION = b"I waited longer; more students answered.\n"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


@dataclass(frozen=True)
class Desk:
    """A hub with ann and her seeded assignment."""

    hub: RunningHub
    seeded: SeededSubmission

    @property
    def assignment(self) -> str:
        return self.seeded.assignment_id
