"""Benchmarks that write their numbers to bench/RESULTS.md (run: ``make bench``)."""
