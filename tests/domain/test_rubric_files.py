"""Credential files: good JSON and YAML load alike; every kind of bad file says where and why."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessor_app.domain import (
    AllCriteriaMeet,
    Credential,
    Criterion,
    Level,
    MinimumPoints,
    RationaleRequirement,
    Rubric,
)
from assessor_app.protocol.rubric_file import (
    CredentialSchema,
    RubricFileError,
    load_credential_file,
    load_credentials_dir,
    parse_credential,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE_RUBRICS = REPO / "resources" / "rubrics"

WAIT_TIME = Credential(
    id="wait-time",
    title="Wait time for questioning",
    competency=(
        "The educator pauses after asking a question so that every student has time to "
        "think before anyone answers."
    ),
    version=2,
    overview="Show how you use wait time in a whole-class discussion.",
    artifact_requirements=(
        "A 10-15 minute classroom video of a questioning sequence",
        "The lesson plan for that lesson",
    ),
    reflection_prompts=("What did you notice about who answered after a longer pause?",),
    rubric=Rubric(
        criteria=(
            Criterion(
                id="pause",
                title="Length of pause",
                description="How long the educator waits after a question.",
                rationale=RationaleRequirement.REQUIRED,
                levels=(
                    Level("emerging", "Emerging", 1.0, "Answers are taken at once.", False),
                    Level(
                        "developing",
                        "Developing",
                        2.0,
                        "Some pauses of about three seconds.",
                        False,
                    ),
                    Level(
                        "proficient",
                        "Proficient",
                        3.0,
                        "Regular pauses of three seconds or more.",
                        True,
                    ),
                    Level(
                        "exemplary",
                        "Exemplary",
                        4.0,
                        "Pauses are deliberate and explained to students.",
                        True,
                    ),
                ),
            ),
            Criterion(
                id="participation",
                title="Breadth of participation",
                rationale=RationaleRequirement.OPTIONAL,
                levels=(
                    Level("few", "Few voices", 0.0, "The same few students answer.", False),
                    Level("many", "Many voices", 2.0, "Most students answer at least once.", True),
                ),
            ),
            Criterion(
                id="reflection",
                title="Reflection on practice",
                rationale=RationaleRequirement.NONE,
                levels=(
                    Level("surface", "Surface", 0.5, "Describes what happened.", False),
                    Level(
                        "analytic",
                        "Analytic",
                        1.5,
                        "Explains why it happened and what comes next.",
                        True,
                    ),
                ),
            ),
        ),
        decision_rule=MinimumPoints(min_total=6.0, floor=1.0, floors={"participation": 2.0}),
    ),
)


def test_json_and_yaml_load_to_the_same_credential(rubric_fixtures: Path) -> None:
    from_yaml = load_credential_file(rubric_fixtures / "wait-time.yaml")
    from_json = load_credential_file(rubric_fixtures / "wait-time.json")
    assert from_yaml == WAIT_TIME
    assert from_json == WAIT_TIME


def test_yml_extension_and_upper_case_suffix(rubric_fixtures: Path, tmp_path: Path) -> None:
    yml = shutil.copy(rubric_fixtures / "wait-time.yaml", tmp_path / "wait-time.yml")
    upper = shutil.copy(rubric_fixtures / "wait-time.json", tmp_path / "WAIT-TIME.JSON")
    assert load_credential_file(Path(yml)) == WAIT_TIME
    assert load_credential_file(Path(upper)) == WAIT_TIME


def test_defaults_for_optional_fields(tmp_path: Path) -> None:
    minimal = {
        "id": "minimal",
        "title": "Minimal",
        "competency": "Something observable.",
        "rubric": {
            "criteria": [
                {
                    "id": "only",
                    "title": "Only criterion",
                    "levels": [
                        {
                            "id": "no",
                            "label": "No",
                            "points": 0,
                            "descriptor": "Absent",
                            "meets": False,
                        },
                        {
                            "id": "yes",
                            "label": "Yes",
                            "points": 1,
                            "descriptor": "Present",
                            "meets": True,
                        },
                    ],
                }
            ]
        },
    }
    path = tmp_path / "minimal.json"
    path.write_text(json.dumps(minimal), encoding="utf-8")
    credential = load_credential_file(path)
    assert credential.version == 1
    assert credential.overview == ""
    assert credential.artifact_requirements == ()
    assert credential.rubric.decision_rule == AllCriteriaMeet()
    assert credential.rubric.criteria[0].rationale is RationaleRequirement.OPTIONAL
    assert credential.rubric.criteria[0].description == ""


def test_the_shipped_sample_rubrics_load() -> None:
    credentials = load_credentials_dir(SAMPLE_RUBRICS)
    assert len(credentials) >= 1
    assert len({c.id for c in credentials}) == len(credentials)
    for credential in credentials:
        assert credential.rubric.criteria
        assert CredentialSchema.from_domain(credential).to_domain() == credential


def test_load_credentials_dir_skips_other_files_and_sorts(
    rubric_fixtures: Path, tmp_path: Path
) -> None:
    shutil.copy(rubric_fixtures / "wait-time.yaml", tmp_path / "b.yaml")
    data = yaml.safe_load((rubric_fixtures / "wait-time.yaml").read_text(encoding="utf-8"))
    data["id"] = "another"
    (tmp_path / "a.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a rubric", encoding="utf-8")
    assert [c.id for c in load_credentials_dir(tmp_path)] == ["another", "wait-time"]


def test_load_credentials_dir_stops_at_a_bad_file(rubric_fixtures: Path, tmp_path: Path) -> None:
    shutil.copy(rubric_fixtures / "wait-time.yaml", tmp_path / "a.yaml")
    shutil.copy(rubric_fixtures / "bad-no-meeting-level.yaml", tmp_path / "b.yaml")
    with pytest.raises(RubricFileError) as info:
        load_credentials_dir(tmp_path)
    assert info.value.path == tmp_path / "b.yaml"


@pytest.mark.parametrize(
    "credential",
    [
        WAIT_TIME,
        Credential(
            id="all-meet",
            title="All meet",
            competency="c",
            rubric=Rubric(criteria=WAIT_TIME.rubric.criteria),
        ),
    ],
    ids=["min-points", "all-meet"],
)
def test_schema_round_trip(credential: Credential, tmp_path: Path) -> None:
    schema = CredentialSchema.from_domain(credential)
    assert schema.to_domain() == credential
    assert CredentialSchema.model_validate_json(schema.model_dump_json()).to_domain() == credential
    # And through a file, as an admin would edit it.
    path = tmp_path / "exported.yaml"
    path.write_text(yaml.safe_dump(schema.model_dump(mode="json")), encoding="utf-8")
    assert load_credential_file(path) == credential


# (fixture file, path inside the file, words of the problem)
BAD_FILES = [
    (
        "bad-wrong-type.yaml",
        "rubric.criteria[1].levels[0].points",
        "Input should be a valid number",
    ),
    ("bad-missing-field.json", "rubric.criteria[0].levels[1].descriptor", "Field required"),
    ("bad-extra-field.yaml", "rubric.criteria[0].weight", "Extra inputs are not permitted"),
    ("bad-duplicate-criterion.yaml", "rubric", "criterion ids must be unique"),
    ("bad-duplicate-level.yaml", "rubric.criteria[0]", "level ids must be unique"),
    ("bad-levels-descending.yaml", "rubric.criteria[1]", "from lowest to highest points"),
    ("bad-no-meeting-level.yaml", "rubric.criteria[0]", "at least one level must meet"),
    ("bad-unknown-floor.yaml", "rubric", "decision_rule.floors names unknown criteria: ['paws']"),
    ("bad-yaml-syntax.yaml", "line 10, column 11", "expected ',' or '}'"),
    ("bad-json-syntax.json", "line 5, column 3", "Expecting ',' delimiter"),
    ("bad-top-level-list.yaml", "(top level)", "must hold one credential (a mapping)"),
    ("bad-wrong-extension.txt", "(top level)", "expected a .json, .yaml or .yml file"),
]


@pytest.mark.parametrize(("name", "where", "problem"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_name_the_file_the_place_and_the_problem(
    rubric_fixtures: Path, name: str, where: str, problem: str
) -> None:
    path = rubric_fixtures / name
    with pytest.raises(RubricFileError) as info:
        load_credential_file(path)
    error = info.value
    assert error.path == path
    assert len(error.problems) == 1
    message = str(error)
    assert message.startswith(f"{path}: {where}: ")
    assert problem in message
    assert isinstance(error, ValueError)


Edit = Callable[[dict[str, Any]], None]


def write_variant(tmp_path: Path, rubric_fixtures: Path, edit: Edit, name: str) -> Path:
    """The good fixture, changed by ``edit`` and written as YAML."""
    data = yaml.safe_load((rubric_fixtures / "wait-time.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _set(path: tuple[str | int, ...], value: object) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "where", "problem"),
    [
        (
            _set(("rubric", "criteria", 0, "levels", 2, "points"), float("nan")),
            "rubric.criteria[0].levels[2].points",
            "finite number",
        ),
        (
            _set(("rubric", "criteria", 2, "levels", 1, "points"), float("inf")),
            "rubric.criteria[2].levels[1].points",
            "finite number",
        ),
        (
            _set(("rubric", "decision_rule", "min_total"), float("nan")),
            "rubric.decision_rule.min_total",
            "finite number",
        ),
        (
            _set(("rubric", "decision_rule", "kind"), "majority"),
            "rubric.decision_rule",
            "does not match any of the expected tags",
        ),
        (
            _set(("rubric", "criteria", 1, "rationale"), "sometimes"),
            "rubric.criteria[1].rationale",
            "'none', 'optional' or 'required'",
        ),
        (
            _set(("rubric", "criteria", 0, "levels", 0, "meets"), "perhaps"),
            "rubric.criteria[0].levels[0].meets",
            "valid boolean",
        ),
        (
            _set(("rubric", "criteria", 0, "id"), "has space"),
            "rubric.criteria[0].id",
            "should match pattern",
        ),
        (
            _set(("rubric", "criteria", 0, "levels"), []),
            "rubric.criteria[0].levels",
            "at least 2 items",
        ),
        (_set(("rubric", "criteria"), []), "rubric.criteria", "at least 1 item"),
        (_set(("version",), 0), "version", "greater than or equal to 1"),
        (_set(("title",), ""), "title", "at least 1 character"),
        (_set(("rubric",), "see attached"), "rubric", "valid dictionary"),
    ],
    ids=[
        "nan-points",
        "infinite-points",
        "nan-min-total",
        "unknown-rule-kind",
        "unknown-rationale",
        "meets-not-boolean",
        "bad-identifier",
        "too-few-levels",
        "no-criteria",
        "version-zero",
        "empty-title",
        "rubric-not-a-mapping",
    ],
)
def test_schema_problems_name_their_place(
    tmp_path: Path, rubric_fixtures: Path, edit: Edit, where: str, problem: str
) -> None:
    path = write_variant(tmp_path, rubric_fixtures, edit, "variant.yaml")
    with pytest.raises(RubricFileError) as info:
        load_credential_file(path)
    assert [w for w, _ in info.value.problems] == [where]
    assert f"{path}: {where}: " in str(info.value)
    assert problem in str(info.value)


def test_several_problems_are_reported_together(tmp_path: Path, rubric_fixtures: Path) -> None:
    def two_mistakes(data: dict[str, Any]) -> None:
        del data["competency"]
        data["rubric"]["criteria"][2]["levels"][0]["label"] = 7

    path = write_variant(tmp_path, rubric_fixtures, two_mistakes, "two.yaml")
    with pytest.raises(RubricFileError) as info:
        load_credential_file(path)
    lines = str(info.value).splitlines()
    assert lines == [
        f"{path}: competency: Field required",
        f"{path}: rubric.criteria[2].levels[0].label: Input should be a valid string",
    ]


def test_nan_in_a_json_file_is_rejected(tmp_path: Path, rubric_fixtures: Path) -> None:
    text = (rubric_fixtures / "wait-time.json").read_text(encoding="utf-8")
    path = tmp_path / "nan.json"
    path.write_text(text.replace('"min_total": 6', '"min_total": NaN'), encoding="utf-8")
    with pytest.raises(RubricFileError, match=r"rubric\.decision_rule\.min_total: .*finite"):
        load_credential_file(path)


def test_empty_yaml_file_is_not_a_credential(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(RubricFileError, match="must hold one credential"):
        load_credential_file(path)


def test_non_utf8_file(tmp_path: Path, rubric_fixtures: Path) -> None:
    text = (rubric_fixtures / "wait-time.yaml").read_text(encoding="utf-8")
    path = tmp_path / "latin1.yaml"
    path.write_bytes(text.replace("Reflection on practice", "Réflexion").encode("latin-1"))
    with pytest.raises(RubricFileError) as info:
        load_credential_file(path)
    assert str(info.value).startswith(f"{path}: (top level): cannot be read: ")
    assert "utf-8" in str(info.value)


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "credential.yaml"
    if kind == "directory":
        path.mkdir()
    with pytest.raises(RubricFileError) as info:
        load_credential_file(path)
    assert str(info.value).startswith(f"{path}: (top level): cannot be read: ")


def test_yaml_tags_that_build_objects_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text("id: !!python/object/apply:os.getcwd []\n", encoding="utf-8")
    with pytest.raises(RubricFileError, match=r"line 1, column 5: "):
        load_credential_file(path)


def test_parse_credential_reports_against_the_given_path() -> None:
    with pytest.raises(RubricFileError) as info:
        parse_credential({"id": "x"}, Path("from-the-hub.json"))
    assert {w for w, _ in info.value.problems} == {"title", "competency", "rubric"}
    assert str(info.value).startswith("from-the-hub.json: ")
