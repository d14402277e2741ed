"""The import-submission folder: artifact files plus ``submission.yaml``.

```yaml
id: sub-wait-time-e4821-a2          # optional; the hub makes one when absent
credential: wait-time-questioning   # id of an imported credential
attempt: 2
educator_pseudonym: E-4821
recipient:                          # optional: who this educator's credentials name
  id: did:example:ebfeb1f712ebc6f1  # a DID or other URI (default: a urn:uuid the hub makes)
  email_hash: "sha256$3b1a…"        # optional: sha256 of e-mail + salt, as an IdentityObject
  salt: "x7f…"                      # the salt of email_hash, when one was used
change_note: "..."                  # optional
affiliations: [district-12]         # optional: organisations or districts it comes from;
                                    # never assigned to an account sharing one
previous_attempts:                  # optional
  - {attempt: 1, decision: not_yet, feedback: "...", criteria: {c1: beginning}}
artifacts:                          # order = display order
  - {file: lesson-clip.mp4, title: Lesson clip, media_type: video/mp4}
calibration_key:                    # optional: makes it a keyed calibration item
  decision: not_yet
  criteria: {c1: {level: developing, rationale: "..."}}
```
A bad folder raises ``SubmissionFolderError`` naming the file, the place and the problem.
Checks against the credential's rubric happen at import (``HubAdmin.import_submission``).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assessor_app.domain.decision import Decision
from assessor_app.domain.whole_numbers import MAX_COUNT
from assessor_app.hub.http_semantics import is_media_type
from assessor_app.hub.scoring.affiliations import checked as checked_affiliations
from assessor_app.protocol.rubric_file import Identifier

METADATA_FILE = "submission.yaml"

# Types mimetypes may not know on a minimal system.
_EXTRA_TYPES = {
    ".md": "text/markdown",
    ".csv": "text/csv",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class SubmissionFolderError(ValueError):
    """``str()`` is a message a person can act on."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PreviousAttemptEntry(_Strict):
    attempt: Annotated[int, Field(ge=1, le=MAX_COUNT)]
    decision: Decision
    feedback: Annotated[str, Field(max_length=20_000)] = ""
    criteria: dict[str, str] = Field(default_factory=dict)


class ArtifactEntry(_Strict):
    file: Annotated[str, Field(min_length=1, max_length=255)]
    title: Annotated[str, Field(max_length=200)] = ""
    media_type: Annotated[str, Field(min_length=3, max_length=200)] | None = None

    @field_validator("file")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if "/" in value or "\\" in value or value in (".", "..") or value.startswith("."):
            raise ValueError("must be a plain file name inside the folder, not a path")
        return value

    @field_validator("media_type")
    @classmethod
    def _media_type(cls, value: str | None) -> str | None:
        # It becomes the Content-Type header of every download of the artifact.
        if value is not None and not is_media_type(value):
            raise ValueError(
                "must be a media type such as video/mp4 or text/plain; charset=utf-8 "
                "(type/subtype in printable ASCII, no line breaks or control characters)"
            )
        return value

    def resolved_media_type(self) -> str:
        if self.media_type:
            return self.media_type
        suffix = Path(self.file).suffix.lower()
        guessed, _ = mimetypes.guess_type(self.file, strict=False)
        return _EXTRA_TYPES.get(suffix) or guessed or "application/octet-stream"


class KeyedCriterion(_Strict):
    level: Identifier
    rationale: Annotated[str, Field(max_length=20_000)] = ""


class CalibrationKeyEntry(_Strict):
    decision: Decision
    criteria: dict[str, KeyedCriterion]


# A URI: a scheme, a colon, then printable ASCII without spaces.
RecipientId = Annotated[str, Field(max_length=300, pattern=r"^[A-Za-z][A-Za-z0-9+.-]*:[!-~]+$")]


class RecipientEntry(_Strict):
    """What the programme chose to reveal about the educator in their credentials."""

    id: RecipientId | None = None
    email_hash: Annotated[str, Field(pattern=r"^sha256\$[0-9a-f]{64}$")] | None = None
    salt: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[!-~]+$")] | None = None

    @field_validator("id")
    @classmethod
    def _not_the_default_kind(cls, value: str | None) -> str | None:
        # The hub's own pseudonymous ids are urn:uuid; one given here could collide with them.
        if value is not None and value.lower().startswith("urn:uuid:"):
            raise ValueError("urn:uuid ids are the hub's own: leave id out to get one")
        return value


class SubmissionFile(_Strict):
    id: Identifier | None = None
    credential: Identifier
    attempt: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    educator_pseudonym: Annotated[str, Field(min_length=1, max_length=200)]
    recipient: RecipientEntry | None = None
    change_note: Annotated[str, Field(max_length=20_000)] = ""
    affiliations: Annotated[list[str], Field(max_length=50)] = Field(default_factory=list)
    previous_attempts: list[PreviousAttemptEntry] = Field(default_factory=list)
    artifacts: Annotated[list[ArtifactEntry], Field(min_length=1, max_length=200)]
    calibration_key: CalibrationKeyEntry | None = None

    @field_validator("affiliations")
    @classmethod
    def _affiliations(cls, value: list[str]) -> list[str]:
        return checked_affiliations(value)

    @field_validator("artifacts")
    @classmethod
    def _unique_files(cls, value: list[ArtifactEntry]) -> list[ArtifactEntry]:
        names = [a.file for a in value]
        if len(set(names)) != len(names):
            raise ValueError("each artifact file may be listed once")
        return value


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_submission_folder(folder: Path) -> SubmissionFile:
    """Parse and check ``folder/submission.yaml`` and that every listed file is there."""
    folder = Path(folder)
    meta = folder / METADATA_FILE
    if not folder.is_dir():
        raise SubmissionFolderError(f"{folder}: not a folder")
    try:
        data = yaml.safe_load(meta.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SubmissionFolderError(f"{folder}: has no {METADATA_FILE}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionFolderError(f"{meta}: cannot be read: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SubmissionFolderError(f"{meta}: {where}{problem}") from None
    if not isinstance(data, dict):
        raise SubmissionFolderError(f"{meta}: must hold one mapping of submission fields")
    try:
        parsed = SubmissionFile.model_validate(data)
    except ValidationError as exc:
        lines = [f"{meta}: {_location(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SubmissionFolderError("\n".join(lines)) from None
    root = folder.resolve()
    for index, artifact in enumerate(parsed.artifacts):
        path = folder / artifact.file
        # A symlink could point anywhere: only regular files inside the folder are taken.
        if path.is_symlink() or not path.is_file() or path.resolve().parent != root:
            raise SubmissionFolderError(
                f"{meta}: artifacts[{index}].file: {artifact.file!r} is not a file in {folder}"
            )
    return parsed
