"""What docs/deploy.md shows holds: its nginx configuration is the file the topology test
runs, valid nginx with the production values the page gives for its places (TLS
included); its systemd unit and admin wrapper give ``assessor-hub`` options it takes; its
issuer key rotation does what the page says."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from assessor_app.hub.badges.issue import BadgeIssuer
from assessor_app.hub.badges.signing import KEY_ENV
from assessor_app.hub.cli import build_parser
from assessor_app.hub.storage import S3Location
from benchmarks.topology import NGINX_TEMPLATE, render_nginx_config

DEPLOY_PAGE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def test_the_deploy_page_shows_the_tested_file_as_it_is() -> None:
    template = NGINX_TEMPLATE.read_text(encoding="utf-8")
    assert f"```nginx\n{template}```\n" in DEPLOY_PAGE.read_text(encoding="utf-8")


def test_the_production_values_make_a_valid_configuration(tmp_path: Path) -> None:
    page = DEPLOY_PAGE.read_text(encoding="utf-8")
    listen = "443 ssl http2"
    tls_lines = [
        "    ssl_certificate     /etc/letsencrypt/live/hub.example.org/fullchain.pem;",
        "    ssl_certificate_key /etc/letsencrypt/live/hub.example.org/privkey.pem;",
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        '    add_header Strict-Transport-Security "max-age=31536000" always;',
    ]
    assert f"`{listen}`" in page and "\n".join(tls_lines) in page
    # A throwaway certificate where the page names Let's Encrypt's.
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=hub.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = "\n".join(tls_lines).replace("/etc/letsencrypt/live/hub.example.org", str(tmp_path))
    site = render_nginx_config(
        hubs=["127.0.0.1:8765", "127.0.0.1:8766"],
        listen=listen,
        server_name="hub.example.org",
        access_log=str(tmp_path / "access.log"),
        tls=tls,
    )
    assert not re.search(r"\{\{[A-Z_]+\}\}", site), "a place was left unfilled"
    (tmp_path / "assessor-hub.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"error_log {tmp_path / 'error.log'};\nevents {{}}\n"
        f"http {{ include {tmp_path / 'assessor-hub.conf'}; }}\n",
        encoding="utf-8",
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    checked = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
         "-g", f"pid {tmp_path / 'nginx.pid'};"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_key_rotation_as_the_deploy_page_does_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """openssl's key is taken as the signing key, and the data folder's key stays published
    (one retired key per format: a second rotation drops the first one's key)."""
    page = DEPLOY_PAGE.read_text(encoding="utf-8")
    generate = "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072"
    assert generate in page and "ASSESSOR_HUB_ISSUER_KEY=" in page
    data = tmp_path / "hub-data"
    monkeypatch.delenv(KEY_ENV, raising=False)
    first = BadgeIssuer.from_environment(data).keys[0].kid

    def rotate(name: str) -> list[str]:
        new = tmp_path / name
        subprocess.run([*generate.split(), "-out", str(new)], check=True, capture_output=True)
        monkeypatch.setenv(KEY_ENV, str(new))
        published = BadgeIssuer.from_environment(data).jwks()["keys"]
        return [jwk["kid"].rsplit("/", 1)[-1] for jwk in published]  # kid: the key's URL

    second_set = rotate("issuer-2027.pem")
    assert len(second_set) == 2 and second_set[1] == first
    third_set = rotate("issuer-2028.pem")
    assert len(third_set) == 2 and third_set[1] == first
    assert second_set[0] not in third_set


def test_the_systemd_unit_starts_serve_with_options_it_takes() -> None:
    """The unit's ExecStart, with the instance's port, is a command line ``assessor-hub``
    accepts; the admin wrapper passes its options the same way."""
    page = DEPLOY_PAGE.read_text(encoding="utf-8")
    unit = re.search(r"```ini\n(.*?)```", page, re.S)
    assert unit is not None
    start = re.search(r"^ExecStart=(.*?[^\\])$", unit.group(1), re.M | re.S)
    assert start is not None
    words = shlex.split(start.group(1).replace("\\\n", " ").replace("%i", "8765"))
    assert words[0] == "/opt/assessor-hub/bin/assessor-hub"
    args = build_parser().parse_args(words[1:])
    assert (args.command, args.host, args.port) == ("serve", "127.0.0.1", 8765)
    assert args.forwarded_allow_ips == ["127.0.0.1"]
    assert args.storage == S3Location("assessor-evidence", "evidence")
    assert args.metrics_token_file == Path("/etc/assessor-hub/metrics-token")
    wrapper = re.search(r"```sh\n(.*?)```", page, re.S)
    assert wrapper is not None and "/usr/local/bin/assessor-hub-admin" in wrapper.group(1)
    checked = subprocess.run(["sh", "-n"], input=wrapper.group(1), text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    admin = build_parser().parse_args(
        ["--data-dir", "/srv/assessor-hub", "add-assessor", "--storage",
         "s3://assessor-evidence/evidence", "jdoe", "--display-name", "J. Doe"]
    )  # fmt: skip
    assert (admin.command, admin.username) == ("add-assessor", "jdoe")
