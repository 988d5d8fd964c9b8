"""Run every benchmark and rewrite bench/RESULTS.md (the long-recording one alone takes about half an hour)."""

from __future__ import annotations

import sys

from bench import drafting, extraction, long_recording, real_speech, reminders, transcription
from bench.results import write_results


def main() -> int:
    """Run the benchmarks; print and save their report."""
    for bench in (extraction, drafting, transcription, real_speech, reminders, long_recording):
        section = bench.run()
        write_results(section)
        sys.stdout.write(section + "\n\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
