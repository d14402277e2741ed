"""A real S3 HTTP server on 127.0.0.1 for tests: moto's standalone server, started as a
process of its own on a free port and stopped after. boto3 and presigned URLs talk to it
over HTTP, exactly as to any S3-compatible store; being another process, its memory (it
keeps objects in RAM) is not counted as the hub's.

In a conftest: ``from support.s3_server import moto_endpoint, s3_server  # noqa: F401``;
a test asks for ``s3_server`` and gets the endpoint and a fresh bucket of its own.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from typing import Any

import boto3
import httpx
import pytest

__all__ = ["S3Server", "moto_endpoint", "s3_server"]

_buckets = count(1)
# Any credentials do for moto; boto3 refuses to sign without some.
_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "test-access-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret-key",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


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
    saved = {name: os.environ.get(name) for name in _ENVIRONMENT}
    os.environ.update(_ENVIRONMENT)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from moto.server import main; main()",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "the S3 server exited at start"
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the S3 server did not start") from None
                time.sleep(0.05)
        yield endpoint
    finally:
        server.terminate()
        server.wait(15)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def s3_server(moto_endpoint: str) -> S3Server:
    """The running server and a new, empty bucket for this test."""
    bucket = f"hub-test-{next(_buckets)}"
    boto3.client("s3", endpoint_url=moto_endpoint).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return S3Server(moto_endpoint, bucket)
