"""Running one command and measuring it: wall time, CPU time of everything it starts, peak memory per role.

The grader's runners are killed at the end of a grading and their PID namespace reaps them, so their CPU time never
reaches getrusage(RUSAGE_CHILDREN). Where this process may create a cgroup (v2, or the v2 hierarchy of a hybrid
set-up), the command runs in a cgroup of its own and its cpu.stat gives the exact CPU time of every process it
started, however they ended. Elsewhere the CPU time is summed from /proc samples of the command's descendants
(it then misses what a process used after its last sample: at most one sampling interval per process).

Peak memory comes from /proc samples of each process's VmHWM (the kernel's own peak RSS of that process), kept
per role: the runners that execute student code, notebook kernels, and the grader (the command and its workers).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
INTERVAL = 0.05  # seconds between /proc samples
DISTURBED = 0.1  # other processes' CPU seconds per wall second above which a measurement is taken again
QUIET_LOAD, QUIET_WAIT = 1.0, 600.0  # before taking it again: wait for this 1-minute load, this many seconds at most


def load1() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all cores; idle and I/O wait excluded)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass
class Measurement:
    """What one command cost. CPU seconds count every process it started (see cpu_method); peaks are in MiB.
    others_cpu_s is the CPU time the rest of the machine used meanwhile: near 0, nothing competed with it."""

    wall_s: float
    cpu_s: float
    cpu_method: str
    peak_rss_mib: dict[str, float]
    peak_total_rss_mib: float
    load1_start: float
    others_cpu_s: float
    returncode: int
    output: str = field(repr=False, default="")
    attempts: int = 1

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["output"]
        return data


class CpuGroup:
    """A cgroup v2 below this process's own, holding the measured command and all it starts (None path: unusable)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        mount, own = _cgroup2_mount(), _own_cgroup2()
        if mount is None or own is None:
            return
        path = mount / own.lstrip("/") / f"benchmark-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
        except OSError:
            return
        if (path / "cpu.stat").is_file():
            self.path = path
        else:
            path.rmdir()

    def enter(self) -> None:
        """Move the calling process into the group (called in the child before exec)."""
        if self.path is not None:
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> list[int]:
        return [int(p) for p in (self.path / "cgroup.procs").read_text().split()] if self.path else []

    def cpu_seconds(self) -> float:
        fields = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines())
        return int(fields["usage_usec"]) / 1e6

    def remove(self, wait: float = 10.0) -> None:
        """Delete the group once the processes left in it (a sandbox's init being reaped) are gone."""
        deadline = time.monotonic() + wait
        while self.path is not None:
            try:
                self.path.rmdir()
                self.path = None
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def drained(self, wait: float = 10.0) -> None:
        deadline = time.monotonic() + wait
        while self.pids() and time.monotonic() < deadline:
            time.sleep(0.05)


def _cgroup2_mount() -> Path | None:
    for line in Path("/proc/self/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[2] == "cgroup2":
            return Path(parts[1])
    return None


def _own_cgroup2() -> str | None:
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        if line.startswith("0::"):
            return line[3:]
    return None


def role(cmdline: list[str]) -> str:
    """Which part of the work a process does, from its command line."""
    if any(arg.endswith("runner.py") for arg in cmdline):
        return "runner"
    if any("ipykernel" in arg for arg in cmdline):
        return "kernel"
    if cmdline and os.path.basename(cmdline[0]) == "bwrap":
        return "sandbox"
    return "grader"


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return None


def descendants(root: int) -> list[int]:
    """ROOT and every process below it (from the parent ids in /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _read(f"/proc/{entry}/stat")
            if stat:
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) PID has used so far, None if it is gone."""
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of PID in KiB; (0, 0) when it is gone or a kernel thread."""
    status = _read(f"/proc/{pid}/status") or ""
    values = {k: int(v.split()[0]) for k, v in (line.split(":", 1) for line in status.splitlines() if ":" in line)
              if k in ("VmHWM", "VmRSS")}
    return values.get("VmHWM", 0), values.get("VmRSS", 0)


def cmdline(pid: int) -> list[str]:
    return [a for a in (_read(f"/proc/{pid}/cmdline") or "").split("\0") if a]


class Sampler(threading.Thread):
    """Samples the processes of PIDS_OF() every INTERVAL s: peak RSS per role, peak total RSS, last CPU per pid."""

    def __init__(self, pids_of) -> None:
        super().__init__(daemon=True)
        self.pids_of = pids_of
        self.stop_event = threading.Event()
        self.roles: dict[int, str] = {}
        self.cpu: dict[int, float] = {}
        self.peak: dict[str, int] = {}
        self.peak_total = 0

    def sample(self, pids: Iterable[int]) -> None:
        total = 0
        for pid in pids:
            if pid not in self.roles:
                args = cmdline(pid)
                if not args:
                    continue
                self.roles[pid] = role(args)
            hwm, rss = memory_kib(pid)
            cpu = process_cpu(pid)
            if cpu is not None:
                self.cpu[pid] = cpu
            name = self.roles[pid]
            self.peak[name] = max(self.peak.get(name, 0), hwm)
            total += rss
        self.peak_total = max(self.peak_total, total)

    def run(self) -> None:
        while not self.stop_event.wait(INTERVAL):
            self.sample(self.pids_of())

    def finish(self) -> None:
        self.stop_event.set()
        self.join()


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 7200) -> Measurement:
    """Run CMD in CWD with ENV and measure it (see the module's docstring)."""
    group = CpuGroup()
    start_load, start_busy = load1(), machine_busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=group.enter)
    sampler = Sampler(group.pids if group.path else lambda: descendants(proc.pid))
    sampler.start()
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    finally:
        wall = time.perf_counter() - start
        busy = machine_busy_seconds() - start_busy
        sampler.finish()
    if group.path is not None:
        group.drained()
        cpu, method = group.cpu_seconds(), "cgroup"
        group.remove()
    else:
        cpu, method = sum(sampler.cpu.values()), "sampled"
    mib = {name: round(kib / 1024, 1) for name, kib in sorted(sampler.peak.items()) if name != "sandbox"}
    others = round(max(busy - cpu, 0.0), 2)
    return Measurement(round(wall, 3), round(cpu, 3), method, mib, round(sampler.peak_total / 1024, 1), start_load,
                       others, proc.returncode, output)


def disturbed(measurement: Measurement) -> bool:
    return measurement.others_cpu_s > DISTURBED * measurement.wall_s


def run_undisturbed(cmd: list[str], cwd: Path, env: dict[str, str], what: str, attempts: int = 3) -> Measurement:
    """run(), taken again (after the machine calmed down) while other processes used more than DISTURBED of a core
    during it, ATTEMPTS times at most; the least disturbed run. Only for commands that can run again as they did."""
    runs: list[Measurement] = []
    while True:
        runs.append(run(cmd, cwd, env))
        if runs[-1].returncode != 0 or not disturbed(runs[-1]) or len(runs) == attempts:
            break
        print(f"benchmarks: {what} was disturbed (other processes used {runs[-1].others_cpu_s:.1f} CPU s "
              "meanwhile); measuring it again", file=sys.stderr, flush=True)
        wait_until_idle(QUIET_LOAD, QUIET_WAIT)
    best = min(runs, key=lambda m: m.others_cpu_s / max(m.wall_s, 1e-9))
    best.attempts = len(runs)
    return best


def checked(measurement: Measurement, what: str) -> Measurement:
    """MEASUREMENT, or RuntimeError with its output when the command failed."""
    if measurement.returncode != 0:
        raise RuntimeError(f"{what} failed with status {measurement.returncode}:\n{measurement.output[-3000:]}")
    return measurement


def measured(cmd: list[str], cwd: Path, env: dict[str, str], what: str) -> Measurement:
    """The undisturbed measurement of CMD (run_undisturbed), which must succeed."""
    return checked(run_undisturbed(cmd, cwd, env, what), what)


def median_of(repeats: int, measure: Callable[[], Measurement]) -> dict:
    """The run of median wall time (the upper one for an even count) among REPEATS runs of MEASURE, with every
    run's wall time."""
    runs = sorted((measure() for _ in range(repeats)), key=lambda m: m.wall_s)
    chosen = runs[len(runs) // 2].to_dict()
    chosen["wall_s_runs"] = [m.wall_s for m in runs]
    return chosen


def wait_until_idle(max_load: float, max_wait: float, poll: float = 30.0) -> dict[str, float]:
    """Sleep until the 1-minute load is below MAX_LOAD or MAX_WAIT seconds passed; what was waited and seen."""
    start = time.monotonic()
    load = load1()
    while load >= max_load and time.monotonic() - start < max_wait:
        print(f"benchmarks: load {load:.2f} >= {max_load}; waiting ({time.monotonic() - start:.0f} s so far)",
              file=sys.stderr, flush=True)
        time.sleep(poll)
        load = load1()
    return {"waited_s": round(time.monotonic() - start), "load1": load, "max_load": max_load}
