"""The corpus of broken and hostile submissions (tests/corpus/cases/, built by tests/hostile_corpus.py), graded by
`autograder grade` with two workers, together with a clean copy of the reference as another student.

For every case: the grader finishes; the tests the case names score 0 (or part of their points) with feedback
naming the cause, every other test keeps its full points, the notes say what was noticed, and the time per test
and per submission stays bounded. For every run: no file outside the grader's scratch space changes (the output
folder beyond the results it writes, the submissions, the project's cs231n/ and autograder/), nothing escapes into
/tmp or beside the submissions, no process the cases started survives (by the marker in their command line, by
the runners' bwrap command lines, by the pids cgroups), nothing reaches a server on the judge's localhost, the
scratch space is gone, and the clean student's results equal those of grading it alone.

The cases marked `quick` run unmarked; the whole corpus is marked slow."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder import cgroups as runner_cgroups
from autograder import cli, grade, rubric, sandbox
from autograder.submission import Submission
from tests.helpers import ROOT, live_processes, reference_copy
from tests.hostile_corpus import Case, build, load_all, matches

CASES = load_all()
QUICK = [c for c in CASES if c.quick]
CLEAN = "clean_reference"
TIMEOUT = 3.0  # --timeout: seconds per call into student code
SLACK = 10.0  # on top of a test's time limits: stopping a runner and its processes, a loaded machine
WATCHED = [ROOT / "cs231n", ROOT / "autograder"]
OLD_RESULT = {"score": 1, "max_score": 2, "tests": [], "autograder": {
    "student": "zoe", "score": 1.0, "max_score": 2.0, "tests": [], "notes": [], "execution_time": 1.0}}


@dataclass
class Run:
    """What one grading of a set of cases gave, and what it left behind."""

    marker: str
    results: dict[str, dict] = field(default_factory=dict)
    solo: dict[tuple[str, ...], list[tuple]] = field(default_factory=dict)
    clean: dict[tuple[str, ...], list[tuple]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    walls: dict[tuple[str, ...], float] = field(default_factory=dict)
    peak_marked: int = 0  # the most processes carrying the marker seen at once during grading
    saw_cgroups: bool = False  # whether grading made pids cgroups


# -- snapshots -------------------------------------------------------------------------------------------------
def snapshot(*folders: Path) -> dict[str, tuple]:
    """{path: (kind, mtime, size, sha256 or link target)} of everything under FOLDERS (FIFOs are not opened)."""
    found = {}
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            if "__pycache__" in path.parts:
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[str(path)] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                found[str(path)] = ("file", info.st_mtime_ns, info.st_size, _digest(path))
            else:
                found[str(path)] = (stat.S_IFMT(info.st_mode), info.st_mtime_ns if path.is_file() else 0)
    return found


def _digest(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def differences(before: dict[str, tuple], after: dict[str, tuple]) -> list[str]:
    return sorted(f"{'added' if p not in before else 'removed' if p not in after else 'changed'}: {p}"
                  for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def processes_with(*needles: str) -> list[str]:
    """The live processes whose command line contains one of NEEDLES, as "PID: command line"."""
    return [f"{pid}: {cmdline[:200]}" for pid, cmdline in live_processes(*needles).items()]


def cgroups() -> set[Path]:
    return runner_cgroups.groups_under_parents()


def cgroups_available() -> bool:
    group = runner_cgroups.RunnerCgroup(1, 1.0, 1 << 30)
    available = bool(group.groups)
    group.remove()
    return available


def leaked_cgroups(before: set[Path], needles: tuple[str, ...]) -> list[str]:
    """The pids cgroups made during the run that are still there: empty (left behind) or holding our processes.
    (A group holding only other processes belongs to grading that runs beside this test.)"""
    leaked = []
    for group in sorted(cgroups() - before):
        try:
            pids = (group / "cgroup.procs").read_text().split()
        except OSError:
            continue
        ours = [p for p in pids if any(n.encode() in _cmdline(p) for n in needles)]
        if not pids or ours:
            leaked.append(f"{group.name}: {pids}")
    return leaked


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def eventually(probe, within: float = 8.0) -> list[str]:
    """PROBE() after it becomes empty, or its last value after WITHIN seconds (killed processes take a moment)."""
    deadline = time.monotonic() + within
    while (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


# -- running the corpus ----------------------------------------------------------------------------------------
def summary(result: dict) -> list[tuple]:
    """What must not depend on who else is graded: each test's name, score, status and feedback."""
    return [(t["name"], t["score"], t["status"], t["output"]) for t in result["tests"]]


def solo(folder: Path, tests: list[str], scratch: Path) -> list[tuple]:
    options = grade.GradeOptions(rubric=rubric.load(), tests=tests, scratch=scratch, call_timeout=TIMEOUT)
    result = grade.grade(Submission(CLEAN, folder), options)
    return [(t.name, t.score, t.status, t.output) for t in result.tests]


def grade_group(run: Run, subs: Path, out: Path, tests: tuple[str, ...], students: list[str], tmpdir: Path) -> None:
    """`autograder grade` on the named STUDENTS of SUBS with two workers, watching what it starts meanwhile."""
    args = ["grade", str(subs), "-o", str(out), "--no-data", "--tests", *tests, "--timeout", str(TIMEOUT),
            "--workers", "2", "--quiet"]
    for student in students:
        args += ["--student", student]
    start, groups, log = time.monotonic(), cgroups(), tmpdir.parent / "stderr.txt"
    with open(log, "w") as stderr, subprocess.Popen([str(ROOT / "bin" / "autograder"), *args], cwd=tmpdir,
                                                    stdout=subprocess.DEVNULL, stderr=stderr,
                                                    env={**os.environ, "TMPDIR": str(tmpdir)}) as grading:
        while grading.poll() is None:  # evidence that the checks of what is left behind are not vacuous
            run.peak_marked = max(run.peak_marked, len(processes_with(run.marker)))
            run.saw_cgroups |= bool(cgroups() - groups)
            time.sleep(0.05)
    run.walls[tests] = time.monotonic() - start
    if grading.returncode:
        run.crashes.append(log.read_text()[-3000:])


def left_behind(tmp: Path, marker: str, groups_before: set[Path], listener: socket.socket) -> list[str]:
    """Processes, pids cgroups, files and scratch space a run under TMP left, and connections to LISTENER."""
    needles = (marker, str(tmp))
    found = eventually(lambda: processes_with(*needles)) + eventually(lambda: leaked_cgroups(groups_before, needles))
    found += [f"file: {p}" for p in [*tmp.rglob(f"*{marker}*"), *Path("/tmp").glob(f"*{marker}*")]]
    found += [f"scratch: {p}" for p in [*(tmp / "tmpdir").iterdir(), *(tmp / "solo").iterdir()]]
    try:
        listener.accept()
        found.append("a connection reached a server on the judge's localhost")
    except BlockingIOError:
        pass
    return found


def corpus_run(cases: list[Case], tmp: Path) -> Run:
    marker = str(800_000_000 + time.monotonic_ns() // 1000 % 99_999_999)
    subs, out, tmpdir = tmp / "subs", tmp / "out", tmp / "tmpdir"
    for folder in (subs, out / "zoe", tmpdir):
        folder.mkdir(parents=True)
    (out / "zoe" / "results.json").write_text(json.dumps(OLD_RESULT))  # a result of an earlier run: kept as it is
    (out / "instructor-notes.txt").write_text("not the grader's\n")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        values = {"MARKER": marker, "ROOT": str(ROOT), "SUBMISSIONS": str(subs), "OUT": str(out), "LONG": "n" * 300,
                  "PORT": str(listener.getsockname()[1])}
        clean = reference_copy(subs / CLEAN)
        for case in cases:
            build(case, subs, {**values, "STUDENT": case.graded_as})
        run = Run(marker)
        before, groups_before = snapshot(subs, out, *WATCHED), cgroups()
        groups: dict[tuple[str, ...], list[str]] = {}
        for case in cases:
            groups.setdefault(case.tests, [CLEAN]).append(case.graded_as)
        for tests, students in groups.items():
            grade_group(run, subs, out, tests, students, tmpdir)
            clean_result = out / CLEAN / "results.json"
            run.clean[tests] = summary(json.loads(clean_result.read_text())) if clean_result.is_file() else []
            run.solo[tests] = solo(clean, grade.selected_tests(list(tests), False), tmp / "solo")
        run.leftovers = left_behind(tmp, marker, groups_before, listener)
    expected = {str(out / s / f) for g in groups.values() for s in g for f in ("results.json", "feedback.html")}
    expected |= {str(out / "grades.csv"), str(out / "report.html")} | {str(out / s) for g in groups.values() for s in g}
    after = snapshot(subs, out, *WATCHED)
    run.changed = [d for d in differences(before, after) if d.split(": ", 1)[1] not in expected]
    run.results = {s: json.loads((out / s / "results.json").read_text()) for g in groups.values() for s in g
                   if (out / s / "results.json").is_file()}
    return run


# -- what each case and each run must give ---------------------------------------------------------------------
def check_case(run: Run, case: Case) -> None:
    assert case.graded_as in run.results, f"{case.name}: no result was written ({case.about})"
    result = run.results[case.graded_as]
    names = grade.selected_tests(list(case.tests), False)
    tests = {t["name"]: t for t in result["autograder"]["tests"]}
    assert list(tests) == names, f"{case.name}: graded {list(tests)}"
    got = {n: t["score"] for n, t in tests.items()}
    for name, kind in case.expected(names).items():
        t = tests[name]
        verdict = {"zero": t["score"] == 0, "full": t["score"] == t["max_score"],
                   "partial": 0 < t["score"] < t["max_score"]}[kind]
        assert verdict, f"{case.name} ({case.about}): {name} should score {kind}; scores: {got}\n{t['output']}"
        assert case.feedback_for(name) in t["output"], f"{case.name}: {name}'s feedback:\n{t['output']}"
        limit = case.test_seconds or 2 * TIMEOUT + SLACK  # an import and a call may each take the time limit
        assert t["seconds"] <= limit, f"{case.name}: {name} took {t['seconds']} s"
    for note in case.notes:
        assert note in result["output"], f"{case.name}: the notes do not mention {note!r}:\n{result['output']}"
    assert result["execution_time"] <= case.seconds, f"{case.name}: graded in {result['execution_time']} s"


def check_run(run: Run) -> None:
    assert not run.crashes, "autograder grade failed:\n" + "\n".join(run.crashes)
    assert not run.changed, "files outside the scratch space changed:\n" + "\n".join(run.changed)
    assert not run.leftovers, "left behind:\n" + "\n".join(run.leftovers)
    for tests, summary_ in run.clean.items():
        assert summary_ == run.solo[tests], f"the clean student's results depend on the others ({tests})"
        assert all(status == "passed" for _, _, status, _ in summary_)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return corpus_run(QUICK, tmp_path_factory.mktemp("quick"))


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    start = time.monotonic()
    run = corpus_run(CASES, tmp_path_factory.mktemp("corpus"))
    yield run
    walls = ", ".join(f"{' '.join(tests)}: {wall:.1f} s" for tests, wall in run.walls.items())
    print(f"\ncorpus: {len(CASES)} cases graded in {time.monotonic() - start:.1f} s ({walls})")


@pytest.mark.parametrize("case", QUICK, ids=[c.name for c in QUICK])
def test_quick_case(quick_run: Run, case: Case) -> None:
    check_case(quick_run, case)


def test_quick_run_changes_and_leaves_nothing_and_the_clean_student_is_unaffected(quick_run: Run) -> None:
    check_run(quick_run)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(full_run: Run, case: Case) -> None:
    check_case(full_run, case)


@pytest.mark.slow
def test_full_run_changes_and_leaves_nothing_and_the_clean_student_is_unaffected(full_run: Run) -> None:
    check_run(full_run)
    # The fork bomb and the orphans did start processes, which grading then ended; and the runners' pids cgroups
    # were made (where this machine allows them) and removed.
    assert full_run.peak_marked > 0
    assert full_run.saw_cgroups or not cgroups_available()


def test_every_case_is_well_formed() -> None:
    """Each case says what it is about and names only tests of its group (a typo would make a case vacuous; unknown
    keys are refused when the cases are loaded)."""
    assert len(CASES) >= 50 and QUICK
    for case in CASES:
        assert case.about and case.tests
        group = set(grade.selected_tests(list(case.tests), False))
        for pattern in case.zero + case.partial + tuple(case.feedback if isinstance(case.feedback, dict) else ()):
            assert any(matches(n, (pattern,)) for n in group), f"{case.name}: {pattern!r} names no test of its group"


def test_refusing_to_grade_without_bwrap_creates_no_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    out = tmp_path / "out"
    with pytest.raises(SystemExit, match="bubblewrap"):
        cli.main(["grade", str(reference_copy(tmp_path / "alice")), "-o", str(out), "--no-data"])
    assert not out.exists()
