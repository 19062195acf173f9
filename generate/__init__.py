"""Generator of the student release and the instructor solutions from the one annotated source.

`python -m generate` (run from the course root) writes `release/assignment2/` and `solutions/assignment2/`;
see docs/annotated-source.md for the conventions it implements.
"""
