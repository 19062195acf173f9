"""The judge's RunnerSession against code that misbehaves: hangs, exits, crashes, floods its output, forks, leaves
orphans, eats memory or disk, or writes forged frames on the protocol channel. Each case must end in a CallError
with a reason (never a hang or an exception of the judge's own), leave no process behind, and the next call must
work on a fresh runner.

Most cases run in the bubblewrap sandbox and, where it matters, also without it (--unsandboxed), and with and
without cgroups (AUTOGRADER_CGROUPS=none stands for a machine that has none to give)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from autograder import cgroups, sandbox, session
from autograder.runner import wire
from autograder.runner.wire import Handle
from autograder.session import CallError, InfrastructureError, RunnerSession
from tests.helpers import live_processes

MODES = [pytest.param(True, id="sandboxed"), pytest.param(False, id="unsandboxed")]
SHORT = 0.6  # seconds: the time limit of the calls that are meant to hang

# The student's package: cs231n/hostile.py holds every misbehaviour; cs231n/exits_at_import.py and
# cs231n/crashes_at_import.py end the interpreter as soon as they are imported.
HOSTILE = r'''
import fcntl
import os
import signal
import struct
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.warn("a warning at import, on stderr")
print("printed at import " * 1000)


def ok(x=7):
    return x


def add(a, b):
    return a + b


class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, x):
        return self.scale * x


def spin():
    while True:
        pass


def kind_of(arrays, name):
    return [type(arrays[name]).__name__, bool(arrays[name].flags.writeable)]


def loops_on_positive(x):
    while x > 0:
        pass
    return x


class Looping:
    def loss(self, x):
        return loops_on_positive(x)


def sleep():
    time.sleep(1000)


def stubborn():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    while True:
        try:
            time.sleep(1000)
        except BaseException:
            pass


def os_exit(code):
    os._exit(code)


def sys_exit(code):
    sys.exit(code)


def interrupt():
    raise KeyboardInterrupt


def kill_self(sig):
    os.kill(os.getpid(), sig)
    time.sleep(10)


def flood(megabytes):
    line = "x" * 1023 + "\n"
    fake = b"AGW1" + struct.pack("<Q", 20) + b'{"ok": true, "value"'
    for i in range(megabytes):
        sys.stdout.write(line * 512)
        sys.stderr.write(line * 511 + "still printing\n")
        os.write(1, fake)
        sys.stdout.buffer.write(fake)
    warnings.warn("a warning during the call")
    np.log(-np.ones(3))
    print("THE END", flush=True)
    return 42


def bomb(marker):
    started = 0
    for _ in range(200):
        try:
            pid = os.fork()
        except OSError:
            continue
        if pid == 0:
            try:
                os.execv("/bin/sleep", ["sleep", marker])
            finally:
                os._exit(0)
        started += 1
    return started


def spinners(count, seconds):
    """COUNT children and this process spin for SECONDS; returns (wall seconds, CPU seconds of all of them)."""
    start, pids = time.monotonic(), []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            while time.monotonic() - start < seconds:
                pass
            os._exit(0)
        pids.append(pid)
    while time.monotonic() - start < seconds:
        pass
    for pid in pids:
        os.waitpid(pid, 0)
    times = os.times()
    return time.monotonic() - start, times.user + times.system + times.children_user + times.children_system


def attack_host(judge_pid):
    """What a submission that wants the host's root tries; returns {attempt: outcome}."""
    import ctypes
    import errno as errnos

    libc = ctypes.CDLL(None, use_errno=True)
    found = {"uid": os.getuid(), "euid": os.geteuid()}

    def attempt(name, action):
        try:
            result = action()
            found[name] = "done" if result is None or result == 0 else result
        except OSError as exc:
            found[name] = errnos.errorcode.get(exc.errno, str(exc.errno))

    def c_call(function, *args):
        def action():
            if function(*args) == -1:
                raise OSError(ctypes.get_errno(), "")
        return action

    def write(path, text):
        def action():
            with open(path, "w") as f:
                f.write(text)
        return action

    def read(path):
        def action():
            with open(path, "rb") as f:
                f.read(16)
        return action

    with open("/proc/sys/kernel/core_pattern") as f:
        core = f.read()  # written back unchanged: nothing happens even where the write goes through
    attempt("write kernel.core_pattern", write("/proc/sys/kernel/core_pattern", core))
    attempt("write vm.drop_caches", write("/proc/sys/vm/drop_caches", "1"))
    attempt("write /proc/self/oom_score_adj", write("/proc/self/oom_score_adj", "0"))
    attempt("setuid(0)", lambda: os.setuid(0))
    attempt("ptrace the parent", c_call(libc.ptrace, 16, os.getppid(), None, None))
    attempt("ptrace the judge", c_call(libc.ptrace, 16, judge_pid, None, None))
    attempt("mount a tmpfs", c_call(libc.mount, b"none", b"/tmp", b"tmpfs", 0, None))
    attempt("unshare a user namespace", c_call(libc.unshare, 0x10000000))
    attempt("clone a user namespace", c_call(libc.syscall, 56, 0x10000000 | 17, 0, 0, 0, 0))
    attempt("keyctl", c_call(libc.syscall, 250, 0, 0, 0, 0, 0))
    attempt("bpf", c_call(libc.syscall, 321, 0, 0, 0))
    attempt("init_module", c_call(libc.syscall, 175, 0, 0, 0))
    attempt("kexec_load", c_call(libc.syscall, 246, 0, 0, 0, 0))
    attempt("memfd_create", c_call(libc.memfd_create, b"x", 0))
    attempt("shmget", c_call(libc.shmget, 0, 1 << 20, 0o1600))
    attempt("read the judge's environment", read(f"/proc/{judge_pid}/environ"))
    attempt("read /proc/1/environ", read("/proc/1/environ"))
    attempt("write /", write("/evil", "x"))
    attempt("write /dev", write("/dev/evil", "x"))
    attempt("see /sys", lambda: len(os.listdir("/sys")))
    return found


def fill(folder, megabytes):
    """Write 1 MB files into FOLDER until it is full; returns how many MB it took."""
    written = 0
    try:
        for i in range(megabytes):
            with open(os.path.join(folder, f"fill{i}"), "wb") as f:
                f.write(b"z" * (1 << 20))
            written += 1
    except OSError:
        pass
    return written


def orphans(marker, then=""):
    quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.Popen(["sleep", marker], start_new_session=True, **quiet)
    if os.fork() == 0:  # a classic daemon: fork, new session, fork again, exec
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", marker])
        os._exit(0)
    deadline = time.monotonic() + 5
    while running(marker) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    if then == "exit":
        os._exit(1)
    return running(marker)


def running(marker):
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                count += marker.encode() in f.read()
        except OSError:
            pass
    return count


def hog(chunk_mb):
    keep = []
    while True:
        keep.append(np.empty(chunk_mb << 17))


def big_file(folder, megabytes):
    with open(os.path.join(folder, "big.bin"), "wb") as f:
        for _ in range(megabytes):
            f.write(b"z" * (1 << 20))
    return megabytes


def many_files(folder, prefix, count, megabytes):
    for i in range(count):
        with open(os.path.join(folder, f"{prefix}{i}.bin"), "wb") as f:
            f.write(b"z" * (megabytes << 20))
    return count


def protocol_fd():
    """The write end of the runner's answer channel (found the way hostile code would: by looking)."""
    for fd in range(3, 64):
        try:
            kind = os.readlink(f"/proc/self/fd/{fd}")
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
        except OSError:
            continue
        if kind.startswith("pipe:") and kind != os.readlink("/proc/self/fd/2") and flags & os.O_ACCMODE == os.O_WRONLY:
            return fd
    raise RuntimeError("no protocol channel found")


def forge(header, then_sleep=True):
    """Write a hand-made frame on the answer channel, then hang (or return normally)."""
    data = header.encode("latin-1")
    os.write(protocol_fd(), b"AGW1" + struct.pack("<Q", len(data)) + data)
    if then_sleep:
        time.sleep(1000)
    return "returned"


def scribble(text):
    os.write(protocol_fd(), text.encode())
    return "returned"


def close_channel_and_hang():
    os.close(protocol_fd())
    time.sleep(1000)
'''


@pytest.fixture(autouse=True)
def _runner_python(runner_python_for_others: str) -> None:
    """As root, the runner without bubblewrap runs as an unprivileged user, who needs a Python it can read."""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("submission")
    (root / "cs231n").mkdir()
    (root / "cs231n" / "__init__.py").write_text("")
    (root / "cs231n" / "hostile.py").write_text(HOSTILE)
    (root / "cs231n" / "exits_at_import.py").write_text("import sys\nsys.exit(3)\n")
    (root / "cs231n" / "crashes_at_import.py").write_text("import os\nos._exit(5)\n")
    return root


def open_session(package: Path, sandboxed: bool, **limits: int) -> RunnerSession:
    return RunnerSession(package, sandboxed=sandboxed, limits=sandbox.Limits(**limits), call_timeout=20)


@pytest.fixture(scope="module")
def shared(package: Path) -> Iterator[RunnerSession]:
    """One sandboxed session for the cases that each leave it usable (a runner start costs about 0.5 s)."""
    with open_session(package, True) as s:
        yield s


@pytest.fixture
def runner(shared: RunnerSession) -> RunnerSession:
    """The shared session, running and warmed up (so that short time limits measure the call only)."""
    assert shared.call("hostile.ok") == 7
    return shared


def failure(s: RunnerSession, target: str, *args: object, timeout: float | None = None) -> CallError:
    """Call TARGET expecting a CallError; check the call did not outlast its time limit by much."""
    limit = s.call_timeout if timeout is None else timeout
    start = time.monotonic()
    with pytest.raises(CallError) as caught:
        s.call(target, *args, timeout=timeout)
    assert time.monotonic() - start < limit + 10  # stopping the runner and its processes takes a moment (at most 5
    # s waiting for a runner that closed its channel to exit), more on a loaded machine
    return caught.value


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def gone(marker: str, within: float = 5.0) -> bool:
    """Whether every process with MARKER ends within WITHIN seconds (killed processes take a moment to go)."""
    deadline = time.monotonic() + within
    while live_processes(marker):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def unique_marker() -> str:
    return str(900_000_000 + (time.monotonic_ns() // 1000) % 99_999_999)


def pids_group(s: RunnerSession) -> Path | None:
    """The session's pids cgroup, or None where this machine (or AUTOGRADER_CGROUPS) gives none."""
    return s.cgroup.groups.get("pids") if s.cgroup else None


def bound_or_skip(s: RunnerSession, sandboxed: bool) -> None:
    """Skip what nothing bounds: a grader that is not root, without the sandbox and without a cgroup, runs the runner
    as itself (trusted code only, see README)."""
    if s.user is None and pids_group(s) is None and not sandboxed:
        pytest.skip("without root, bubblewrap or a cgroup nothing bounds or finds the runner's processes")


CGROUPS = [pytest.param("v1,v2", id="cgroups"), pytest.param("none", id="no-cgroups")]


# -- hangs -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", ["hostile.spin", "hostile.sleep", "hostile.stubborn"])
def test_a_call_that_hangs_is_killed_at_its_time_limit_and_the_runner_restarts(
    runner: RunnerSession, target: str
) -> None:
    assert_replaced_after_timeout(runner, target)


def test_a_call_that_hangs_without_the_sandbox_is_killed_too(package: Path) -> None:
    with open_session(package, False) as s:
        assert s.call("hostile.ok") == 7
        assert_replaced_after_timeout(s, "hostile.stubborn")


def assert_replaced_after_timeout(s: RunnerSession, target: str) -> None:
    old, restarts, generation = s.proc.pid, s.restarts, s.generation
    error = failure(s, target, timeout=SHORT)
    assert error.kind == "timeout" and "time limit of 0.6 s" in error.describe()
    assert s.restarts == restarts + 1 and s.proc is None and not alive(old)
    assert s.call("hostile.add", 2, 3) == 5
    assert s.proc.pid != old and s.generation == generation + 1


def test_what_hung_once_gets_a_short_limit_afterwards_and_still_works_where_it_returns(package: Path) -> None:
    """A function, or a method of a class (keyed by the class), that did not finish once gets hung_timeout seconds
    in later calls (any input, any object of the class); other callables keep the full limit."""
    with RunnerSession(package, call_timeout=2.0, hung_timeout=0.3) as s:
        assert s.call("hostile.ok") == 7

        def timed(target: object, *args: object, **kwargs: object) -> tuple[float, str]:
            start = time.monotonic()
            with pytest.raises(CallError) as caught:
                s.call(target, *args, **kwargs)
            assert caught.value.kind == "timeout"
            return time.monotonic() - start, caught.value.describe()

        seconds, message = timed("hostile.loops_on_positive", 1)
        assert seconds >= 2.0 and message == "did not finish within the time limit of 2 s"
        assert s.call("hostile.loops_on_positive", -1) == -1
        seconds, message = timed("hostile.loops_on_positive", 2)
        assert seconds < 1.5 and message.startswith("did not finish within 0.3 s (it had already failed to finish")
        seconds, _ = timed(s.call("hostile.Looping"), 1, attr="loss")
        assert seconds >= 2.0  # another callable: the full limit
        seconds, _ = timed(s.call("hostile.Looping"), 1, attr="loss")
        assert seconds < 1.5  # another object of the same class
        assert s.call(s.call("hostile.Looping"), -4, attr="loss") == -4


def test_the_grading_data_is_mapped_read_only_as_plain_arrays(package: Path, tmp_path: Path) -> None:
    np.save(tmp_path / "X.npy", np.arange(12.0).reshape(3, 4))
    np.save(tmp_path / "y.npy", np.array([1, 2, 3]))
    (tmp_path / "notes.txt").write_text("not an array")
    with RunnerSession(package, data=tmp_path) as s:
        arrays = s.load_arrays("/data")
        assert s.call("hostile.kind_of", arrays, "X") == ["ndarray", False]
        np.testing.assert_array_equal(s.get(arrays, "X"), np.arange(12.0).reshape(3, 4))
        assert sorted(s.get(arrays)) == ["X", "y"]


# -- exits and crashes -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("target", "args", "kind", "reason"), [
    ("hostile.os_exit", (0,), "crash", "ended the Python process (exit status 0)"),
    ("hostile.os_exit", (3,), "crash", "exited with status 3"),
    ("hostile.kill_self", (int(signal.SIGKILL),), "crash", "killed by SIGKILL"),
    ("hostile.kill_self", (int(signal.SIGSEGV),), "crash", "killed by SIGSEGV"),
    ("hostile.sys_exit", (0,), "exit", "tried to end the program (SystemExit: 0)"),
    ("hostile.sys_exit", (4,), "exit", "tried to end the program (SystemExit: 4)"),
    ("hostile.interrupt", (), "exception", "raised KeyboardInterrupt"),
    ("exits_at_import.anything", (), "exit", "tried to end the program (SystemExit: 3)"),
    ("crashes_at_import.anything", (), "crash", "exited with status 5"),
], ids=["os._exit(0)", "os._exit(3)", "SIGKILL", "SIGSEGV", "sys.exit(0)", "sys.exit(4)", "KeyboardInterrupt",
        "sys.exit at import", "os._exit at import"])
def test_exits_and_crashes_fail_the_call_with_their_reason_and_the_next_call_works(
    runner: RunnerSession, target: str, args: tuple, kind: str, reason: str
) -> None:
    restarts = runner.restarts
    error = failure(runner, target, *args)
    assert error.kind == kind and reason in error.describe()
    assert runner.restarts == restarts + (kind == "crash")  # SystemExit is caught in the runner, which goes on
    assert runner.call("hostile.add", 1, 1) == 2


# -- handles ---------------------------------------------------------------------------------------------------
def test_handles_from_before_a_restart_are_refused(runner: RunnerSession) -> None:
    model = runner.call("hostile.Model", 3.0)
    assert isinstance(model, Handle) and model.type == "Model"
    assert runner.call(model, 2.0, attr="loss") == 6.0
    assert runner.get(model, "scale") == 3.0
    failure(runner, "hostile.os_exit", 1)
    for use in (lambda: runner.call(model, 1.0, attr="loss"), lambda: runner.get(model, "scale"),
                lambda: runner.call("hostile.add", [model], [])):
        with pytest.raises(CallError) as caught:
            use()
        assert caught.value.kind == "stale"
    fresh = runner.call("hostile.Model", 5.0)
    assert fresh.id > model.id and runner.call(fresh, 2.0, attr="loss") == 10.0
    with pytest.raises(CallError, match="unknown handle"):  # a handle the runner never gave out
        runner.call(Handle(fresh.id + 1000), 1.0, attr="loss")


# -- output ----------------------------------------------------------------------------------------------------
def test_huge_prints_and_warnings_neither_block_nor_corrupt_the_protocol(runner: RunnerSession) -> None:
    restarts = runner.restarts
    assert runner.call("hostile.flood", 16) == 42  # 16 MB on stdout and stderr, with fake frames in it
    assert runner.output.total > 16 << 20
    assert runner.output.tail.rstrip().endswith(b"THE END")
    assert runner.restarts == restarts and runner.call("hostile.add", 2, 2) == 4


# -- processes -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cgroups", CGROUPS)
@pytest.mark.parametrize("sandboxed", MODES)
def test_a_fork_bomb_is_bounded_and_nothing_it_started_outlives_the_call(
    package: Path, sandboxed: bool, cgroups: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bounded with a pids cgroup, and also without one (a cgroup-v2 host that delegates nothing, simulated here by
    AUTOGRADER_CGROUPS=none): then the runner's own unprivileged user and RLIMIT_NPROC bound it, root or not."""
    monkeypatch.setenv("AUTOGRADER_CGROUPS", cgroups)
    marker, limit = unique_marker(), 24
    with open_session(package, sandboxed, processes=limit) as s:
        s.call("hostile.ok")
        bound_or_skip(s, sandboxed)
        assert (pids_group(s) is not None) == (cgroups != "none" and os.geteuid() == 0)
        started = s.call("hostile.bomb", marker)
        assert 0 < started < limit
        assert gone(marker, within=1.0), "processes of the fork bomb outlived the call"
        assert s.call("hostile.ok") == 7 and s.restarts == 0


@pytest.mark.parametrize("cgroups", CGROUPS)
@pytest.mark.parametrize("then", ["", "exit"], ids=["call returned", "runner crashed"])
@pytest.mark.parametrize("sandboxed", MODES)
def test_orphans_in_new_sessions_do_not_outlive_the_call(
    package: Path, sandboxed: bool, then: str, cgroups: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOGRADER_CGROUPS", cgroups)
    marker = unique_marker()
    with open_session(package, sandboxed) as s:
        s.call("hostile.ok")
        bound_or_skip(s, sandboxed)
        if then:
            error = failure(s, "hostile.orphans", marker, then, timeout=3)
            assert error.kind == "crash"
        else:
            assert s.call("hostile.orphans", marker) == 2  # both were running while the call ran
        assert gone(marker, within=1.0), "orphans outlived the call"
        assert s.call("hostile.ok") == 7


def test_a_runner_and_its_children_get_one_core_at_most(package: Path) -> None:
    """Three children spinning beside the runner for 2 s get, with it, about one core's worth of CPU time (the
    machine has two)."""
    with open_session(package, True) as s:
        s.call("hostile.ok")
        if s.cgroup is None or "cpu" not in s.cgroup.controllers:
            pytest.skip("no CPU cgroup can be made here")
        group = s.cgroup.groups["cpu"]
        quota = ((group / "cpu.cfs_quota_us").read_text(), (group / "cpu.cfs_period_us").read_text()) \
            if (group / "cpu.cfs_quota_us").exists() else tuple((group / "cpu.max").read_text().split())
        assert [int(v) for v in quota] == [100_000, 100_000]
        wall, cpu = s.call("hostile.spinners", 3, 2.0)
    # Without the cap they would get both cores (2 CPU s per s) on an idle machine; a loaded one gives them less.
    assert cpu / wall < 1.25, f"{cpu:.2f} CPU s in {wall:.2f} s"


# -- the host ----------------------------------------------------------------------------------------------------
REFUSED = {"EPERM", "EACCES", "EROFS", "ENOENT"}


@pytest.mark.parametrize("sandboxed", MODES)
def test_student_code_is_never_root_and_cannot_touch_the_kernel(package: Path, sandboxed: bool) -> None:
    """Whoever starts the grader (here: root), student code runs as an unprivileged user; the kernel's settings,
    other processes, mounts, namespaces, keys, BPF, modules, and memory outside the caps are refused (by the user,
    the read-only /proc, the seccomp filter, or all three)."""
    with open_session(package, sandboxed) as s:
        found = s.call("hostile.attack_host", os.getpid())
    assert found.pop("uid") != 0 and found.pop("euid") != 0
    if not sandboxed:  # without bubblewrap there is no private /proc, / or /dev: those are the host's own
        for name in ("write /", "write /dev", "see /sys", "write /proc/self/oom_score_adj"):
            found.pop(name)
    else:
        assert found.pop("write /proc/self/oom_score_adj") == "EROFS"  # all of /proc is read-only
        assert found.pop("see /sys") == "ENOENT"
    refused = {name: outcome for name, outcome in found.items() if outcome not in REFUSED}
    assert not refused, f"allowed: {refused}"


def test_every_writable_place_is_capped_in_total(package: Path) -> None:
    limits = {"tmp_bytes": 3 << 20, "shm_bytes": 2 << 20}
    with open_session(package, True, **limits) as s:
        written = {place: s.call("hostile.fill", place, 64) for place in ("/tmp", "/dev/shm", "/", "/dev",
                                                                          "/submission", "/grader")}
    assert written["/tmp"] <= 3 and written["/dev/shm"] <= 2
    assert written["/"] == written["/dev"] == written["/submission"] == written["/grader"] == 0


# -- memory and disk -------------------------------------------------------------------------------------------
def test_a_memory_hog_fails_cleanly(package: Path) -> None:
    with open_session(package, True, memory_bytes=1 << 30) as s:
        error = failure(s, "hostile.hog", 64)
        assert error.kind == "exception" and error.type_name == "MemoryError"
        assert s.call("hostile.ok", 8) == 8 and s.restarts == 0


@pytest.mark.parametrize("sandboxed", MODES)
def test_a_file_larger_than_the_limit_is_stopped(package: Path, sandboxed: bool) -> None:
    folder = Path(tempfile.mkdtemp(dir="/tmp"))  # without the sandbox: a folder the runner's user may write
    folder.chmod(0o777)
    try:
        with open_session(package, sandboxed, file_bytes=1 << 20) as s:
            error = failure(s, "hostile.big_file", "/tmp" if sandboxed else str(folder), 8)
            assert error.kind == "exception" and "File too large" in error.message
            assert s.call("hostile.ok") == 7
        if not sandboxed:
            assert (folder / "big.bin").stat().st_size <= 1 << 20
    finally:
        shutil.rmtree(folder)


def test_the_sandbox_tmp_is_small_and_private(package: Path) -> None:
    prefix = f"part{unique_marker()}-"
    with open_session(package, True, file_bytes=1 << 20, tmp_bytes=3 << 20) as s:
        error = failure(s, "hostile.many_files", "/tmp", prefix, 8, 1)
        assert error.kind == "exception" and "No space left" in error.message
    assert not list(Path("/tmp").glob(f"{prefix}*"))


# -- forged frames on the protocol channel ---------------------------------------------------------------------
def test_a_forged_answer_followed_by_a_hang_cannot_block_the_judge(runner: RunnerSession) -> None:
    s = runner
    restarts = s.restarts
    # The forged frame answers this call; the runner then sleeps instead of reading the next request, which is
    # far larger than a pipe holds: writing it must time out, not block the judge forever.
    forged = wire.encode({"ok": True, "value": {"value": "forged"}})[12:].decode()
    assert s.call("hostile.forge", forged) == "forged"
    error = failure(s, "hostile.add", np.zeros(1 << 20), 1.0, timeout=SHORT)
    assert error.kind == "timeout"
    assert s.restarts == restarts + 1 and s.call("hostile.add", 1, 2) == 3


@pytest.mark.parametrize("header", [
    '{"msg": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"msg": ' + "9" * 5000 + "}",
    '{"msg": {"__nd__": 0}, "blobs": [{"dtype": "<f8", "shape": [0, 1' + "0" * 30 + ']}]}',
    '{"msg": {"__nd__": 0}, "blobs": [{"dtype": "<f8", "shape": [1099511627776]}]}',
    '{"msg": {"__nd__": 0}, "blobs": [{"dtype": "|O", "shape": [1]}]}',
], ids=["deep nesting", "long integer", "impossible shape", "8 TB blob", "object dtype"])
def test_forged_unreadable_answers_fail_the_call_and_restart_the_runner(
    runner: RunnerSession, header: str
) -> None:
    restarts = runner.restarts
    error = failure(runner, "hostile.forge", header)
    assert error.kind == "protocol" and "unreadable answer" in error.message
    assert runner.restarts == restarts + 1 and runner.call("hostile.ok") == 7


def test_garbage_on_the_channel_is_a_protocol_failure(runner: RunnerSession) -> None:
    error = failure(runner, "hostile.scribble", "garbage")
    assert error.kind == "protocol" and "bad frame magic" in error.message
    assert runner.call("hostile.ok") == 7


@pytest.mark.parametrize("sandboxed", MODES)
def test_a_runner_that_closes_its_channel_and_hangs_is_replaced(
    package: Path, sandboxed: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_for_exit = RunnerSession._exit_code
    monkeypatch.setattr(RunnerSession, "_exit_code", lambda self, wait=5.0: wait_for_exit(self, 0.3))
    with open_session(package, sandboxed) as s:
        s.call("hostile.ok")
        error = failure(s, "hostile.close_channel_and_hang", timeout=SHORT)
        # Without the sandbox the judge sees the channel close; bubblewrap keeps its own copy open, so there the
        # call runs into its time limit. Either way the runner is replaced and the next call works.
        assert (error.kind, error.message) in {
            ("crash", "the runner process closed its channel unexpectedly"),
            ("timeout", "did not finish within the time limit of 0.6 s"),
        }
        assert s.restarts == 1 and s.call("hostile.add", 1, 1) == 2


def test_exit_reasons_name_the_signal_also_through_bubblewrap() -> None:
    assert "SIGXFSZ" in session._exit_reason(128 + signal.SIGXFSZ, sandboxed=True)
    assert "file size limit" in session._exit_reason(-signal.SIGXFSZ)
    assert "CPU time limit" in session._exit_reason(128 + signal.SIGXCPU, sandboxed=True)
    assert "status 137" in session._exit_reason(137, sandboxed=False)


def test_without_bwrap_a_sandboxed_session_is_refused(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    with pytest.raises(sandbox.SandboxUnavailable, match="--unsandboxed"):
        RunnerSession(package)
    with RunnerSession(package, sandboxed=False) as s:
        assert s.call("hostile.ok") == 7


def test_closing_the_session_ends_the_runner_and_removes_its_cgroups(package: Path) -> None:
    with open_session(package, True) as s:
        s.call("hostile.ok")
        pid, groups = s.proc.pid, list(s.cgroup.groups.values())
    assert not alive(pid) and not any(path.exists() for path in groups)


def test_a_runner_that_cannot_start_leaves_no_cgroup_behind(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[Path] = []
    real = cgroups.RunnerCgroup

    def recorded(*args: object) -> cgroups.RunnerCgroup:
        group = real(*args)
        if not group.groups:
            pytest.skip("no cgroup can be made here")
        created.extend(group.groups.values())
        return group

    def broken(limits: sandbox.Limits, own_user: bool = False) -> None:
        raise OSError("no limits today")

    monkeypatch.setattr(cgroups, "RunnerCgroup", recorded)
    monkeypatch.setattr(sandbox, "apply_limits", broken)
    with open_session(package, True) as s:
        for _ in range(2):  # each attempt makes groups; none may be left behind
            with pytest.raises(InfrastructureError, match="could not be started"):
                s.call("hostile.ok")
            assert s.proc is None and s.cgroup is None
    assert len(created) >= 2 and not any(path.exists() for path in created)


NOBODY = 4242  # an unused uid, to act as a user without privileges


def _as_nobody() -> None:
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_for_a_user_with_many_processes_the_sandbox_starts_and_forks_are_bounded() -> None:
    """Without root the process bound is RLIMIT_NPROC, which counts all the user's processes: the limit must be
    the user's current count plus Limits.processes, or a user who already runs that many cannot start bwrap."""
    others = [subprocess.Popen(["sleep", "60"], preexec_fn=_as_nobody) for _ in range(12)]

    def limited() -> None:
        _as_nobody()
        sandbox.apply_limits(sandbox.Limits(processes=8))

    def in_bwrap(script: str) -> subprocess.CompletedProcess:
        cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
               "/bin/sh", "-c", script]
        return subprocess.run(cmd, preexec_fn=limited, capture_output=True, text=True, timeout=30)

    try:
        few = in_bwrap("sleep 0 & sleep 0 & wait; echo fine")
        assert (few.returncode, few.stdout) == (0, "fine\n"), few.stderr
        storm = in_bwrap("for i in $(seq 40); do sleep 5 & done; echo unbounded")
        assert storm.returncode != 0 and "unbounded" not in storm.stdout and "fork" in storm.stderr
    finally:
        for p in others:
            p.kill()
            p.wait()
