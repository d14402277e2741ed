"""A real S3 HTTP server on 127.0.0.1 for tests: moto's standalone server, started as a
process of its own on a free port and stopped after. boto3 and presigned URLs talk to it
over HTTP, exactly as to any S3-compatible store; being another process, its memory (it
keeps objects in RAM) is not counted as the hub's.

The server and its fake credentials come from ``benchmarks.servers`` (the benchmarks
start it the same way). In a conftest:
``from support.s3_server import moto_endpoint, s3_server  # noqa: F401``; a test asks
for ``s3_server`` and gets the endpoint and a fresh bucket of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from typing import Any

import boto3
import pytest

from benchmarks.servers import create_bucket, moto_credentials, running_moto

__all__ = ["S3Server", "moto_endpoint", "s3_server"]

_buckets = count(1)


@dataclass
class S3Server:
    endpoint: str
    bucket: str

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/evidence"

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint)

    def object_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def multipart_uploads(self) -> list[str]:
        listed = self.client().list_multipart_uploads(Bucket=self.bucket)
        return [item["Key"] for item in listed.get("Uploads", [])]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with moto_credentials(), running_moto() as server:
        yield server.endpoint


@pytest.fixture
def s3_server(moto_endpoint: str) -> S3Server:
    """The running server and a new, empty bucket for this test."""
    bucket = f"hub-test-{next(_buckets)}"
    create_bucket(moto_endpoint, bucket)
    return S3Server(moto_endpoint, bucket)
