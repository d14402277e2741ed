"""Wire schemas of stackable pathways (``/api/v1/pathways``, admin only): each pathway's
programme credential, its components, and each educator's progress. Field names are part
of the contract."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EducatorProgressOut", "PathwayDetail", "PathwayList", "PathwaySummary"]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathwaySummary(_Wire):
    id: str
    name: str
    description: str
    criteria: str
    components: list[str] = Field(description="credential ids of the micro-credentials")
    required: int = Field(description="how many of the components earn it (all, or N)")
    updated_at: datetime
    educators: int = Field(description="educators with a submission at a component")
    issued: int = Field(description="programme credentials issued")


class EducatorProgressOut(_Wire):
    educator_pseudonym: str
    passed: list[str] = Field(description="components passed, in the pathway's order")
    missing: list[str]
    complete: bool
    programme_credential_id: str | None = None


class PathwayDetail(PathwaySummary):
    progress: list[EducatorProgressOut]


class PathwayList(_Wire):
    items: list[PathwaySummary]
