"""Run every benchmark and rewrite bench/RESULTS.md."""

from __future__ import annotations

import sys

from bench import extraction


def main() -> int:
    """Run the benchmarks; print and save their report."""
    section = extraction.run()
    extraction.write_results(section)
    sys.stdout.write(section + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
