"""Writing benchmark sections into bench/RESULTS.md."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_results(section: str) -> None:
    """Replace this benchmark's section of bench/RESULTS.md, keeping the others."""
    header = "# Benchmark results\n\nWritten by `make bench`; each section by its own benchmark.\n"
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else header
    title = section.splitlines()[0]
    parts = old.split("\n## ")
    kept = [p for p in parts[1:] if not ("## " + p).startswith(title)]
    body = parts[0].rstrip() + "\n\n" + "".join("## " + p.rstrip() + "\n\n" for p in kept) + section + "\n"
    RESULTS.write_text(body, encoding="utf-8")
