"""The nginx configuration docs/deploy.md shows is the file the topology test runs, and it
is valid nginx with the production values the page gives for its places (TLS included)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

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
