"""Control groups of runners: how many processes a runner and its children may have (pids), at most one core's
worth of CPU for all of them (cpu), and their memory, the files they keep in the sandbox's tmpfs included (memory).

A runner's group is made under the grading process's own group, in each hierarchy that has the controller:
cgroup v1 (`/sys/fs/cgroup/pids`, `cpu`, `memory`, one hierarchy each) or cgroup v2 (one hierarchy, where the
grading process's group must delegate the controllers: its `cgroup.subtree_control` lists them or may be made to,
as under `systemd-run --scope -p Delegate=yes`). Making groups needs root (or a delegated v2 group); where none can
be made, the other layers hold (see README: an unprivileged user per runner with RLIMIT_NPROC, per-process limits).

AUTOGRADER_CGROUPS=none|v1|v2 restricts which cgroup versions are used (default: both), e.g. to check the fallbacks
on a machine that has cgroups.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PREFIX = "autograder-"
SWITCH = "AUTOGRADER_CGROUPS"
CONTROLLERS = ("pids", "cpu", "memory")
CPU_PERIOD_US = 100_000


@dataclass(frozen=True)
class Parent:
    """Where a controller's runner groups are made: the grading process's own group in that hierarchy."""

    controller: str
    path: Path
    version: int


def _allowed(version: int) -> bool:
    wanted = os.environ.get(SWITCH, "v1,v2").lower()
    return f"v{version}" in wanted


def _own_groups() -> tuple[dict[str, str], str | None]:
    """({v1 controller: our group's path}, our v2 group's path or None), from /proc/self/cgroup."""
    v1: dict[str, str] = {}
    v2 = None
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return v1, v2
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            v2 = path
        for name in controllers.split(","):
            v1[name] = path
    return v1, v2


def _v2_mount() -> Path | None:
    for mount in (ROOT, ROOT / "unified"):
        if (mount / "cgroup.controllers").is_file():
            return mount
    return None


def parents() -> dict[str, Parent]:
    """For each controller that can be used here, where runner groups are made (a v1 hierarchy first)."""
    v1, v2 = _own_groups()
    found: dict[str, Parent] = {}
    for controller in CONTROLLERS:
        mount = ROOT / controller
        if _allowed(1) and controller in v1 and (mount / "cgroup.procs").is_file():
            path = mount / v1[controller].lstrip("/")
            if os.access(path, os.W_OK):
                found[controller] = Parent(controller, path, 1)
    mount = _v2_mount()
    if _allowed(2) and v2 is not None and mount is not None:
        path = mount / v2.lstrip("/")
        missing = [c for c in CONTROLLERS if c not in found]
        for controller in _delegated(path, missing):
            found[controller] = Parent(controller, path, 2)
    return found


def _delegated(path: Path, wanted: list[str]) -> list[str]:
    """Which of WANTED the v2 group PATH hands to its children, enabling them where it may."""
    try:
        available = (path / "cgroup.controllers").read_text().split()
        enabled = set((path / "cgroup.subtree_control").read_text().split())
    except OSError:
        return []
    for controller in wanted:
        if controller in available and controller not in enabled:
            try:  # refused (EBUSY) when the group itself holds processes, unless it is the root
                (path / "cgroup.subtree_control").write_text(f"+{controller}")
                enabled.add(controller)
            except OSError:
                pass
    return [c for c in wanted if c in enabled and os.access(path, os.W_OK)]


@dataclass
class RunnerCgroup:
    """The groups of one runner: MAX_PIDS processes (threads included), CPU_CORES cores' worth of CPU time and
    MEMORY_BYTES of memory (tmpfs files included) for the runner and all it starts. Only what this machine allows
    is made; `controllers` says what was."""

    max_pids: int
    cpu_cores: float
    memory_bytes: int
    groups: dict[str, Path] = field(default_factory=dict)

    def __post_init__(self) -> None:
        name = PREFIX + uuid.uuid4().hex[:12]
        for controller, parent in parents().items():
            _sweep_abandoned(parent.path)
            path = parent.path / name
            try:
                path.mkdir(exist_ok=True)
                self._configure(controller, path, parent.version)
                self.groups[controller] = path
            except OSError:
                try:
                    path.rmdir()
                except OSError:
                    pass

    def _configure(self, controller: str, path: Path, version: int) -> None:
        quota = int(self.cpu_cores * CPU_PERIOD_US)
        settings = {
            (1, "pids"): {"pids.max": str(self.max_pids)},
            (2, "pids"): {"pids.max": str(self.max_pids)},
            (1, "cpu"): {"cpu.cfs_period_us": str(CPU_PERIOD_US), "cpu.cfs_quota_us": str(quota)},
            (2, "cpu"): {"cpu.max": f"{quota} {CPU_PERIOD_US}"},
            (1, "memory"): {"memory.limit_in_bytes": str(self.memory_bytes)},
            (2, "memory"): {"memory.max": str(self.memory_bytes), "memory.swap.max": "0"},
        }[(version, controller)]
        for key, value in settings.items():
            try:
                (path / key).write_text(value)
            except FileNotFoundError:
                if key != "memory.swap.max":  # a kernel without swap accounting has no such file
                    raise

    @property
    def controllers(self) -> set[str]:
        return set(self.groups)

    def _dirs(self) -> list[Path]:
        return list(dict.fromkeys(self.groups.values()))

    def enter(self) -> None:
        """Move the calling process into every group (called in the child before exec)."""
        for path in self._dirs():
            (path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        """The processes in the runner's groups."""
        found: set[int] = set()
        for path in self._dirs():
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return sorted(found)

    def tasks(self) -> int | None:
        """How many tasks (processes and threads) the pids group counts now; None without one."""
        path = self.groups.get("pids")
        if path is None:
            return None
        try:
            return int((path / "pids.current").read_text())
        except (OSError, ValueError):
            return None

    def kill_all(self) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def remove(self, wait: float = 5.0) -> None:
        """Kill what is left in the groups and delete them (retrying while killed processes are still exiting)."""
        deadline = time.monotonic() + wait
        for path in self._dirs():
            while True:
                self.kill_all()
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)
        self.groups = {}


def _sweep_abandoned(parent: Path, min_age: float = 600.0) -> None:
    """Delete groups left behind by a grading process that was killed (-9) before it could clean up: only empty
    ones (the kernel refuses to delete a group with processes) older than MIN_AGE seconds (so not a group another
    worker has just created and is about to enter)."""
    now = time.time()
    for group in parent.glob(PREFIX + "*"):
        try:
            if now - group.stat().st_mtime > min_age and not (group / "cgroup.procs").read_text().strip():
                group.rmdir()
        except OSError:
            pass


def groups_under_parents() -> set[Path]:
    """Every runner group that exists now (for tests and sweeps)."""
    return {g for parent in parents().values() for g in parent.path.glob(PREFIX + "*")}
