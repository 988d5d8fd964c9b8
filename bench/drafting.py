"""Drafting benchmark: composing and rendering a typical notice to .docx, and PDF conversion.

The typical notice is the draft of a dev-corpus notice (005, 22 assignments). Medians of
repeated runs in one process; LibreOffice is timed apart (it runs as its own process).
"""

from __future__ import annotations

import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench.extraction import CORPUS

RUNS = 20
PDF_RUNS = 3
TYPICAL = "005_tb634-vpcp-thanh-hoa.txt"


def run() -> str:
    """Run the drafting benchmark and return its Markdown section."""
    from core.domain import DraftOptions
    from nlp.compose import compose_announcement
    from nlp.pipeline import build_pipeline
    from render.docx import render_docx
    from render.pdf import convert_to_pdf, find_soffice

    extraction = build_pipeline().extract((CORPUS / TYPICAL).read_text(encoding="utf-8"))
    options = DraftOptions(issuer="Văn phòng Chính phủ", code="VPCP", place="Hà Nội", drafter_unit="QHĐP")
    with tempfile.TemporaryDirectory(prefix="ketluan-bench-") as tmp:
        out = Path(tmp) / "draft.docx"
        render_docx(compose_announcement(extraction, options, today=date(2026, 11, 22)), out)  # warm-up
        times = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            announcement = compose_announcement(extraction, options, today=date(2026, 11, 22))
            render_docx(announcement, out)
            times.append(time.perf_counter() - t0)
        pdf_line = "LibreOffice not installed: not measured"
        if find_soffice():
            pdf_times = []
            for _ in range(PDF_RUNS):
                t0 = time.perf_counter()
                convert_to_pdf(out, Path(tmp))
                pdf_times.append(time.perf_counter() - t0)
            pdf_line = f"{statistics.median(pdf_times):.2f} s (runs: {', '.join(f'{x:.2f}' for x in pdf_times)})"
        items = len(announcement.items)
    return "\n".join(
        [
            "## Drafting (issue 3)",
            "",
            f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python "
            f"{platform.python_version()}; typical notice = the draft of `{TYPICAL}` ({items} body items, "
            f"{len(extraction.assignments)} assignments).",
            "",
            "| metric | value |",
            "|---|---|",
            f"| compose + render to .docx (median of {RUNS}) | {statistics.median(times) * 1000:.0f} ms "
            f"(max {max(times) * 1000:.0f} ms; target < 500 ms) |",
            f"| .docx to PDF with LibreOffice headless (median of {PDF_RUNS}, fresh profile each) | {pdf_line} |",
        ]
    )
