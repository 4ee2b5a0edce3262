"""Benchmarks: speed, memory and scale of the pipeline, its indexes and its training step."""
