"""Benchmarks of keras-gan's training loop (see `benchmarks/README.md`)."""
