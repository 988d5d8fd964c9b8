"""Extraction benchmark: load time, throughput, a 20-page notice, memory, and quality.

Numbers are medians of repeated runs in this process (load time: fresh subprocesses).
The dev corpus is read from ../shared/corpus/dev (never copied into the repository).
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "dev"
RUNS = 5
LOAD_RUNS = 3
PAGE_CHARS = 3000  # a typed A4 page of a notice holds roughly 2,500-3,500 characters

_LOAD_SNIPPET = (
    "import time; t=time.perf_counter(); from nlp.pipeline import build_pipeline; e=build_pipeline(); "
    "print(time.perf_counter()-t)"
)


def _load_times() -> list[float]:
    out = []
    for _ in range(LOAD_RUNS):
        res = subprocess.run(
            [sys.executable, "-c", _LOAD_SNIPPET], cwd=ROOT, capture_output=True, text=True, check=True
        )
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def _twenty_pages(texts: list[str]) -> str:
    """A long notice: header and intro of one dev notice, then numbered items from all, to 20 pages."""
    items = []
    for t in texts:
        items += [line for line in t.splitlines() if line[:3].strip().rstrip(".").isdigit() and len(line) > 80]
    body: list[str] = []
    n = 1
    while sum(len(x) for x in body) < 20 * PAGE_CHARS:
        line = items[(n - 1) % len(items)]
        body.append(f"{n}. " + line.split(" ", 1)[1])
        n += 1
    head = "THÔNG BÁO\nKết luận của Phó Thủ tướng tại cuộc họp\nNgày 07 tháng 10 năm 2024, tại trụ sở Chính phủ, "
    head += "Phó Thủ tướng Chính phủ Trần Hồng Hà chủ trì cuộc họp. Phó Thủ tướng kết luận như sau:\n"
    return head + "\n".join(body) + "\nNơi nhận:\n- Như trên;\n"


def run() -> str:
    """Run the extraction benchmark and return its Markdown section."""
    from core.services.extraction import ExtractionService
    from nlp.evaluate import totals
    from nlp.gazetteer import Gazetteer
    from nlp.pipeline import build_pipeline

    load = _load_times()
    extractor = build_pipeline()
    paths = sorted(CORPUS.glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    chars = sum(len(t) for t in texts)
    for t in texts:  # warm-up
        extractor.extract(t)
    corpus_times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for t in texts:
            extractor.extract(t)
        corpus_times.append(time.perf_counter() - t0)
    long_text = _twenty_pages(texts)
    long_times = []
    n_long = 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        n_long = len(extractor.extract(long_text).assignments)
        long_times.append(time.perf_counter() - t0)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    service = ExtractionService(extractor=extractor, max_input_bytes=20_000_000)
    scores = service.evaluate_dir(CORPUS, canonical=Gazetteer.load().canonical_name)
    tot = totals(scores)
    med = statistics.median(corpus_times)
    lines = [
        "## Extraction (issue 2)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python {platform.python_version()}, "
        f"{_cpu_count()} CPU; medians of {RUNS} runs (load: {LOAD_RUNS} fresh processes).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| pipeline load (import + build, fresh process) | {statistics.median(load):.2f} s (runs: "
        f"{', '.join(f'{x:.2f}' for x in load)}) |",
        f"| dev corpus ({len(texts)} documents, {chars:,} chars) | {med:.3f} s per pass |",
        f"| throughput | {chars / med:,.0f} chars/s, {len(texts) / med:.1f} documents/s |",
        f"| 20-page notice ({len(long_text):,} chars, {n_long} assignments found) | "
        f"{statistics.median(long_times):.3f} s |",
        f"| peak RSS of the benchmark process | {peak_mb:.0f} MB |",
        "",
        "Quality on the dev corpus (`python main.py evaluate ../shared/corpus/dev`):",
        "",
        "| metric | value |",
        "|---|---|",
        f"| assignment precision | {tot.precision:.3f} |",
        f"| assignment recall | {tot.recall:.3f} |",
        f"| assignment F1 | {tot.f1:.3f} |",
        f"| deadline accuracy (matched items with a gold date, n={tot.deadline_total}) | {tot.deadline_accuracy:.3f} |",
        f"| meeting-date accuracy ({tot.documents} documents) | {tot.meeting_date_accuracy:.3f} |",
        "",
        "Per document (predicted / gold / matched):",
        "",
        "| document | pred | gold | matched | F1 |",
        "|---|---|---|---|---|",
        *[f"| {s.name} | {s.predicted} | {s.gold} | {s.matched} | {s.f1:.2f} |" for s in scores],
    ]
    return "\n".join(lines)


def _cpu_count() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.stdout.write(json.dumps({"section": run()}, ensure_ascii=False) + "\n")
