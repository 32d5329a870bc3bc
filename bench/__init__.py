"""Benchmarks, run by hand on the development machine; their figures go into the README.

- `bench.generate` and `bench.reports`: the reports' data and timings (status, summary).
- `bench/reminder_throughput.py`: the reminder send pipeline.
"""
