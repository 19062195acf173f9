"""How the runner process is started: under bubblewrap with limits, or (only when asked) without a sandbox.

Inside the bubblewrap sandbox the runner sees only:
  /usr, /lib*, /etc/ld.so.* (system libraries, read-only), the Python installation and the virtual environment with
  numpy (read-only), /submission (a scratch copy of the student's files, read-only), /grader (runner.py and wire.py,
  read-only), /data (only when a test needs CIFAR-10, read-only), a read-only /proc of its own PID namespace and a
  read-only /dev. The only writable places are /tmp and /dev/shm, two size-capped tmpfs (their pages count against
  the runner's memory cgroup where there is one); `/` itself is read-only. /sys is not there.
It has no network (new network namespace), its own PID namespace (nothing it starts survives it), no view of the
project, the reference solution, the hidden tests, other submissions or the output folder. A grader started as root
runs the runner as an unprivileged user of its own (identity.py), never as root; a seccomp filter (syscalls.py)
refuses the system calls numpy code never needs. Limits: address space, CPU time, file size, open files and
processes per process, and pids, CPU and memory cgroups (cgroups.py) for the runner and all it starts.
"""

from __future__ import annotations

import os
import resource
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from autograder.identity import RunnerUser

RUNNER_DIR = Path(__file__).resolve().parent / "runner"
RUNNER_FILES = ("runner.py", "wire.py")
PYTHON_ENV = "AUTOGRADER_RUNNER_PYTHON"  # the runner's interpreter without bubblewrap (default: the grader's)


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing and running without a sandbox was not explicitly allowed."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one runner process (and everything it starts)."""

    # Address space per process (RLIMIT_AS) and, with the tmpfs caps, the memory cgroup: grading the solutions peaks
    # at 660 MiB RSS in the runner (`bin/bench`, README's figures), and its address space is at most about 1.4 GiB:
    # 740 MiB after `import torch` and a convolution (VmPeak in /proc/self/status) and 600 MB of mapped training
    # images; 6 GiB leaves student code 4x that, and the runners of one worker per core (2 here) fit in half of 24 GB.
    memory_bytes: int = 6 << 30
    # CPU seconds of the runner process (RLIMIT_CPU), a backstop behind the per-call limits and the submission's
    # budget: 3x the rubric's default budget of 600 s (grading the solutions takes 14.9 CPU s in all, `bin/bench`).
    cpu_seconds: int = 1800
    cpu_cores: float = 1.0  # CPU time per wall-clock second of the runner and all its children (cgroup)
    file_bytes: int = 64 << 20
    tmp_bytes: int = 256 << 20  # /tmp: with /dev/shm, the only places the runner can write
    shm_bytes: int = 16 << 20  # /dev/shm
    open_files: int = 256
    processes: int = 64
    blas_threads: int = 1

    @property
    def writable_bytes(self) -> int:
        """What the runner can keep in files, in all."""
        return self.tmp_bytes + self.shm_bytes


NO_BWRAP = ("bubblewrap (bwrap) is not installed, so student code cannot be isolated. Install it (apt-get install "
            "bubblewrap) or pass --unsandboxed to run student code with your own rights (it can then read and change "
            "any file you can, use the network and leave processes behind).")


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def setpriv_path() -> str | None:
    return shutil.which("setpriv")


def runner_python() -> str:
    """The interpreter of a runner without bubblewrap: $AUTOGRADER_RUNNER_PYTHON, else the grader's own. As root it
    runs as an unprivileged user, who must be able to read it and its packages (a Python under /root cannot)."""
    return os.environ.get(PYTHON_ENV) or sys.executable


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


def bwrap_command(submission: Path, data: Path | None, limits: Limits, user: RunnerUser | None = None,
                  seccomp_fd: int | None = None) -> list[str]:
    """The bubblewrap command line that starts the runner on SUBMISSION (a folder holding cs231n/). With USER (the
    grader is root) bubblewrap sets the sandbox up as root and setpriv switches to USER before Python starts; without,
    bubblewrap runs as the caller in a user namespace. SECCOMP_FD is an open file holding the BPF filter."""
    args = [bwrap_path() or "bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if user is None:
        args += ["--unshare-user", "--disable-userns"]
    else:  # kept only by setpriv, which drops them with root
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    # /tmp first: what is bound below it later (a clone under /tmp with its .venv) lies on top of the tmpfs.
    args += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    args += _system_binds()
    roots = _python_roots()
    for folder in sorted({a for root in roots for a in root.parents if a != Path("/") and a != Path("/tmp")}):
        args += ["--perms", "0755", "--dir", str(folder)]  # else bubblewrap makes them 0700: unusable to the runner
    for root in roots:
        args += ["--ro-bind", str(root), str(root)]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(limits.shm_bytes), "--tmpfs",
             "/dev/shm"]
    args += ["--ro-bind", str(submission), "/submission", "--ro-bind", str(RUNNER_DIR), "/grader"]
    if data is not None:
        args += ["--ro-bind", str(data), "/data"]
    args += ["--remount-ro", "/proc", "--remount-ro", "/dev", "--remount-ro", "/"]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    args += ["--chdir", "/tmp", "--clearenv"]
    for key, value in runner_env(limits).items():
        args += ["--setenv", key, value]
    if user is not None:
        args += [setpriv_path() or "setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
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


def unsandboxed_command(submission: Path, runner_dir: Path = RUNNER_DIR, python: str | None = None) -> list[str]:
    """The runner without a sandbox: isolated interpreter (-I), so neither the project nor PYTHONPATH is on sys.path."""
    return [python or runner_python(), "-I", str(runner_dir / "runner.py"), str(submission)]


def apply_limits(limits: Limits, own_user: bool = False) -> None:
    """Set the resource limits of the calling process (called in the child before exec). OWN_USER: the runner will
    run as a user of its own, whose processes RLIMIT_NPROC then counts exactly. A limit the system does not support
    (macOS has no RLIMIT_AS, for a student's `autograder check`) is left as it is."""
    for kind, value in ((resource.RLIMIT_AS, limits.memory_bytes), (resource.RLIMIT_CPU, limits.cpu_seconds),
                        (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_NOFILE, limits.open_files),
                        (resource.RLIMIT_CORE, 0), (getattr(resource, "RLIMIT_MSGQUEUE", None), 0)):
        if kind is None:
            continue
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            if sys.platform.startswith("linux"):
                raise
    if own_user:
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    elif os.geteuid() != 0:
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
