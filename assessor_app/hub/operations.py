"""What the people who run a hub watch: liveness, readiness and Prometheus metrics.

- ``GET /healthz``: the process answers (touches neither the database nor the storage,
  so a slow database does not get a live process restarted).
- ``GET /readyz``: the database answers a query and the artifact storage is reachable;
  otherwise 503 with a problem document whose ``checks`` say which failed. It is the one
  5xx the hub answers on purpose: a load balancer takes the worker out of rotation.
- ``GET /metrics``: Prometheus text, only for a scraper that sends the metrics token
  (``serve --metrics-token-file``) as a bearer token (401 otherwise); without a
  configured token the route is 404. The figures (counts by route, timings) say how busy
  the programme is, which is not for every signed-in assessor.

Each app has its own ``CollectorRegistry``: one process may hold several apps (the tests
do), and the figures of one hub must not leak into another's. Under ``serve --workers N``
each worker writes its figures to files in ``$PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's
multiprocess mode, chosen when it is imported; see ``hub/workers.py``), and a scrape, which
reaches one worker, reads all of their files: the counts add up across workers.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import select

from assessor_app.hub.config import MULTIPROCESS_ENV
from assessor_app.hub.db import Database
from assessor_app.hub.http_semantics import BEARER_CHALLENGE
from assessor_app.hub.problems import Problem
from assessor_app.hub.storage import ArtifactStorage
from assessor_app.protocol.v1 import API_PREFIX

log = logging.getLogger(__name__)

SYNC_ROUTE = f"{API_PREFIX}/assignments"
UPLOAD_ROUTE = f"{API_PREFIX}/assignments/{{assignment_id}}/decision"
CONTENT_ROUTE = f"{API_PREFIX}/artifacts/{{artifact_id}}/content"
# Request latency buckets in seconds: the delta and decision upload aim for p99 under
# 250 ms; artifact streams take seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class HubMetrics:
    """The hub's Prometheus figures; ``observe`` is called once per answered request."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.multiprocess_dir = os.environ.get(MULTIPROCESS_ENV)
        self.latency = Histogram(
            "assessor_hub_request_duration_seconds",
            "Time to answer a request, by method, route template and status",
            ("method", "route", "status"),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.syncs = Counter(
            "assessor_hub_syncs",
            "Assignment delta pages served (GET /api/v1/assignments answered 200)",
            registry=self.registry,
        )
        self.uploads = Counter(
            "assessor_hub_decision_uploads",
            "Decision uploads (PUT .../decision), by the status they were answered with",
            ("status",),
            registry=self.registry,
        )
        # Evidence the hub carried itself versus handed to the object storage: what the
        # hub's CPU per GB of evidence depends on.
        self.artifact_bytes = Counter(
            "assessor_hub_artifact_bytes",
            "Artifact body bytes the hub streamed itself",
            registry=self.registry,
        )
        self.artifact_redirects = Counter(
            "assessor_hub_artifact_redirects",
            "Artifact GETs answered with a redirect to the object storage",
            registry=self.registry,
        )
        self.errors = Counter(
            "assessor_hub_errors",
            "Requests answered with an error, by status class (4xx, 5xx)",
            ("status_class",),
            registry=self.registry,
        )

    def observe(
        self, method: str, route: str, status: int, seconds: float, body_bytes: int
    ) -> None:
        self.latency.labels(method, route, str(status)).observe(seconds)
        if route == SYNC_ROUTE and method == "GET" and status == 200:
            self.syncs.inc()
        elif route == UPLOAD_ROUTE and method == "PUT":
            self.uploads.labels(str(status)).inc()
        elif route == CONTENT_ROUTE and status == 307:
            self.artifact_redirects.inc()
        elif route == CONTENT_ROUTE and status in (200, 206):
            self.artifact_bytes.inc(body_bytes)
        if status >= 400:
            self.errors.labels(f"{status // 100}xx").inc()

    def exposition(self) -> bytes:
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        # Every worker's files, this one's included (its own registry would count it twice).
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self.multiprocess_dir)
        return generate_latest(merged)


def operations_router(
    db: Callable[[], Database],
    storage: Callable[[], ArtifactStorage],
    metrics: HubMetrics,
    metrics_token: str | None,
) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is alive (nothing else is checked)."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        responses={503: {"description": "Not ready: `checks` names what failed"}},
    )
    def readyz() -> dict[str, Any]:
        """The database answers and the artifact storage is reachable."""
        checks = {"database": "ok", "storage": "ok"}
        try:
            with db().read() as session:
                session.execute(select(1))
        except Exception:
            log.exception("readiness: the database does not answer")
            checks["database"] = "unavailable"
        try:
            storage().check()
        except Exception:
            log.exception("readiness: the artifact storage is not reachable")
            checks["storage"] = "unavailable"
        if any(value != "ok" for value in checks.values()):
            failed = ", ".join(name for name, value in checks.items() if value != "ok")
            raise Problem(
                503,
                "Not ready",
                f"This hub cannot serve requests now: {failed} not reachable.",
                checks=checks,
            )
        return {"status": "ok", "checks": checks}

    @router.get("/metrics", include_in_schema=False)
    def prometheus(request: Request) -> Response:
        if metrics_token is None:
            raise Problem(404, "Not Found", "Metrics are off: see serve --metrics-token-file.")
        sent = request.headers.get("authorization", "")
        scheme, _, credential = sent.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credential.strip().encode("utf-8", "replace"), metrics_token.encode("utf-8")
        ):
            raise Problem(
                401,
                "Unauthorized",
                "Send the metrics token as Authorization: Bearer <token>.",
                headers={"WWW-Authenticate": BEARER_CHALLENGE},
            )
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
