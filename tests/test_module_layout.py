"""The modules' dependencies that the layout promises (docs/architecture.md): reading and writing results never
loads the hidden tests or the reference solution."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUDGE_ONLY = ("autograder.hidden", "autograder.reference", "autograder.grade", "cs231n")


def loaded_after(module: str) -> list[str]:
    """The modules of JUDGE_ONLY (and their submodules) that importing MODULE in a fresh interpreter loads."""
    probe = (f"import json, sys, {module}; "
             f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'cs231n' "
             f"or any(m == p or m.startswith(p + '.') for p in {JUDGE_ONLY!r}))))")
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True)
    return json.loads(run.stdout)


@pytest.mark.parametrize("module", ["autograder.scores", "autograder.results", "autograder.report",
                                    "autograder.gradebook"])
def test_results_files_and_reports_do_not_import_the_hidden_tests_or_the_reference(module: str) -> None:
    assert loaded_after(module) == []


def test_the_probe_sees_the_hidden_tests_where_they_are_imported() -> None:
    loaded = loaded_after("autograder.grade")
    assert {"autograder.hidden", "autograder.reference", "autograder.grade", "cs231n"} <= set(loaded)
