"""Reproducible benchmarks: lockgate against the hand-written fused query, pandera, Great
Expectations and one-query-per-rule checking. `python -m benchmarks.run --help` to start."""
