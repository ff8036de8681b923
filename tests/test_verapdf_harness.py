"""Tests of the veraPDF harness itself (archivist.verapdf), on PDFs made here.

They need Java 17 and Maven: without them they skip on a workstation but fail
under CI=true, so CI cannot go green by quietly not validating anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from archivist.verapdf import FileReport, VeraPDFError, run_verapdf

pytestmark = pytest.mark.verapdf


def _plain_pdf(path: Path, text: str = "not PDF/A") -> Path:
    """A one-page PDF with an unembedded base-14 font and no XMP: far from PDF/A."""
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return path


def test_version_is_a_release_number(verapdf: str) -> None:
    assert verapdf[0].isdigit() and "." in verapdf


def test_plain_pdf_is_not_pdfa_2b(verapdf: str, tmp_path: Path) -> None:
    pdf = _plain_pdf(tmp_path / "plain.pdf")
    [report] = run_verapdf([pdf], flavour="2b")
    assert isinstance(report, FileReport)
    assert report.path == pdf.resolve()
    assert report.flavour == "2b"
    assert not report.compliant
    assert report.failures and all(f.clause and f.failed_checks >= 1 for f in report.failures)
    # No XMP metadata stream in the catalog: ISO 19005-2, 6.6.2.1, test 1.
    assert "6.6.2.1-1" in {f.rule_id for f in report.failures}


def test_batch_keeps_order_and_auto_detects(verapdf: str, tmp_path: Path) -> None:
    pdfs = [_plain_pdf(tmp_path / f"{i}.pdf", f"page {i}") for i in range(3)]
    reports = run_verapdf(list(reversed(pdfs)))
    assert [r.path for r in reports] == [p.resolve() for p in reversed(pdfs)]
    # No pdfaid claim to detect: veraPDF falls back to PDF/A-1b.
    assert {r.flavour for r in reports} == {"1b"}
    assert not any(r.compliant for r in reports)


def test_unreadable_file_raises(verapdf: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really\n")
    with pytest.raises(VeraPDFError, match=r"bad\.pdf"):
        run_verapdf([bad], flavour="2b")


def test_arguments_checked_before_starting_java(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        run_verapdf([tmp_path / "x.pdf"], flavour="4x")
    with pytest.raises(FileNotFoundError):
        run_verapdf([tmp_path / "missing.pdf"])
    assert run_verapdf([]) == []
