"""Headers on every answer: ``nosniff`` everywhere, ``Cache-Control: no-store`` on the token
and on every ``/api/`` answer that may carry personal data (problems and evidence bytes
included); ``/docs`` only with ``serve --docs``, and then with no asset from a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from support.hub import HubServer

from assessor_app.hub.app import create_app
from assessor_app.hub.cli import build_parser
from assessor_app.hub.config import HubSettings
from tests.hub.conftest import PASSWORD, World, artifact_ids


def assert_private(response: httpx.Response) -> None:
    assert response.headers.get("x-content-type-options") == "nosniff", response.url
    assert "no-store" in response.headers.get("cache-control", ""), response.url


def test_token_personal_data_problems_and_evidence_are_not_cached(
    hub: HubServer, world: World, ann: httpx.Client
) -> None:
    token = httpx.post(
        f"{hub.base_url}/api/v1/auth/token", json={"username": "ann", "password": PASSWORD}
    )
    assert token.status_code == 200 and "access_token" in token.json()
    assert_private(token)
    assert token.headers["cache-control"] == "no-store"
    wrong = httpx.post(
        f"{hub.base_url}/api/v1/auth/token", json={"username": "ann", "password": "nope-nope"}
    )
    assert wrong.status_code == 401
    assert_private(wrong)

    assignments = ann.get("/api/v1/assignments")
    assert assignments.status_code == 200 and world.ann_assignment in assignments.text
    assert_private(assignments)
    [artifact, *_] = artifact_ids(world.admin, world.ann_submission)
    content = ann.get(f"/api/v1/artifacts/{artifact}/content", headers={"Range": "bytes=0-9"})
    assert content.status_code == 206 and content.content == world.payload[:10]
    assert_private(content)
    assert_private(ann.get("/api/v1/assignments/no-such-assignment"))
    assert_private(httpx.get(f"{hub.base_url}/api/v1/assignments"))  # 401

    health = httpx.get(f"{hub.base_url}/healthz")
    assert health.status_code == 200
    assert health.headers["x-content-type-options"] == "nosniff"


def test_no_docs_page_by_default(hub: HubServer) -> None:
    for page in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert httpx.get(f"{hub.base_url}{page}").status_code == 404, page
    assert build_parser().parse_args(["serve"]).docs is False


@pytest.fixture
def docs_hub(settings: HubSettings) -> Iterator[HubServer]:
    with HubServer(create_app(settings, docs=True)) as server:
        yield server


def test_docs_with_flag_load_only_the_hubs_own_assets(docs_hub: HubServer) -> None:
    assert build_parser().parse_args(["serve", "--docs"]).docs is True
    page = httpx.get(f"{docs_hub.base_url}/docs")
    assert page.status_code == 200
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "swagger" in page.text.lower()
    sources = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    sources += re.findall(r"""url:\s*['"]([^'"]+)['"]""", page.text)
    assert sources, page.text
    assert not any("//" in source for source in sources), sources
    assert "cdn" not in page.text.lower()
    for source in sources:
        asset = httpx.get(f"{docs_hub.base_url}{source}")
        assert asset.status_code == 200, source
        assert len(asset.content) > 1000, source
    assert httpx.get(f"{docs_hub.base_url}/openapi.json").json()["info"]["title"] == "Assessor hub"
