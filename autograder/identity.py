"""The unprivileged user each runner runs as when the grader is root.

Student code must never run as the host's root, whoever starts the grader. A grader started as root takes, for each
runner session, a user and group id of its own from IDS (ids no account uses), held by a lock file in LOCKS for as
long as the session lives, so that runners graded at the same time (pool workers, Dask workers, two grading runs)
never share one. Being alone under its id is what makes two more layers exact: RLIMIT_NPROC, which counts a user's
processes machine-wide, caps the runner's processes without any cgroup; and every process of that id is the
runner's, so none can be overlooked when they are killed (`kill(-1)` as that user reaches exactly them).

A grader that is not root runs its runners as itself (bubblewrap then uses a user namespace).
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

FIRST_ID = 3_900_000_000  # far above login accounts (1000-59999), systemd's dynamic users and subuid ranges
COUNT = 1024
LOCKS_NAME = "autograder-runner-ids"


class NoRunnerId(RuntimeError):
    """Every runner id is taken (more than COUNT runners at once on this machine)."""


def _locks() -> Path:
    """The root-only folder of lock files (in /run where it exists, else the temporary folder)."""
    base = Path("/run") if os.access("/run", os.W_OK) else Path(tempfile.gettempdir())
    folder = base / LOCKS_NAME
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != 0 or info.st_mode & 0o077:
        raise NoRunnerId(f"{folder} must be a folder of root's with mode 0700")
    return folder


@dataclass
class RunnerUser:
    """One runner's user and group id, reserved until `release`."""

    uid: int
    gid: int
    _lock: int = -1

    @classmethod
    def acquire(cls) -> RunnerUser | None:
        """A free id (None when the grader is not root, which cannot switch users)."""
        if os.geteuid() != 0:
            return None
        folder = _locks()
        start = random.randrange(COUNT)  # workers starting together rarely try the same ids
        for i in range(COUNT):
            uid = FIRST_ID + (start + i) % COUNT
            fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            kill_all(uid)  # what a grader killed before it could clean up may have left
            return cls(uid, uid, fd)
        raise NoRunnerId(f"all {COUNT} runner ids ({FIRST_ID}..{FIRST_ID + COUNT - 1}) are in use")

    def release(self) -> None:
        if self._lock >= 0:
            kill_all(self.uid)
            os.close(self._lock)
            self._lock = -1

    def become(self) -> None:
        """Switch the calling process to this user for good: no supplementary groups, no capabilities left."""
        os.setgroups([])
        os.setresgid(self.gid, self.gid, self.gid)
        os.setresuid(self.uid, self.uid, self.uid)


def in_use(uid: int) -> bool:
    """Whether a live runner session holds UID (a runner id's lock is released when its holder dies)."""
    if not FIRST_ID <= uid < FIRST_ID + COUNT:
        return False
    try:
        fd = os.open(_locks() / str(uid), os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def processes(uid: int) -> list[int]:
    """The processes (not yet reaped) whose owner is UID."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def alive(pid: int) -> bool:
    """Whether PID exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def kill_all(uid: int, wait: float = 5.0) -> None:
    """Kill every process of UID: `kill -9 -1` run as UID signals all of them at once (the kernel walks its task
    list under a lock, so a process cannot fork past it), then wait up to WAIT s until they are gone."""
    if not any(alive(p) for p in processes(uid)):
        return
    kill = shutil.which("kill", path="/usr/bin:/bin")
    if kill is not None:
        subprocess.run([kill, "-9", "-1"], user=uid, group=uid, extra_groups=[], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    deadline = time.monotonic() + wait
    while (left := [p for p in processes(uid) if alive(p)]) and time.monotonic() < deadline:
        kill_except(left, keep=-1)  # without a kill command, or for what forked meanwhile: one by one
        time.sleep(0.01)


def kill_except(pids: list[int], keep: int) -> None:
    for pid in pids:
        if pid != keep:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
