"""The judge's side of the runner: start it, send requests, enforce time limits, restart it after a crash."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import cgroups, identity, sandbox, syscalls
from autograder.runner import wire
from autograder.runner.wire import Handle

CALL_TIMEOUT = 20.0  # seconds per call into student code (`grade --timeout`); correct calls take milliseconds
# The runner of generation G numbers its handles from G * HANDLE_BLOCK + 1, so a handle of an earlier runner (id at
# most G * HANDLE_BLOCK) is refused as stale: a block holds far more handles than one runner hands out (one per
# returned object that stays in the runner), and ids stay exact in JSON (below 2**53) for 9 million restarts.
HANDLE_BLOCK = 10**9
OUTPUT_TAIL = 16 << 10  # bytes of the runner's printed output kept while it runs (the feedback shows less)
STARTUP_TIMEOUT = 60.0  # seconds for a runner to start (bubblewrap, Python, numpy; about 0.3 s on an idle machine)
# The size of an answer is capped in proportion to its request: the tests' inputs are small, and what a function
# returns for them (outputs, caches, gradients) is a few times their size. Models and training stay in the runner.
MIN_ANSWER_BYTES = 16 << 20
ANSWER_FACTOR = 64
MAX_ANSWER_BYTES = 256 << 20
PRIVATE_BASE = "/tmp"  # as root: where a runner's private copy of the submission goes (its user must reach it)
PRIVATE_PREFIX = "autograder-runner-"
STICKY = ("timeout", "crash")  # import failures that would only repeat: remembered instead of retried
HUNG_TIMEOUT = 2.0  # seconds for later calls of a function or method that already hung once in this session
REAP_SECONDS = 5.0  # how long killing the processes a call left behind may take before the runner is replaced


class CallError(Exception):
    """A request that did not return a value: the student's code raised, exited, hung or crashed the runner."""

    def __init__(self, kind: str, message: str, *, type_name: str = "", traceback: str = "", output: str = ""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.type_name = type_name
        self.traceback = traceback
        self.output = output

    def describe(self) -> str:
        """One line a student can act on."""
        if self.kind == "exception":
            return f"raised {self.type_name}: {self.message}"
        if self.kind == "exit":
            detail = f": {self.message}" if self.message else ""
            return f"tried to end the program ({self.type_name}{detail}); cs231n code must not call exit()"
        return self.message


class InfrastructureError(CallError):
    """The runner could not be started: a fault of the machine or the grader, never of the submission (no student
    code has run yet when it happens). A submission that meets one is not graded, so that a rerun grades it."""

    def __init__(self, message: str, output: str = ""):
        super().__init__("infrastructure", message, output=output)


@dataclass
class _Output:
    """The tail of what the runner printed (its stdout and stderr), drained by a thread so it never blocks."""

    tail: bytes = b""
    total: int = 0

    def drain(self, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            self.total += len(chunk)
            self.tail = (self.tail + chunk)[-OUTPUT_TAIL:]


class RunnerSession:
    """One student's runner. Calls go through `request`; a crash or time-out ends that runner, the next call starts
    a fresh one (handles from before then are refused).

    Before the first use of a module of the package in a runner, the module is imported by a request of its own.
    When that import hangs or crashes the runner (a training loop or an exit at module level), the failure is
    remembered for the session and every later use of the module fails at once with the same reason, instead of
    costing each test the time limit again. Likewise a function or method (of a class: a model's `loss`) that did not
    finish within its time limit once gets at most `hung_timeout` seconds in every later call: the tests call a
    function many times, and code that loops forever would otherwise cost the full limit every time (correct
    calls on the tests' inputs take milliseconds).

    After every request, whatever processes the student's code started are killed: none outlives the request that
    started it. A DEADLINE (time.monotonic()) ends every call that would run past it (a submission's time budget)."""

    def __init__(
        self,
        submission: Path,
        *,
        sandboxed: bool = True,
        limits: sandbox.Limits | None = None,
        data: Path | None = None,
        call_timeout: float = CALL_TIMEOUT,
        hung_timeout: float = HUNG_TIMEOUT,
        deadline: float | None = None,
        budget_seconds: float = 0.0,
    ) -> None:
        if sandboxed and sandbox.bwrap_path() is None:
            raise sandbox.SandboxUnavailable(sandbox.NO_BWRAP)
        if os.geteuid() == 0:
            if sandboxed and sandbox.setpriv_path() is None:
                raise sandbox.SandboxUnavailable("setpriv (util-linux) is needed to run student code as an "
                                                 "unprivileged user when the grader is root (apt-get install "
                                                 "util-linux)")
            if not syscalls.available():
                raise sandbox.SandboxUnavailable("the seccomp filter needs libseccomp (apt-get install libseccomp2) "
                                                 "and pyseccomp (pip install pyseccomp)")
        self.submission = Path(submission).resolve()
        self.sandboxed = sandboxed
        self.limits = limits or sandbox.Limits()
        self.data = data
        self.call_timeout = call_timeout
        self.hung_timeout = hung_timeout
        self.deadline = deadline
        self.budget_seconds = budget_seconds
        self.generation = 0
        self.restarts = 0
        self.proc: subprocess.Popen | None = None
        self.runner_pid: int | None = None
        self.cgroup: cgroups.RunnerCgroup | None = None
        self.user: identity.RunnerUser | None = None
        self.infrastructure_error: InfrastructureError | None = None
        self.output = _Output()
        self._reader: wire.FrameReader | None = None
        self._drainer: threading.Thread | None = None
        # As root: the copy of the submission (and of the runner's files) the runner's user reads, made at its start.
        self._private = Path(PRIVATE_BASE) / f"{PRIVATE_PREFIX}{uuid.uuid4().hex[:16]}" if os.geteuid() == 0 else None
        self._baseline_tasks: int | None = None
        self.imported: set[str] = set()
        self.unimportable: dict[str, CallError] = {}
        self.hung: set[tuple[str, str]] = set()

    @property
    def data_path(self) -> str | None:
        """Where the runner sees the grading data."""
        if self.data is None:
            return None
        return "/data" if self.sandboxed else str(Path(self.data).resolve())

    @property
    def submission_path(self) -> str:
        """Where the runner sees the submission."""
        if self.sandboxed:
            return "/submission"
        return str(self._private / "submission" if self._private is not None else self.submission)

    # -- process -------------------------------------------------------------------------------------------
    def _command(self, seccomp_fd: int | None) -> list[str]:
        if self.sandboxed:
            submission = self.submission if self._private is None else self._private / "submission"
            cmd = sandbox.bwrap_command(submission, self.data, self.limits, self.user, seccomp_fd)
        elif self._private is not None:
            cmd = sandbox.unsandboxed_command(self._private / "submission", self._private / "grader")
        else:
            cmd = sandbox.unsandboxed_command(self.submission)
        return [*cmd, str(self.generation * HANDLE_BLOCK + 1)]

    def _prepare_user(self) -> None:
        """As root: take a user of the runner's own, and give it a private copy of the submission (and of the
        runner's files) that its group alone may read; nothing else of the grader's is readable by it."""
        if self.user is not None or os.geteuid() != 0:
            return
        try:
            self.user = identity.RunnerUser.acquire()
        except (identity.NoRunnerId, OSError) as exc:
            raise self._infrastructure(f"no unprivileged user for the runner: {exc}") from None
        for old in Path(PRIVATE_BASE).glob(f"{PRIVATE_PREFIX}*"):  # the copies of killed graders' runners
            with contextlib.suppress(OSError):
                gid = old.lstat().st_gid
                if gid == self.user.gid or (gid != 0 and not identity.in_use(gid)):
                    shutil.rmtree(old, ignore_errors=True)
        self._private.mkdir(mode=0o700)
        shutil.copytree(self.submission, self._private / "submission", symlinks=True)
        (self._private / "grader").mkdir()
        for name in sandbox.RUNNER_FILES:
            shutil.copyfile(sandbox.RUNNER_DIR / name, self._private / "grader" / name)
        _grant(self._private, self.user.gid)
        if self.data is not None:
            _share(Path(self.data))

    def _infrastructure(self, message: str, output: str = "") -> InfrastructureError:
        self.infrastructure_error = InfrastructureError(message, output)
        return self.infrastructure_error

    def start(self) -> None:
        self.generation += 1
        self._prepare_user()
        limits, user, sandboxed = self.limits, self.user, self.sandboxed
        self.cgroup = cgroup = cgroups.RunnerCgroup(limits.processes, limits.cpu_cores,
                                                    limits.memory_bytes + limits.writable_bytes)
        seccomp_fd = None
        install_filter = syscalls.loader(network=True) if not sandboxed and user is not None else None
        if sandboxed and syscalls.available():
            seccomp_fd = os.memfd_create("seccomp", 0)  # the grader's own call: the filter applies to the runner
            os.write(seccomp_fd, syscalls.program())
            os.lseek(seccomp_fd, 0, os.SEEK_SET)

        def in_child() -> None:
            cgroup.enter()
            sandbox.apply_limits(limits, own_user=user is not None)
            if install_filter is not None:
                user.become()
                install_filter()

        env = sandbox.runner_env(limits) if not sandboxed else {"PATH": "/usr/bin:/bin"}
        cwd = None if sandboxed else (self._private or self.submission)
        try:
            self.proc = subprocess.Popen(
                self._command(seccomp_fd),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=in_child,
                start_new_session=True,
                env=env,
                cwd=cwd,
                pass_fds=() if seccomp_fd is None else (seccomp_fd,),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            self.stop()  # removes the cgroup made for it
            who = f" as the unprivileged user {user.uid}" if user is not None else ""
            hint = (" (without bubblewrap the runner's Python and its packages must be readable by other users; "
                    f"set {sandbox.PYTHON_ENV} to one that is, or install bubblewrap)"
                    if user is not None and not sandboxed else "")
            raise self._infrastructure(f"the runner could not be started{who}: {exc}{hint}") from None
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)
        os.set_blocking(self.proc.stdin.fileno(), False)  # so that a runner that stops reading cannot block us
        self._reader = wire.FrameReader(self.proc.stdout.fileno(), MAX_ANSWER_BYTES)
        self.output = _Output()
        self._drainer = threading.Thread(target=self.output.drain, args=(self.proc.stderr.fileno(),), daemon=True)
        self._drainer.start()
        self._await_ready()

    def _await_ready(self) -> None:
        """Read the runner's first frame, sent before any student code can run; failing that, the runner could not
        start, which is the machine's fault, not the submission's."""
        try:
            hello = self._reader.read(timeout=STARTUP_TIMEOUT)
            if not (isinstance(hello, dict) and hello.get("ok") and isinstance(hello.get("value"), dict)):
                raise wire.WireError("unexpected first frame")
        except (wire.WireError, OSError) as exc:
            code = self._exit_code(wait=1.0)
            output = self._printed()
            self.stop()
            reason = _exit_reason(code, self.sandboxed) if code is not None else str(exc)
            raise self._infrastructure(f"the runner did not start ({reason})" + (f": {output.strip()[-600:]}"
                                                                                 if output.strip() else ""),
                                       output) from None
        self.runner_pid = self._find_runner()
        self._baseline_tasks = self.cgroup.tasks() if self.cgroup else None

    def _find_runner(self) -> int | None:
        """The host PID of the runner's Python process (it alone exists under the runner's user right now)."""
        if self.user is not None:
            mine = [p for p in identity.processes(self.user.uid) if identity.alive(p)]
            return mine[0] if len(mine) == 1 else None
        if not self.sandboxed:
            return self.proc.pid
        init = _children(self.proc.pid)  # bubblewrap's init in the runner's PID namespace, then the runner
        runner = _children(init[0]) if len(init) == 1 else []
        return runner[0] if len(runner) == 1 else None

    def _strays(self) -> list[int]:
        """The live processes of the runner other than the runner itself."""
        if self.cgroup is not None and self._baseline_tasks is not None \
                and self.cgroup.tasks() == self._baseline_tasks:
            return []  # no task more than when it started: nothing to look for (a cheap check per call)
        if self.user is not None:
            found = identity.processes(self.user.uid)
        elif self.sandboxed:
            init = _children(self.proc.pid)
            found = [p for i in init for p in _descendants(i)]
        else:
            found = _descendants(self.proc.pid)
        return [p for p in found if p != self.runner_pid and identity.alive(p)]

    def _reap(self) -> None:
        """Kill every process the last request's code started (setsid'd daemons included). Should they keep
        appearing for REAP_SECONDS, the whole runner is replaced."""
        if self.proc is None or self.runner_pid is None:
            return
        deadline = time.monotonic() + REAP_SECONDS
        while strays := self._strays():
            identity.kill_except(strays, keep=self.runner_pid)
            if time.monotonic() > deadline:
                self.stop()
                self.restarts += 1
                return
            time.sleep(0.001)

    def stop(self) -> None:
        """End the runner and everything it started."""
        proc, self.proc = self.proc, None
        self.runner_pid = None
        self.imported = set()  # a fresh runner imports again
        if proc is not None:
            self._end(proc)
        if self.user is not None:
            identity.kill_all(self.user.uid)
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None

    def _end(self, proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.cgroup is not None:
            self.cgroup.kill_all()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if self._drainer is not None:
            self._drainer.join(timeout=2)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self) -> RunnerSession:
        return self

    def __exit__(self, *exc: object) -> None:
        """End the runner, give back its user and remove its private copy of the submission."""
        self.stop()
        if self.user is not None:
            self.user.release()
            self.user = None
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)

    # -- requests ------------------------------------------------------------------------------------------
    def _exit_code(self, wait: float = 5.0) -> int | None:
        """The runner's exit status, or None when it closed its channel but is still running after WAIT s."""
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def _printed(self) -> str:
        return self.output.tail.decode("utf-8", "replace")[-wire.MAX_TEXT:]

    def _fail(self, kind: str, message: str) -> CallError:
        error = CallError(kind, message, output=self._printed())
        self.stop()
        self.restarts += 1
        return error

    def request(self, req: dict, timeout: float | None = None, max_bytes: int | None = None) -> Any:
        """Send one request and return its value, or raise CallError. MAX_BYTES: the largest answer accepted
        (default: in proportion to the request, see answer_limit)."""
        module = _module_of(req)
        if module in self.unimportable:
            known = self.unimportable[module]
            raise CallError(known.kind, known.message, output=known.output)
        if module is not None and req["op"] != "import" and module not in self.imported:
            self.request({"op": "import", "module": module}, timeout)
        try:
            value = self._exchange(req, timeout, max_bytes)
        except CallError as exc:
            if req["op"] == "import" and exc.kind in STICKY:
                exc.message += f" while importing cs231n/{module.replace('.', '/')}.py"
                self.unimportable[module] = exc
            raise
        if req["op"] == "import":
            self.imported.add(module)
        return value

    def _exchange(self, req: dict, timeout: float | None, max_bytes: int | None = None) -> Any:
        timeout = self.call_timeout if timeout is None else timeout
        budget_left = None if self.deadline is None else self.deadline - time.monotonic()
        if budget_left is not None and budget_left <= 0:
            raise CallError("budget", self._budget_spent())
        if self.proc is None:
            self.start()
        for handle in _handles(req):
            if handle.id <= self.generation * HANDLE_BLOCK:
                raise CallError("stale", "an object from before the runner was restarted was used")
        callable_key = _callable_of(req)
        shortened = callable_key in self.hung and self.hung_timeout < timeout
        if shortened:
            timeout = self.hung_timeout
        by_budget = budget_left is not None and budget_left < timeout
        if by_budget:
            timeout = budget_left
        frame = wire.encode(req)
        deadline = time.monotonic() + timeout
        try:
            wire.write_frame(self.proc.stdin.fileno(), frame, timeout)
            answer = self._reader.read(timeout=max(deadline - time.monotonic(), 0.0),
                                       max_bytes=max_bytes or answer_limit(len(frame)))
        except (wire.ReadTimeout, wire.WriteTimeout):
            if by_budget:
                raise self._fail("budget", self._budget_spent()) from None
            if callable_key is not None:
                self.hung.add(callable_key)
            why = (f"did not finish within {timeout:g} s (it had already failed to finish within the time limit "
                   "once, so later calls get this much)" if shortened else
                   f"did not finish within the time limit of {timeout:g} s")
            raise self._fail("timeout", why) from None
        except (wire.ChannelClosed, BrokenPipeError):
            raise self._fail("crash", _exit_reason(self._exit_code(), self.sandboxed)) from None
        except wire.WireError as exc:
            raise self._fail("protocol", f"the runner sent an unreadable answer ({exc})") from None
        self._reap()
        if not isinstance(answer, dict) or "ok" not in answer:
            raise self._fail("protocol", "the runner sent an unreadable answer")
        if answer["ok"]:
            return answer.get("value")
        err = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        raise CallError(
            str(err.get("kind", "exception")),
            str(err.get("message", "")),
            type_name=str(err.get("type", "")),
            traceback=str(err.get("traceback", "")),
            output=self._printed(),
        )

    def _budget_spent(self) -> str:
        return (f"not finished when the submission's time budget of {self.budget_seconds:g} s ran out (correct code "
                "needs seconds for all the tests)")

    def call(
        self,
        target: str | Handle,
        *args: Any,
        attr: str | None = None,
        reseed: int | None = None,
        rng_state: tuple | None = None,
        timeout: float | None = None,
        after: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Call TARGET ('layers.affine_forward', or a handle with ATTR, e.g. a model's 'loss').

        Returns the function's value, or with AFTER a dict {value, args, kwargs} holding the arguments as they were
        after the call (to see running statistics written back, or inputs modified in place). RESEED seeds numpy's
        global generator before the call (a function's own `seed` keyword passes through untouched);
        RNG_STATE (np.random.get_state()[1:]) sets it exactly, so that a call
        can continue a seeded sequence of draws made in the judge."""
        req: dict[str, Any] = {"op": "call", "target": target, "args": list(args), "kwargs": kwargs, "seed": reseed}
        if rng_state is not None:
            req["rng_state"] = list(rng_state)
        if attr is not None:
            req["attr"] = attr
        if after:
            req["after"] = True
        answer = self.request(req, timeout)
        return answer if after else answer["value"]

    def get(self, target: str | Handle, *path: Any, timeout: float | None = None) -> Any:
        return self.request({"op": "get", "target": target, "path": list(path)}, timeout)

    def set(self, target: Handle, *path: Any, value: Any) -> None:
        self.request({"op": "set", "target": target, "path": list(path), "value": value})

    def signature(self, target: str) -> list[tuple[str, str, bool]]:
        return [tuple(p) for p in self.request({"op": "signature", "target": target})]

    def import_module(self, module: str) -> None:
        """Import cs231n.MODULE in the runner ('classifiers.fc_net')."""
        self.request({"op": "import", "module": module})

    def load_source(self, name: str, source: str, timeout: float | None = None) -> None:
        """Run SOURCE in the runner as module cs231n.NAME."""
        self.request({"op": "load_source", "name": name, "source": source}, timeout)

    def load_arrays(self, folder: str, timeout: float | None = None) -> Handle:
        """A handle to {name: array} for the .npy files of FOLDER (a runner path), memory-mapped read-only."""
        return self.request({"op": "load_arrays", "folder": folder}, timeout)

    def release(self, handles: Iterable[Handle]) -> None:
        """Let the runner drop the objects HANDLES stand for."""
        self.request({"op": "release", "handles": [h.id for h in handles]})


def answer_limit(request_bytes: int) -> int:
    """The largest answer accepted to a request of REQUEST_BYTES."""
    return min(MAX_ANSWER_BYTES, max(MIN_ANSWER_BYTES, ANSWER_FACTOR * request_bytes))


def _grant(folder: Path, gid: int) -> None:
    """Make FOLDER readable (not writable) by group GID only: owner root, group GID, mode 0750 / 0640."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, 0, gid)
        os.chmod(path, 0o750 if path.is_dir() else 0o640)


def _share(folder: Path) -> None:
    """Make the grading data FOLDER readable (not writable) by every runner's user."""
    for path in [folder, *folder.rglob("*")]:
        mode = path.lstat().st_mode
        wanted = (mode | 0o555 if path.is_dir() else mode | 0o444) & ~0o022
        if not path.is_symlink() and (mode & 0o7777) != wanted:
            path.chmod(wanted)


def _children(pid: int) -> list[int]:
    """The child processes of PID (of each of its threads)."""
    found: list[int] = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in threads:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def _descendants(pid: int) -> list[int]:
    """PID and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += _children(current)
    return found


def _callable_of(req: dict) -> tuple[str, str] | None:
    """What a call request calls: ('layers.affine_forward', '') or, for a method of an object in the runner, its
    type and the method ('FullyConnectedNet', 'loss'); None for other requests."""
    if req.get("op") != "call":
        return None
    target = req.get("target")
    name = target.type if isinstance(target, Handle) else str(target)
    return name, str(req.get("attr") or "")


def _module_of(req: dict) -> str | None:
    """The module of the package a request uses ('layers' for 'layers.affine_forward'), or None."""
    if req.get("op") == "import":
        return str(req["module"])
    target = req.get("target")
    if not isinstance(target, str):
        return None
    return target.rpartition(".")[0] or None


def _handles(value: Any) -> Iterator[Handle]:
    if isinstance(value, Handle):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _handles(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _handles(v)


def _exit_reason(code: int | None, sandboxed: bool = False) -> str:
    if code is None:
        return "the runner process closed its channel unexpectedly"
    if sandboxed and code > 128 and code - 128 in signal.Signals._value2member_map_:
        code = 128 - code  # bubblewrap reports a runner killed by signal S as exit status 128 + S
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = " (CPU time limit)" if name == "SIGXCPU" else " (file size limit)" if name == "SIGXFSZ" else ""
        return f"the process was killed by {name}{hint}"
    if code == 0:
        return "the code ended the Python process (exit status 0) before returning"
    return f"the process exited with status {code} (sys.exit/os._exit, an out-of-memory kill, or a crash)"

