"""How the runner process is started: under bubblewrap with limits, or (only when asked) without a sandbox.

Inside the bubblewrap sandbox the runner sees only:
  /usr, /lib*, /etc/ld.so.* (system libraries, read-only), the Python installation and the virtual environment with
  numpy (read-only), /submission (a scratch copy of the student's files, read-only), /grader (runner.py and wire.py,
  read-only), /data (only when a test needs CIFAR-10, read-only) and a private /tmp (tmpfs, size-limited).
It has no network (new network namespace), its own PID namespace (nothing it starts survives it), no view of the
project, the reference solution, the hidden tests, other submissions or the output folder. Limits: address space,
CPU time, file size, open files and, where the pids cgroup is writable, the number of processes.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import sysconfig
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

RUNNER_DIR = Path(__file__).resolve().parent / "runner"
PIDS_CGROUP = Path("/sys/fs/cgroup/pids")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing and running without a sandbox was not explicitly allowed."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one runner process (and everything it starts)."""

    memory_bytes: int = 6 << 30
    cpu_seconds: int = 1800
    file_bytes: int = 64 << 20
    tmp_bytes: int = 256 << 20
    open_files: int = 256
    processes: int = 64
    blas_threads: int = 1


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _python_roots() -> list[Path]:
    """The folders the interpreter and its packages live in (the base installation and the virtual environment)."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(Path(sysconfig.get_paths()[key]).resolve())
    keep = []
    for root in sorted(roots, key=lambda p: len(p.parts)):
        if not any(root.is_relative_to(k) for k in keep) and root.exists():
            keep.append(root)
    return keep


def _system_binds() -> list[str]:
    args: list[str] = []
    for name in ("usr", "lib", "lib64", "lib32", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    return args


def bwrap_command(submission: Path, data: Path | None, limits: Limits) -> list[str]:
    """The bubblewrap command line that starts the runner on SUBMISSION (a folder holding cs231n/)."""
    args = [bwrap_path() or "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    args += _system_binds()
    for root in _python_roots():
        args += ["--ro-bind", str(root), str(root)]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    args += ["--ro-bind", str(submission), "/submission", "--ro-bind", str(RUNNER_DIR), "/grader"]
    if data is not None:
        args += ["--ro-bind", str(data), "/data"]
    args += ["--chdir", "/tmp", "--clearenv"]
    for key, value in runner_env(limits).items():
        args += ["--setenv", key, value]
    args += [sys.executable, "-I", "/grader/runner.py", "/submission"]
    return args


def runner_env(limits: Limits) -> dict[str, str]:
    threads = str(limits.blas_threads)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/tmp",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "PYTHONHASHSEED": "0",
    }
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on some machines for correctness: keep them
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def unsandboxed_command(submission: Path) -> list[str]:
    """The runner without a sandbox: isolated interpreter (-I), so neither the project nor PYTHONPATH is on sys.path."""
    return [sys.executable, "-I", str(RUNNER_DIR / "runner.py"), str(submission)]


def _sweep_abandoned(min_age: float = 600.0) -> None:
    """Delete groups left behind by a grading process that was killed (-9) before it could clean up: only empty
    ones (the kernel refuses to delete a group with processes) older than MIN_AGE seconds (so not a group another
    worker has just created and is about to enter)."""
    now = time.time()
    for group in PIDS_CGROUP.glob("autograder-*"):
        try:
            if now - group.stat().st_mtime > min_age and not (group / "cgroup.procs").read_text().strip():
                group.rmdir()
        except OSError:
            pass


class PidsCgroup:
    """A pids cgroup (v1) that caps how many processes a runner and its children may have, where it is writable."""

    def __init__(self, max_pids: int) -> None:
        self.path: Path | None = None
        if os.geteuid() != 0 or not os.access(PIDS_CGROUP, os.W_OK):
            return
        _sweep_abandoned()
        path = PIDS_CGROUP / f"autograder-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_pids))
            self.path = path
        except OSError:
            self.path = None

    def enter(self) -> None:
        """Move the calling process into the group (called in the child before exec)."""
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def kill_all(self) -> None:
        if self.path is None:
            return
        try:
            for pid in (self.path / "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), 9)
                except ProcessLookupError:
                    pass
        except OSError:
            pass

    def remove(self, wait: float = 5.0) -> None:
        """Kill what is left in the group and delete it (retrying while killed processes are still exiting)."""
        if self.path is None:
            return
        deadline = time.monotonic() + wait
        while True:
            self.kill_all()
            try:
                self.path.rmdir()
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)
        self.path = None


def apply_limits(limits: Limits) -> None:
    """Set the resource limits of the calling process (called in the child before exec). A limit the system
    does not support (macOS has no RLIMIT_AS, for a student's `autograder check`) is left as it is."""
    for kind, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_NOFILE, limits.open_files),
                        (resource.RLIMIT_CORE, 0)):
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            if sys.platform.startswith("linux"):
                raise
    if os.geteuid() != 0:
        # RLIMIT_NPROC counts every task of the user, not only the runner's: allow LIMITS.processes more than now
        # (a plain limit of 64 would keep a user with 64 processes from starting the sandbox at all).
        nproc = _tasks_of(os.getuid()) + limits.processes
        hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
        if hard != resource.RLIM_INFINITY:
            nproc = min(nproc, hard)
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _tasks_of(uid: int) -> int:
    """How many tasks (processes and their threads) the real user UID runs now."""
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(fields["Uid"].split()[0]) == uid:
            count += int(fields["Threads"])
    return count
