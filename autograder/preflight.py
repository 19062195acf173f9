"""Before grading anything: start one runner exactly as grading will (sandbox, user, limits, data) on a module
known to be good. If that fails, the fault is the machine's or the grader's, and every submission would be scored
for it: `autograder grade` stops with the cause instead and writes no results."""

from __future__ import annotations

import shutil

import numpy as np

from autograder.grade import GradeOptions
from autograder.sandbox import SandboxUnavailable
from autograder.session import CallError, RunnerSession

KNOWN_GOOD = '''import numpy as np


def double(x):
    return np.asarray(x) * 2


def shapes(arrays):
    return {name: list(array.shape) for name, array in arrays.items()}
'''
TIMEOUT = 60.0


class PreflightFailed(RuntimeError):
    """The runner does not work on this machine."""


def check(options: GradeOptions) -> None:
    """Raise PreflightFailed, naming the cause, unless a runner started with OPTIONS answers correctly (and maps the
    grading data, when there is some)."""
    root = options.scratch / ".preflight"
    (root / "cs231n").mkdir(parents=True)
    (root / "cs231n" / "__init__.py").write_text("")
    (root / "cs231n" / "preflight.py").write_text(KNOWN_GOOD)
    try:
        with RunnerSession(root, sandboxed=options.sandboxed, limits=options.limits, data=options.runner_data,
                           call_timeout=TIMEOUT) as session:
            value = session.call("preflight.double", np.arange(3.0))
            if not np.array_equal(value, [0.0, 2.0, 4.0]):
                raise PreflightFailed(f"a runner computed {value!r} for 2 * [0, 1, 2]")
            if session.data_path is not None:
                found = session.call("preflight.shapes", session.load_arrays(session.data_path, timeout=TIMEOUT))
                if not found:
                    raise PreflightFailed(f"the runner finds no grading data (.npy files) in {options.runner_data}")
    except SandboxUnavailable as exc:
        raise PreflightFailed(str(exc)) from None
    except CallError as exc:
        printed = exc.output.strip()
        raise PreflightFailed(exc.describe() + (f"\nthe runner printed:\n{printed[-2000:]}" if printed and
                                                printed not in exc.describe() else "")) from None
    finally:
        shutil.rmtree(root, ignore_errors=True)
