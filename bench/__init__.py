"""Benchmarks with growing sizes: ``python -m bench`` (``make bench``) writes bench/results.md."""
