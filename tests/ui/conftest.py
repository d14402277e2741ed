"""Fixtures for the UI building-block tests: the sample credential, real evidence files
generated in memory (PDF with reportlab, PNG with QImage, CSV, Markdown); and, for the
tests against a real hub, the hub with ann and ann signed in (tests/support/signed_in.py)."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from support.signed_in import hub, session

from assessor_app.domain import Credential
from tests.ui.samples import wait_time_credential

__all__ = ["hub", "session"]


@pytest.fixture
def credential() -> Credential:
    return wait_time_credential()


@pytest.fixture
def pdf_bytes() -> bytes:
    """A two-page lesson plan whose text QtPdf can extract."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Helvetica", 14)
    pdf.drawString(72, 760, "Lesson plan: fractions on a number line")
    pdf.drawString(72, 730, "Ask the hinge question and wait five seconds.")
    pdf.showPage()
    pdf.setFont("Helvetica", 14)
    pdf.drawString(72, 760, "Page two: think pair share before answers")
    pdf.drawString(72, 730, "Exit ticket collects every response.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.fixture
def png_bytes(qapp: object) -> bytes:
    from assessor_app.ui.qt import QBuffer, QByteArray, QColor, QImage, QIODevice

    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor("#2a7ab0"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


@pytest.fixture
def csv_bytes() -> bytes:
    return (
        b"student;check 1;check 2\n"
        b"S01;secure;secure\n"
        b"S02;partly;secure\n"
        b"S03;not yet\n"
        b"S04;secure;partly;extra\n"
    )


@pytest.fixture
def markdown_bytes() -> bytes:
    return (
        b"# Reflection\n\n"
        b"I counted to five silently before calling on anyone.\n\n"
        b"- More hands went up\n- Answers were longer\n"
    )
