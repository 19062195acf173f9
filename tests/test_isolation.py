"""Isolation of student code, end to end: hostile submissions (the reference cs231n/ with ONE function replaced by
hostile code) graded with autograder.grade, or with the `autograder grade` command.

Each hostile function "cheats" if it can: when it finds the reference (by path, by searching the filesystem, by
importing it) it returns the reference's answer, so a breach would show as points gained; when it finds nothing it
returns a report of what it tried, which the test reads by calling it in a runner set up exactly as grading does.
Where the sandbox is what stops it, the same code is also run by the test itself, without any isolation, as a
control, to show the test would catch a breach. The replaced function is relu_backward unless said otherwise: no
other test calls it, so the honest baseline of such a submission is full points everywhere except relu_backward."""

from __future__ import annotations

import ast
import csv
import importlib.util
import json
import shutil
import socket
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder import cli, grade, results, rubric, sandbox
from autograder.runner.wire import Handle
from autograder.scores import SubmissionResult
from autograder.session import RunnerSession
from autograder.submission import Submission, stage

ROOT = Path(__file__).resolve().parents[1]
# Exact names (not prefixes), so that tests added later to these areas cannot change the expected scores.
TESTS = grade.selected_tests(
    ["layers.affine_forward", "layers.affine_backward", "layers.relu_forward", "layers.relu_backward"], False)
RUBRIC = rubric.load()
POINTS = {name: RUBRIC.points[name] for name in TESTS}
WRONG_RELU_BACKWARD = {**POINTS, "layers.relu_backward": 0.0}  # what a plainly wrong relu_backward scores
RNG = np.random.default_rng(231)
X, DOUT = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))


@pytest.fixture(autouse=True)
def _runner_python(runner_python_for_others: str) -> None:
    """As root, the runner without bubblewrap runs as an unprivileged user, who needs a Python it can read."""


# -- building and grading hostile submissions -------------------------------------------------------------------
def hostile(dest: Path, source: str, function: str = "relu_backward", module: str = "layers.py", **values: Any) -> Path:
    """A submission at DEST: the reference package with MODULE's FUNCTION replaced by SOURCE (which may start with
    module-level code). Each keyword NAME=value replaces the token NAME in SOURCE by repr(value)."""
    path = reference_copy(dest) / "cs231n" / module
    text = path.read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == function)
    for name, value in values.items():
        source = source.replace(name, repr(value))
    lines = text.splitlines(keepends=True)
    path.write_text("".join(lines[: node.lineno - 1]) + source.strip("\n") + "\n" + "".join(lines[node.end_lineno:]))
    return dest


def reference_copy(dest: Path) -> Path:
    shutil.copytree(ROOT / "cs231n", dest / "cs231n", ignore=shutil.ignore_patterns("__pycache__", "cifar-10-*"))
    return dest


def graded(folder: Path, scratch: Path, student: str = "mallory", sandboxed: bool = True) -> SubmissionResult:
    options = grade.GradeOptions(rubric=RUBRIC, tests=TESTS, scratch=scratch, sandboxed=sandboxed)
    return grade.grade(Submission(student, folder), options)


def scores(result: SubmissionResult) -> dict[str, float]:
    return {t.name: t.score for t in result.tests}


def in_runner(folder: Path, scratch: Path, *args: Any, sandboxed: bool = True, get: str = "") -> Any:
    """Stage FOLDER as grading does and call its relu_backward(*ARGS) in a runner; with GET, then also fetch the
    module attribute GET and return (value, attribute)."""
    root = stage(Submission("probe", folder), scratch / "probe")
    with RunnerSession(root, sandboxed=sandboxed, call_timeout=30) as session:
        value = session.call("layers.relu_backward", *args)
        return (value, session.get(f"layers.{get}")) if get else value


def in_process(folder: Path, *args: Any) -> Any:
    """FOLDER's relu_backward(*ARGS) called by the test itself: no runner, no sandbox, the judge's own rights."""
    spec = importlib.util.spec_from_file_location("hostile_layers", folder / "cs231n" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.relu_backward(*args)


# The shape of every cheating hostile function: BODY fills `found` (what it could see) and may set `cheat` (the
# reference's relu_backward); the function then uses the cheat, or returns its report (which scores nothing). It
# looks only on its first call in a runner, as a real cheater would, to keep the filesystem search affordable.
CHEATER = '''
def relu_backward(dout, cache):
    import os
    if not hasattr(relu_backward, "memo"):  # look once per runner
        found, cheat = [], None
BODY
        relu_backward.memo = found, cheat
    found, cheat = relu_backward.memo
    if cheat is not None:
        return cheat(dout, cache)
    return {"found": found}
'''


def cheater(body: str) -> str:
    return CHEATER.replace("BODY", textwrap.indent(body.strip("\n"), "    "))


BY_PATH = cheater('''
    for path in PATHS:
        try:
            with open(path, errors="replace") as f:
                text = f.read()
        except OSError:
            continue
        found.append(path)
        if "def relu_backward" in text and cheat is None:
            scope = {}
            exec(compile(text, path, "exec"), scope)
            cheat = scope["relu_backward"]
    for folder in FOLDERS:
        try:
            found.append(f"{folder}: {sorted(os.listdir(folder))}")
        except OSError:
            pass
''')

SEARCH = cheater('''
    names = {"layers.py", "layers_basic.py", "rubric.toml", "results.json", "grades.csv", "feedback.html",
             "reference.py", "framework.py", "grade.py", "timestamp.txt"}
    markers = ("def relu_backward", "grader_test", "layers.affine_forward", "SOLVER_SOURCE")
    skip = {"/proc", "/sys", "/dev", "/submission", "/usr/lib", "/usr/share"}
    for top, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(top, d) not in skip]
        for name in files:
            path = os.path.join(top, name)
            inside = any(p in ("cs231n", "autograder", "hidden") for p in path.split("/"))
            if name not in names and not (inside and name.endswith(".py")):
                continue
            try:
                with open(path, errors="replace") as f:
                    text = f.read(1 << 20)
            except OSError:
                continue
            if any(m in text for m in markers):
                found.append(path)
                if name == "layers.py" and "def relu_backward" in text and cheat is None:
                    scope = {}
                    exec(compile(text, path, "exec"), scope)
                    cheat = scope["relu_backward"]
''')

IMPORTS = cheater('''
    import importlib
    import importlib.util
    import sys
    for attempt in ("as installed", "from the guessed project root"):
        if attempt != "as installed":
            sys.path.insert(0, PROJECT)
        for name in ("autograder", "autograder.reference", "autograder.hidden.layers_basic", "autograder.grade"):
            try:
                module = importlib.import_module(name)
            except Exception:
                continue
            found.append(f"{name} {attempt}")
            if name == "autograder.reference":
                cheat = module.layers.relu_backward
    spec = importlib.util.spec_from_file_location("reference_layers", PROJECT + "/cs231n/layers.py")
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append(spec.origin)
        cheat = cheat or module.relu_backward
    except OSError:
        pass
''')


@pytest.fixture
def neighbours(tmp_path: Path) -> dict[str, Path]:
    """Another student (alice) graded before mallory with the same scratch folder, and her results written."""
    alice = reference_copy(tmp_path / "alice")
    scratch, out = tmp_path / "scratch", tmp_path / "out"
    result = graded(alice, scratch, "alice")
    assert result.score == result.max_score == sum(POINTS.values())
    results.write_student(out, result)
    results.write_grades(out)
    return {"alice": alice, "scratch": scratch, "out": out}


# -- reading what is not the submission ------------------------------------------------------------------------
def test_reading_the_reference_tests_other_students_or_the_output_by_path_finds_nothing(
    tmp_path: Path, neighbours: dict[str, Path]
) -> None:
    scratch, out = neighbours["scratch"], neighbours["out"]
    paths = [ROOT / "cs231n" / "layers.py", ROOT / "autograder" / "hidden" / "layers_basic.py",
             ROOT / "autograder" / "rubric.toml", ROOT / "autograder" / "reference.py",
             neighbours["alice"] / "cs231n" / "layers.py", scratch / "alice" / "cs231n" / "layers.py",
             out / "alice" / "results.json", out / "grades.csv", Path(f"/proc/1/root{ROOT}/cs231n/layers.py")]
    folders = [ROOT, ROOT / "autograder" / "hidden", scratch, out, tmp_path]
    mallory = hostile(tmp_path / "mallory", BY_PATH, PATHS=[str(p) for p in paths], FOLDERS=[str(f) for f in folders])

    # Of the project folder the sandbox shows at most the virtual environment (numpy), mounted at the same path.
    venv = sorted({r.relative_to(ROOT).parts[0] for r in sandbox._python_roots() if r.is_relative_to(ROOT)})
    assert in_runner(mallory, tmp_path / "probe", DOUT, X) == {"found": [f"{ROOT}: {venv}"] if venv else []}
    assert scores(graded(mallory, scratch)) == WRONG_RELU_BACKWARD

    # Control: run by the judge's own user, without any isolation, the same code reads all of it and cheats.
    np.testing.assert_array_equal(in_process(mallory, DOUT, X), np.where(X > 0, DOUT, 0))


def test_searching_the_whole_filesystem_finds_nothing_of_the_project(tmp_path: Path, neighbours: dict) -> None:
    mallory = hostile(tmp_path / "mallory", SEARCH)
    assert in_runner(mallory, tmp_path / "probe", DOUT, X) == {"found": []}
    assert scores(graded(mallory, neighbours["scratch"])) == WRONG_RELU_BACKWARD


def test_importing_the_grader_or_the_reference_from_inside_fails(tmp_path: Path) -> None:
    mallory = hostile(tmp_path / "mallory", IMPORTS, PROJECT=str(ROOT))
    assert in_runner(mallory, tmp_path / "probe", DOUT, X) == {"found": []}
    assert scores(graded(mallory, tmp_path / "scratch")) == WRONG_RELU_BACKWARD
    # Control: run by the judge's own user, without any isolation, the reference can be loaded from its path.
    np.testing.assert_array_equal(in_process(mallory, DOUT, X), np.where(X > 0, DOUT, 0))


# -- network ---------------------------------------------------------------------------------------------------
NETWORK = '''
def relu_backward(dout, cache):
    import socket
    report = {}
    for label, family, kind, address in TARGETS:
        try:
            s = socket.socket(family, kind)
        except OSError as exc:
            report[label] = type(exc).__name__
            continue
        s.settimeout(0.5)
        try:
            if kind == socket.SOCK_DGRAM:
                s.sendto(b"leak", address)
                report[label] = "sent"
            else:
                s.connect(address)
                s.sendall(b"leak")
                report[label] = "connected"
        except OSError as exc:
            report[label] = type(exc).__name__
        finally:
            s.close()
    return report
'''


@pytest.fixture
def listeners() -> Iterator[dict[str, socket.socket]]:
    """Sockets of the judge's machine that student code must not reach: TCP and UDP on localhost and an abstract
    unix socket (which a shared network namespace would expose)."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(4)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(f"\0autograder-isolation-{uuid.uuid4().hex}")
    unix.listen(4)
    found = {"tcp": tcp, "udp": udp, "unix": unix}
    for s in found.values():
        s.setblocking(False)
    yield found
    for s in found.values():
        s.close()


def received(listeners: dict[str, socket.socket]) -> set[str]:
    got = set()
    for label, s in listeners.items():
        try:
            if label == "udp":
                s.recv(16)
            else:
                s.accept()[0].close()
            got.add(label)
        except BlockingIOError:
            pass
    return got


def test_no_network_not_even_the_judges_localhost(tmp_path: Path, listeners: dict[str, socket.socket]) -> None:
    targets = [("tcp", socket.AF_INET, socket.SOCK_STREAM, listeners["tcp"].getsockname()),
               ("udp", socket.AF_INET, socket.SOCK_DGRAM, listeners["udp"].getsockname()),
               ("unix", socket.AF_UNIX, socket.SOCK_STREAM, listeners["unix"].getsockname()),
               ("internet", socket.AF_INET, socket.SOCK_STREAM, ("1.1.1.1", 443))]
    mallory = hostile(tmp_path / "mallory", NETWORK, TARGETS=[(a, int(b), int(c), d) for a, b, c, d in targets])
    report = in_runner(mallory, tmp_path / "probe", DOUT, X)
    assert set(report) == {"tcp", "udp", "unix", "internet"}
    assert "connected" not in report.values(), report  # a datagram is "sent" to the sandbox's own loopback
    assert received(listeners) == set()
    # Without the sandbox, as root, the runner's user may not even make a socket (seccomp).
    unsandboxed = in_runner(mallory, tmp_path / "probe", DOUT, X, sandboxed=False)
    assert set(unsandboxed.values()) == {"PermissionError"}, unsandboxed
    assert received(listeners) == set()
    # Control: the same code run by the test itself reaches all three listeners.
    scope: dict = {}
    exec(NETWORK.replace("TARGETS", repr([(a, int(b), int(c), d) for a, b, c, d in targets])), scope)
    control = scope["relu_backward"](DOUT, X)
    assert (control["tcp"], control["udp"], control["unix"]) == ("connected", "sent", "connected")
    assert received(listeners) == {"tcp", "udp", "unix"}


# -- tampering with the runner's own Python --------------------------------------------------------------------
PATCH_NUMPY = '''
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.sum = lambda *args, **kwargs: 0.0
np.max = lambda *args, **kwargs: 0.0
np.abs = lambda x, *args, **kwargs: np.zeros(np.shape(x))
PATCHED = {"allclose": np.allclose(0, 1), "sum": np.sum([1.0, 2.0]), "max": np.max([3.0])}


def relu_backward(dout, cache):
    return np.zeros_like(dout) + 1.0  # wrong, but "equal" to anything under the patched comparisons
'''

PATCH_BUILTINS = '''
import builtins

builtins.abs = lambda x: 0
builtins.max = lambda *args, **kwargs: 0
builtins.sum = lambda *args, **kwargs: 0
builtins.float = type("float", (float,), {"__eq__": lambda self, other: True, "__hash__": float.__hash__})
PATCHED = {"abs": abs(-3), "max": max(1, 2), "sum": sum([1, 2]), "float": float(1) == 2}


def relu_backward(dout, cache):
    return np.zeros_like(dout) + 1.0
'''


@pytest.mark.parametrize("source", [PATCH_NUMPY, PATCH_BUILTINS], ids=["numpy", "builtins"])
def test_monkeypatching_numpy_or_builtins_at_import_gains_nothing(tmp_path: Path, source: str) -> None:
    mallory = hostile(tmp_path / "mallory", source)
    _, patched = in_runner(mallory, tmp_path / "probe", DOUT, X, get="PATCHED")
    assert patched in ({"allclose": True, "sum": 0.0, "max": 0.0}, {"abs": 0, "max": 0, "sum": 0, "float": True})
    got = scores(graded(mallory, tmp_path / "scratch"))
    assert got["layers.relu_backward"] == 0.0
    assert all(got[name] <= WRONG_RELU_BACKWARD[name] for name in TESTS)


EQUAL_TO_EVERYTHING = '''
def relu_backward(dout, cache):
    class Anything:
        shape, dtype, ndim, size = dout.shape, dout.dtype, dout.ndim, dout.size
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        __lt__ = __le__ = __gt__ = __ge__ = __eq__
        def __array__(self, *args, **kwargs): return np.zeros(dout.shape)
        def __float__(self): return 0.0
        def __abs__(self): return self
        __sub__ = __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = lambda s, o: s
        def __getitem__(self, index): return self
        def __len__(self): return len(dout)
        def __bool__(self): return True

    class EqualArray(np.ndarray):
        def __eq__(self, other): return np.ones(self.shape, dtype=bool)
        def __array_ufunc__(self, ufunc, method, *args, **kwargs): return np.zeros(self.shape)

    class EqualFloat(float):
        def __eq__(self, other): return True
        __le__ = __lt__ = __ge__ = __eq__

    return {
        "object": Anything,
        "array subclass": lambda: np.zeros(dout.shape).view(EqualArray),
        "float subclass": lambda: EqualFloat(0.0),
        "tuple subclass": lambda: type("T", (tuple,), {"__eq__": lambda s, o: True})((Anything(),)),
    }[KIND]()
'''


@pytest.mark.parametrize("kind", ["object", "array subclass", "float subclass", "tuple subclass"])
def test_returning_objects_that_equal_everything_gains_nothing(tmp_path: Path, kind: str) -> None:
    mallory = hostile(tmp_path / "mallory", EQUAL_TO_EVERYTHING, KIND=kind)
    value = in_runner(mallory, tmp_path / "probe", DOUT, X)
    # The judge only ever receives plain data: its own types, built from the bytes, never the student's classes.
    assert type(value) in (Handle, np.ndarray)
    if type(value) is np.ndarray:
        np.testing.assert_array_equal(value, np.zeros(DOUT.shape))
    assert scores(graded(mallory, tmp_path / "scratch")) == WRONG_RELU_BACKWARD


# -- exits -----------------------------------------------------------------------------------------------------
EXIT_IN_CALL = '''
def affine_backward(dout, cache):
    import os
    os._exit(0)
'''

EXIT_AT_IMPORT = '''
import sys

sys.exit("not today")


def relu_backward(dout, cache):
    return dout
'''

CRASH_AT_IMPORT = '''
import os

os._exit(1)


def sgd(w, dw, config=None):
    return w, config
'''


def test_exiting_inside_a_call_scores_zero_for_that_test_only(tmp_path: Path) -> None:
    mallory = hostile(tmp_path / "mallory", EXIT_IN_CALL, function="affine_backward")
    result = graded(mallory, tmp_path / "scratch")
    assert scores(result) == {**POINTS, "layers.affine_backward": 0.0}
    output = {t.name: t.output for t in result.tests}["layers.affine_backward"]
    assert "affine_backward the code ended the Python process (exit status 0)" in output


def test_exiting_at_import_scores_zero_for_that_modules_tests_and_grading_goes_on(tmp_path: Path) -> None:
    mallory = hostile(tmp_path / "mallory", EXIT_AT_IMPORT)
    result = graded(mallory, tmp_path / "scratch")
    assert scores(result) == dict.fromkeys(TESTS, 0.0)
    assert all("tried to end the program (SystemExit: not today)" in t.output for t in result.tests)
    # The same exit in a module these tests do not use costs nothing here.
    other = hostile(tmp_path / "other", CRASH_AT_IMPORT, function="sgd", module="optim.py")
    assert scores(graded(other, tmp_path / "scratch")) == POINTS


# -- a submission without cs231n/ must not be graded as the project's own reference --------------------------
@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandboxed", "unsandboxed"])
@pytest.mark.parametrize("layout", ["nothing", "package without layers", "namespace package"])
def test_an_empty_submission_scores_zero_even_from_the_project_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandboxed: bool, layout: str
) -> None:
    monkeypatch.chdir(ROOT)  # where the reference cs231n/ sits, under the same name
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # as bin/autograder sets it
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "README.md").write_text("I forgot to upload my code\n")
    if layout == "package without layers":
        (folder / "cs231n").mkdir()
        (folder / "cs231n" / "__init__.py").write_text("")
    elif layout == "namespace package":
        (folder / "cs231n").mkdir()
        shutil.copy(ROOT / "cs231n" / "optim.py", folder / "cs231n" / "optim.py")
    result = graded(folder, tmp_path / "scratch", "empty", sandboxed=sandboxed)
    assert scores(result) == dict.fromkeys(TESTS, 0.0)
    assert all("No module named 'cs231n.layers'" in t.output for t in result.tests)


# -- the command line ------------------------------------------------------------------------------------------
FAKE_RESULTS = '''
def relu_backward(dout, cache):
    import json, os
    fake = json.dumps({"score": 999, "max_score": 8, "tests": []})
    written = []
    for path in TARGETS:
        try:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with open(path, "w") as f:
                f.write(fake)
            written.append(path)
        except OSError:
            pass
    return {"written": written}
'''


def autograder(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "bin" / "autograder"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_cli_a_fake_results_json_changes_nothing_in_the_real_output(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    reference_copy(subs / "alice")
    host_tmp = Path(f"/tmp/{uuid.uuid4().hex}-results.json")
    targets = ["results.json", "/tmp/results.json", str(host_tmp), str(out / "mallory" / "results.json"),
               str(out / "alice" / "results.json"), str(out / "grades.csv"), str(tmp_path / "results.json"),
               "/autograder/results/results.json"]
    mallory = hostile(subs / "mallory", FAKE_RESULTS, TARGETS=targets)
    gradescope_path_existed = Path("/autograder/results/results.json").exists()

    # Inside the sandbox every write to /tmp "works" (a private tmpfs); none of it reaches the machine.
    inside = in_runner(mallory, tmp_path / "probe", DOUT, X)
    assert str(out / "mallory" / "results.json") in inside["written"] and str(host_tmp) in inside["written"]
    assert not out.exists() and not host_tmp.exists() and not (tmp_path / "results.json").exists()

    run = autograder("grade", str(subs), "-o", str(out), "--no-data", "--tests", *TESTS, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "alice/feedback.html", "alice/results.json", "grades.csv", "mallory/feedback.html", "mallory/results.json",
        "report.html"]
    assert not host_tmp.exists() and not (tmp_path / "results.json").exists()
    assert gradescope_path_existed or not Path("/autograder/results/results.json").exists()

    for student, expected in (("alice", POINTS), ("mallory", WRONG_RELU_BACKWARD)):
        data = json.loads((out / student / "results.json").read_text())
        assert {"score", "max_score", "execution_time", "tests"} <= data.keys()
        assert data["score"] == sum(expected.values()) and data["max_score"] == sum(POINTS.values())
        assert isinstance(data["execution_time"], float) and data["execution_time"] > 0
        assert [t["name"] for t in data["tests"]] == TESTS
        for t in data["tests"]:
            assert set(t) == {"name", "score", "max_score", "status", "output", "visibility"}
            assert (t["score"], t["max_score"]) == (expected[t["name"]], POINTS[t["name"]])
            assert t["status"] == ("passed" if t["score"] == t["max_score"] else "failed")
            assert t["visibility"] == "visible" and t["output"]
        page = (out / student / "feedback.html").read_text()
        assert f"Score: <b>{data['score']:.2f} / {data['max_score']:g}</b>" in page

    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["student"] for r in rows] == ["alice", "mallory"]
    assert [float(rows[1][name]) for name in TESTS] == [WRONG_RELU_BACKWARD[name] for name in TESTS]
    assert float(rows[1]["score"]) == sum(WRONG_RELU_BACKWARD.values())


def test_cli_empty_submission_unsandboxed_from_the_project_root_scores_zero(tmp_path: Path) -> None:
    (tmp_path / "nobody").mkdir()
    (tmp_path / "nobody" / "notes.txt").write_text("no code here\n")
    out = tmp_path / "out"
    run = autograder("grade", str(tmp_path / "nobody"), "-o", str(out), "--no-data", "--tests", *TESTS,
                     "--unsandboxed", cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "WITHOUT a sandbox" in run.stderr
    data = json.loads((out / "nobody" / "results.json").read_text())
    assert data["score"] == 0 and data["max_score"] == sum(POINTS.values())
    assert all(t["score"] == 0 and t["status"] == "failed" for t in data["tests"])
    assert "no cs231n/ folder was found" in data["output"]


def test_cli_without_bwrap_refuses_unless_unsandboxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    alice = reference_copy(tmp_path / "alice")
    out = tmp_path / "out"
    args = ["grade", str(alice), "-o", str(out), "--no-data", "--tests", *TESTS]
    with pytest.raises(SystemExit) as refused:
        cli.main(args)
    assert "bubblewrap (bwrap) is not installed" in str(refused.value.code)
    assert "--unsandboxed" in str(refused.value.code)
    assert not list(out.rglob("results.json"))
    with pytest.raises(SystemExit) as refused_check:
        cli.main(["check", str(alice)])
    assert "--unsandboxed" in str(refused_check.value.code)

    assert cli.main([*args, "--unsandboxed"]) == 0
    assert "WITHOUT a sandbox" in capsys.readouterr().err
    assert json.loads((out / "alice" / "results.json").read_text())["score"] == sum(POINTS.values())

