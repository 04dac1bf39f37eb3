"""Benchmark scripts (`python -m qreason_engine.bench.<name>`): they print numbers, tests never assert them."""
