"""Benchmarks: scripts that print figures (never timed assertions). Entry point: `make bench`.

Every process binds 127.0.0.1, every loop is bounded in count and time. See docs/benchmarks.md.
"""
