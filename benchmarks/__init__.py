"""Benchmarks of grading speed, cost and scale, measured against nbgrader: `python -m benchmarks [--quick]`.

Not tests (pytest collects only tests/): they measure, on the machine they run on, what the README's "Figures"
report; see benchmarks/__main__.py for the sections and benchmarks/results.md for the last figures.
"""
