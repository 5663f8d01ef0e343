"""Benchmarks: each figure is a ratio against a baseline run side by side (alternating A B A B, medians)."""
