"""The judge's side of the runner: start it, send requests, enforce time limits, restart it after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder import sandbox
from autograder.runner import wire
from autograder.runner.wire import Handle

HANDLE_BLOCK = 10**9
OUTPUT_TAIL = 16 << 10
MAX_ANSWER_BYTES = 1 << 30  # the largest legitimate answer (a model's scores, a CIFAR batch) is far below
STICKY = ("timeout", "crash")  # import failures that would only repeat: remembered instead of retried
HUNG_TIMEOUT = 2.0  # seconds for later calls of a function or method that already hung once in this session


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
    calls on the tests' inputs take milliseconds)."""

    def __init__(
        self,
        submission: Path,
        *,
        sandboxed: bool = True,
        limits: sandbox.Limits | None = None,
        data: Path | None = None,
        call_timeout: float = 20.0,
        hung_timeout: float = HUNG_TIMEOUT,
    ) -> None:
        if sandboxed and sandbox.bwrap_path() is None:
            raise sandbox.SandboxUnavailable(
                "bubblewrap (bwrap) is not installed, so student code cannot be isolated. Install it "
                "(apt-get install bubblewrap) or pass --unsandboxed to run student code with your own rights "
                "(it can then read and change any file you can, use the network and leave processes behind)."
            )
        self.submission = Path(submission).resolve()
        self.sandboxed = sandboxed
        self.limits = limits or sandbox.Limits()
        self.data = data
        self.call_timeout = call_timeout
        self.hung_timeout = hung_timeout
        self.generation = 0
        self.restarts = 0
        self.proc: subprocess.Popen | None = None
        self.cgroup: sandbox.PidsCgroup | None = None
        self.output = _Output()
        self._reader: wire.FrameReader | None = None
        self._drainer: threading.Thread | None = None
        self.imported: set[str] = set()
        self.unimportable: dict[str, CallError] = {}
        self.hung: set[tuple[str, str]] = set()

    # -- process -------------------------------------------------------------------------------------------
    def _command(self) -> list[str]:
        if self.sandboxed:
            cmd = sandbox.bwrap_command(self.submission, self.data, self.limits)
        else:
            cmd = sandbox.unsandboxed_command(self.submission)
        return [*cmd, str(self.generation * HANDLE_BLOCK + 1)]

    def start(self) -> None:
        self.generation += 1
        self.cgroup = sandbox.PidsCgroup(self.limits.processes)
        cgroup, limits = self.cgroup, self.limits

        def in_child() -> None:
            cgroup.enter()
            sandbox.apply_limits(limits)

        env = sandbox.runner_env(limits) if not self.sandboxed else {"PATH": "/usr/bin:/bin"}
        cwd = self.submission if not self.sandboxed else None
        try:
            self.proc = subprocess.Popen(
                self._command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=in_child,
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        except BaseException:
            self.stop()  # removes the cgroup made for it
            raise
        os.set_blocking(self.proc.stdin.fileno(), False)  # so that a runner that stops reading cannot block us
        self._reader = wire.FrameReader(self.proc.stdout.fileno(), MAX_ANSWER_BYTES)
        self.output = _Output()
        self._drainer = threading.Thread(target=self.output.drain, args=(self.proc.stderr.fileno(),), daemon=True)
        self._drainer.start()

    def stop(self) -> None:
        """End the runner and everything it started."""
        proc, self.proc = self.proc, None
        self.imported = set()  # a fresh runner imports again
        if proc is not None:
            self._end(proc)
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

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> RunnerSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests ------------------------------------------------------------------------------------------
    def _exit_code(self, wait: float = 5.0) -> int | None:
        """The runner's exit status, or None when it closed its channel but is still running after WAIT s."""
        try:
            return self.proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            return None

    def _printed(self) -> str:
        return self.output.tail.decode("utf-8", "replace")[-4000:]

    def _fail(self, kind: str, message: str) -> CallError:
        error = CallError(kind, message, output=self._printed())
        self.stop()
        self.restarts += 1
        return error

    def request(self, req: dict, timeout: float | None = None) -> Any:
        """Send one request and return its value, or raise CallError."""
        module = _module_of(req)
        if module in self.unimportable:
            known = self.unimportable[module]
            raise CallError(known.kind, known.message, output=known.output)
        if module is not None and req["op"] != "import" and module not in self.imported:
            self.request({"op": "import", "module": module}, timeout)
        try:
            value = self._exchange(req, timeout)
        except CallError as exc:
            if req["op"] == "import" and exc.kind in STICKY:
                exc.message += f" while importing cs231n/{module.replace('.', '/')}.py"
                self.unimportable[module] = exc
            raise
        if req["op"] == "import":
            self.imported.add(module)
        return value

    def _exchange(self, req: dict, timeout: float | None) -> Any:
        if self.proc is None:
            self.start()
        for handle in _handles(req):
            if handle.id <= self.generation * HANDLE_BLOCK:
                raise CallError("stale", "an object from before the runner was restarted was used")
        timeout = self.call_timeout if timeout is None else timeout
        callable_key = _callable_of(req)
        shortened = callable_key in self.hung and self.hung_timeout < timeout
        if shortened:
            timeout = self.hung_timeout
        frame = wire.encode(req)
        deadline = time.monotonic() + timeout
        try:
            wire.write_frame(self.proc.stdin.fileno(), frame, timeout)
            answer = self._reader.read(timeout=max(deadline - time.monotonic(), 0.0))
        except (wire.ReadTimeout, wire.WriteTimeout):
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

    def load_source(self, name: str, source: str) -> None:
        self.request({"op": "load_source", "name": name, "source": source})

    def load_arrays(self, folder: str, timeout: float | None = None) -> Handle:
        """A handle to {name: array} for the .npy files of FOLDER (a runner path), memory-mapped read-only."""
        return self.request({"op": "load_arrays", "folder": folder}, timeout)


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

