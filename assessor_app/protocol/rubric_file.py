"""Credential and rubric files (JSON or YAML): schema, validation and conversion.

The same pydantic schema is the rubric's wire format (``v1`` carries it in a submission),
so a rubric that loads from a file is exactly what travels between hub and app. It
converts to and from the domain's ``Credential``, which knows nothing of it.
A bad file raises ``RubricFileError`` naming the file, the path inside it and the problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    FiniteFloat,
    ValidationError,
    model_validator,
)

from assessor_app.domain.rubric import (
    DEFAULT_DESCRIPTOR_SIMILARITY,
    DEFAULT_MIN_LENGTH_NOT_YET,
    AllCriteriaMeet,
    Credential,
    Criterion,
    DecisionRule,
    FeedbackQualityRules,
    Level,
    MinimumPoints,
    RationaleRequirement,
    Rubric,
)
from assessor_app.domain.whole_numbers import MAX_COUNT

Identifier = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
]
Text = Annotated[str, Field(max_length=20_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LevelSchema(_Strict):
    id: Identifier
    label: Annotated[str, Field(min_length=1, max_length=80)]
    points: FiniteFloat
    descriptor: Annotated[str, Field(min_length=1, max_length=4_000)]
    meets: bool


class CriterionSchema(_Strict):
    id: Identifier
    title: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""
    rationale: RationaleRequirement = RationaleRequirement.OPTIONAL
    levels: Annotated[list[LevelSchema], Field(min_length=2, max_length=9)]

    @model_validator(mode="after")
    def _levels_consistent(self) -> CriterionSchema:
        ids = [lv.id for lv in self.levels]
        if len(set(ids)) != len(ids):
            raise ValueError(f"level ids must be unique within a criterion, got {ids}")
        points = [lv.points for lv in self.levels]
        if points != sorted(points):
            raise ValueError("levels must be listed from lowest to highest points")
        if not any(lv.meets for lv in self.levels):
            raise ValueError("at least one level must meet the standard")
        return self


class AllMeetSchema(_Strict):
    kind: Literal["all_meet"] = "all_meet"


class MinPointsSchema(_Strict):
    kind: Literal["min_points"]
    min_total: FiniteFloat
    floor: FiniteFloat = 0.0
    floors: dict[str, FiniteFloat] = Field(default_factory=dict)


DecisionRuleSchema = Annotated[AllMeetSchema | MinPointsSchema, Field(discriminator="kind")]


class RubricSchema(_Strict):
    criteria: Annotated[list[CriterionSchema], Field(min_length=1, max_length=30)]
    decision_rule: DecisionRuleSchema = Field(default_factory=AllMeetSchema)

    @model_validator(mode="after")
    def _criteria_consistent(self) -> RubricSchema:
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion ids must be unique, got {ids}")
        if isinstance(self.decision_rule, MinPointsSchema):
            unknown = sorted(set(self.decision_rule.floors) - set(ids))
            if unknown:
                raise ValueError(f"decision_rule.floors names unknown criteria: {unknown}")
        return self

    def to_domain(self) -> Rubric:
        rule: DecisionRule
        if isinstance(self.decision_rule, MinPointsSchema):
            r = self.decision_rule
            rule = MinimumPoints(r.min_total, r.floor, dict(r.floors))
        else:
            rule = AllCriteriaMeet()
        return Rubric(
            criteria=tuple(
                Criterion(
                    id=c.id,
                    title=c.title,
                    description=c.description,
                    rationale=c.rationale,
                    levels=tuple(
                        Level(lv.id, lv.label, lv.points, lv.descriptor, lv.meets)
                        for lv in c.levels
                    ),
                )
                for c in self.criteria
            ),
            decision_rule=rule,
        )

    @classmethod
    def from_domain(cls, rubric: Rubric) -> RubricSchema:
        rule = rubric.decision_rule
        rule_schema: AllMeetSchema | MinPointsSchema = (
            MinPointsSchema(
                kind="min_points",
                min_total=rule.min_total,
                floor=rule.floor,
                floors=dict(rule.floors),
            )
            if isinstance(rule, MinimumPoints)
            else AllMeetSchema()
        )
        return cls(
            criteria=[
                CriterionSchema(
                    id=c.id,
                    title=c.title,
                    description=c.description,
                    rationale=c.rationale,
                    levels=[
                        LevelSchema(
                            id=lv.id,
                            label=lv.label,
                            points=lv.points,
                            descriptor=lv.descriptor,
                            meets=lv.meets,
                        )
                        for lv in c.levels
                    ],
                )
                for c in rubric.criteria
            ],
            decision_rule=rule_schema,
        )


class FeedbackQualitySchema(_Strict):
    """The optional ``feedback_quality`` block of a credential: how its feedback is checked
    before finalize (see ``domain.feedback_quality``)."""

    require_criterion_named: bool = True
    min_length_not_yet: Annotated[int, Field(ge=0, le=20_000)] = DEFAULT_MIN_LENGTH_NOT_YET
    flag_descriptor_repeat: bool = True
    descriptor_similarity: Annotated[float, Field(gt=0, le=1)] = DEFAULT_DESCRIPTOR_SIMILARITY

    def to_domain(self) -> FeedbackQualityRules:
        return FeedbackQualityRules(
            require_criterion_named=self.require_criterion_named,
            min_length_not_yet=self.min_length_not_yet,
            flag_descriptor_repeat=self.flag_descriptor_repeat,
            descriptor_similarity=self.descriptor_similarity,
        )

    @classmethod
    def from_domain(cls, rules: FeedbackQualityRules) -> FeedbackQualitySchema:
        return cls(
            require_criterion_named=rules.require_criterion_named,
            min_length_not_yet=rules.min_length_not_yet,
            flag_descriptor_repeat=rules.flag_descriptor_repeat,
            descriptor_similarity=rules.descriptor_similarity,
        )


class CredentialSchema(_Strict):
    id: Identifier
    title: Annotated[str, Field(min_length=1, max_length=200)]
    competency: Annotated[str, Field(min_length=1, max_length=2_000)]
    version: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    overview: Text = ""
    artifact_requirements: list[Annotated[str, Field(max_length=2_000)]] = Field(
        default_factory=list
    )
    reflection_prompts: list[Annotated[str, Field(max_length=2_000)]] = Field(default_factory=list)
    rubric: RubricSchema
    # Optional and last, so credentials written before it existed load unchanged.
    feedback_quality: FeedbackQualitySchema | None = None

    def to_domain(self) -> Credential:
        return Credential(
            id=self.id,
            title=self.title,
            competency=self.competency,
            rubric=self.rubric.to_domain(),
            overview=self.overview,
            artifact_requirements=tuple(self.artifact_requirements),
            reflection_prompts=tuple(self.reflection_prompts),
            version=self.version,
            feedback_quality=(
                self.feedback_quality.to_domain()
                if self.feedback_quality is not None
                else FeedbackQualityRules()
            ),
        )

    @classmethod
    def from_domain(cls, credential: Credential) -> CredentialSchema:
        return cls(
            id=credential.id,
            title=credential.title,
            competency=credential.competency,
            version=credential.version,
            overview=credential.overview,
            artifact_requirements=list(credential.artifact_requirements),
            reflection_prompts=list(credential.reflection_prompts),
            rubric=RubricSchema.from_domain(credential.rubric),
            feedback_quality=(
                None
                if credential.feedback_quality == FeedbackQualityRules()
                else FeedbackQualitySchema.from_domain(credential.feedback_quality)
            ),
        )


class RubricFileError(ValueError):
    """A credential file that cannot be used; ``str()`` is a message a person can act on."""

    def __init__(self, path: Path, problems: list[tuple[str, str]]) -> None:
        self.path = path
        self.problems = problems
        lines = [f"{path}: {where or '(top level)'}: {what}" for where, what in problems]
        super().__init__("\n".join(lines))


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("all_meet", "min_points"):
            continue  # the discriminator's tag adds nothing for a reader
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """(place in the file, problem) for each error pydantic found."""
    return [
        (_location(err["loc"]), err["msg"].removeprefix("Value error, ")) for err in exc.errors()
    ]


def parse_credential(data: Any, path: Path) -> Credential:
    try:
        return CredentialSchema.model_validate(data).to_domain()
    except ValidationError as exc:
        raise RubricFileError(path, validation_problems(exc)) from None


def read_mapping_file(path: Path, what: str) -> dict[str, Any]:
    """The mapping a ``.json``, ``.yaml`` or ``.yml`` file holds; ``what`` names what one
    such file describes ("one credential"), for the message when it holds something else."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricFileError(path, [("", f"cannot be read: {exc}")]) from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise RubricFileError(path, [("", "expected a .json, .yaml or .yml file")])
    except json.JSONDecodeError as exc:
        raise RubricFileError(path, [(f"line {exc.lineno}, column {exc.colno}", exc.msg)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise RubricFileError(path, [(where, getattr(exc, "problem", None) or str(exc))]) from None
    if not isinstance(data, dict):
        raise RubricFileError(path, [("", f"the file must hold {what} (a mapping)")])
    return data


def load_credential_file(path: Path) -> Credential:
    """Load one credential (with its rubric) from a ``.json``, ``.yaml`` or ``.yml`` file."""
    return parse_credential(read_mapping_file(path, "one credential"), Path(path))


def load_credentials_dir(directory: Path) -> list[Credential]:
    files = sorted(
        p for p in Path(directory).iterdir() if p.suffix.lower() in (".json", ".yaml", ".yml")
    )
    return [load_credential_file(p) for p in files]
