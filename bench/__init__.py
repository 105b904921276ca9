"""Benchmarks: each module has main() that prints a markdown section; `python -m bench` runs them."""
