"""``HubClient.call``, the public typed call other clients build on (the calibration
client does), against a real HTTP server on 127.0.0.1; and a check that no module reaches
into the hub client's private parts."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import BaseModel
from test_client_http import Reply, problem

from assessor_app.sync.client import HubClient
from assessor_app.sync.errors import Conflict, HubProblem, MalformedReply

if TYPE_CHECKING:
    from conftest import ScriptedHub

MakeClient = Callable[..., HubClient]
PACKAGE = Path(__file__).resolve().parents[2] / "assessor_app"
CLIENT_MODULE = PACKAGE / "sync" / "client.py"


class Note(BaseModel):
    id: str
    words: int


def test_call_sends_body_query_and_headers_and_returns_the_model(
    hub: ScriptedHub, make_client: MakeClient
) -> None:
    hub.route("PUT", "/notes/n%201", [Reply(200, {"id": "n 1", "words": 3})])
    note = make_client().call(
        "PUT",
        "/notes/n%201",
        Note,
        body=Note(id="n 1", words=3),
        params={"draft": 1},
        headers={"If-Match": '"4"'},
    )
    assert note == Note(id="n 1", words=3)
    (seen,) = hub.calls("PUT", "/notes/n%201")
    assert seen.json() == {"id": "n 1", "words": 3}
    assert seen.query == {"draft": ["1"]}
    assert seen.headers["if-match"] == '"4"'
    assert seen.headers["authorization"] == "Bearer tok-abc123"


def test_call_refuses_a_reply_that_is_not_the_expected_model(
    hub: ScriptedHub, make_client: MakeClient
) -> None:
    hub.route("GET", "/notes/x", [Reply(200, {"id": "x", "words": "many"})])
    with pytest.raises(MalformedReply, match=r"GET /api/v1/notes/x .*words"):
        make_client().call("GET", "/notes/x", Note)


def test_call_raises_the_typed_error_of_the_status(
    hub: ScriptedHub, make_client: MakeClient
) -> None:
    hub.route("POST", "/notes", [problem(409, "Already there")])
    with pytest.raises(Conflict) as caught:
        make_client().call("POST", "/notes", Note, body=Note(id="a", words=1))
    assert caught.value.problem.title == "Already there"


def test_call_retries_only_the_statuses_it_is_given(
    hub: ScriptedHub, make_client: MakeClient
) -> None:
    hub.route("POST", "/notes", [problem(503, "Busy"), Reply(200, {"id": "a", "words": 1})])
    client = make_client()
    with pytest.raises(HubProblem):
        client.call("POST", "/notes", Note, retry_statuses=frozenset({429}))
    assert len(hub.calls("POST", "/notes")) == 1
    # With the default statuses the 503 is retried and the second answer taken.
    hub.route("POST", "/notes", [problem(503, "Busy"), Reply(200, {"id": "a", "words": 1})])
    assert client.call("POST", "/notes", Note) == Note(id="a", words=1)
    assert len(hub.calls("POST", "/notes")) == 3


def _private_names_of_hub_client() -> set[str]:
    tree = ast.parse(CLIENT_MODULE.read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "HubClient"]
    names = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    names |= {
        t.attr
        for n in ast.walk(cls)
        if isinstance(n, ast.Assign | ast.AnnAssign)
        for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
        if isinstance(t, ast.Attribute)
    }
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_no_module_reaches_into_the_hub_clients_private_parts() -> None:
    private = _private_names_of_hub_client()
    assert {"_request", "_parse", "_with_retries"} <= private
    reached = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == CLIENT_MODULE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in private
                and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
            ):
                reached.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert reached == []
