"""Pathway files (YAML or JSON): the programme credential a pathway awards and the
micro-credentials that earn it.

    id: formative-assessment-practitioner
    name: Formative Assessment Practitioner
    description: What a holder of the programme credential has shown.
    criteria: How it is earned, in words (the credential's criteria narrative).
    components:
      all_of: [wait-time-questioning, checking-for-understanding]
    # or:  components: {n_of: 2, of: [credential-a, credential-b, credential-c]}

Unknown keys are refused and every text is bounded; a bad file raises ``RubricFileError``
naming the file, the place in it and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from assessor_app.protocol.rubric_file import (
    Identifier,
    RubricFileError,
    read_mapping_file,
    validation_problems,
)

MAX_COMPONENTS = 50

# Control characters (C0, DEL, C1, line and paragraph separators), bidi overrides.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    if _CONTROL.search(text):
        raise ValueError("must be one line without control characters")
    return text


def _paragraphs(text: str) -> str:
    """Line breaks and tabs are fine here; other control characters are not."""
    _one_line(text.replace("\n", " ").replace("\t", " "))
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ComponentIds = Annotated[list[Identifier], Field(min_length=1, max_length=MAX_COMPONENTS)]


class ComponentsSchema(_Strict):
    """``all_of: [ids]``, or ``n_of: N`` with ``of: [ids]``."""

    all_of: ComponentIds | None = None
    n_of: Annotated[int, Field(ge=1, le=MAX_COMPONENTS, strict=True)] | None = None
    of: ComponentIds | None = None

    @model_validator(mode="after")
    def _one_form(self) -> ComponentsSchema:
        if (self.all_of is None) == (self.of is None and self.n_of is None):
            raise ValueError(
                "give either all_of: [credential ids] or n_of: N with of: [credential ids]"
            )
        if self.all_of is None and (self.of is None or self.n_of is None):
            raise ValueError("n_of: N and of: [credential ids] go together")
        ids = self.ids
        if len(set(ids)) != len(ids):
            raise ValueError(f"each credential may be named once, got {ids}")
        if self.required > len(ids):
            raise ValueError(f"n_of is {self.required} but of names only {len(ids)} credentials")
        return self

    @property
    def ids(self) -> list[str]:
        return list(self.all_of if self.all_of is not None else self.of or [])

    @property
    def required(self) -> int:
        return len(self.all_of) if self.all_of is not None else self.n_of or 0


class PathwaySchema(_Strict):
    id: Identifier
    name: Annotated[str, Field(max_length=200), AfterValidator(_one_line)]
    description: Annotated[str, Field(max_length=2_000), AfterValidator(_paragraphs)]
    criteria: Annotated[str, Field(max_length=20_000), AfterValidator(_paragraphs)]
    components: ComponentsSchema


def load_pathway_file(path: Path) -> PathwaySchema:
    """The pathway in a ``.json``, ``.yaml`` or ``.yml`` file."""
    data = read_mapping_file(path, "one pathway")
    try:
        return PathwaySchema.model_validate(data)
    except ValidationError as exc:
        raise RubricFileError(Path(path), validation_problems(exc)) from None
