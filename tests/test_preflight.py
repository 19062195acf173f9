"""Pre-flight (autograder/preflight.py): a class run stops before grading, naming the cause, when the machine cannot
run the tests it was asked for, instead of scoring every submission for the machine's fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import cli, sandbox
from autograder.packages import pinned
from tests.conftest import python_readable_by_others


@pytest.fixture(scope="module")
def python_without_torch() -> str:
    """A Python that others can read, with what the runner needs except torch."""
    return python_readable_by_others("python-without-torch", [str(pin) for pin in pinned(("numpy", "pyseccomp"))])


def _submission(tmp_path: Path) -> Path:
    (tmp_path / "alice" / "cs231n").mkdir(parents=True)
    (tmp_path / "alice" / "cs231n" / "__init__.py").write_text("")
    return tmp_path / "alice"


@pytest.mark.slow
def test_pytorch_tests_stop_before_grading_when_the_runners_python_lacks_torch(
    tmp_path: Path, python_without_torch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(sandbox.PYTHON_ENV, python_without_torch)
    out = tmp_path / "out"
    args = ["grade", str(_submission(tmp_path)), "-o", str(out), "--no-data", "--unsandboxed"]
    with pytest.raises(SystemExit) as stopped:
        cli.main([*args, "--tests", "pytorch.flatten"])
    message = str(stopped.value.code)
    assert "nothing was graded" in message
    assert "pytorch.* tests need PyTorch, which the runner's Python lacks" in message
    assert "No module named 'torch'" in message
    assert not list(out.rglob("results.json"))

    # the same Python grades the numpy tests: pre-flight asks for torch only when a PyTorch test is selected
    assert cli.main([*args, "--tests", "layers.affine_forward"]) == 0
    assert (out / "alice" / "results.json").is_file()
