"""The reference solution, for the judge only: the project's annotated `cs231n/` package (its solution regions are
plain code, the markers are comments). Student code never runs in the judge, so the name clash with the student's
`cs231n` cannot mix them up here; the runner, in turn, cannot see this package."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import cs231n  # noqa: E402

if Path(cs231n.__file__).resolve().parent != ROOT / "cs231n":
    raise ImportError(f"the reference cs231n must come from {ROOT / 'cs231n'}, not {cs231n.__file__}")

from cs231n import layers, optim  # noqa: E402
from cs231n.classifiers import cnn, fc_net  # noqa: E402

SOLVER_SOURCE = (ROOT / "cs231n" / "solver.py").read_text()

__all__ = ["layers", "optim", "fc_net", "cnn", "SOLVER_SOURCE", "ROOT"]
