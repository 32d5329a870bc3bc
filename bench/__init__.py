"""Benchmarks, run by hand on the development machine; their figures go into the README.

- `bench.generate` and `bench.reports`: the reports' data and timings (status, summary).
- `bench/reminder_throughput.py`: the reminder send pipeline.
- `bench/chat_latency.py`: chat acknowledgement latency and memory of the real server, against a
  bare Bolt (and a bare botbuilder) floor.
"""
