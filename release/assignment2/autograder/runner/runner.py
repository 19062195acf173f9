"""The runner: the only process that executes student code.

It is started by the judge (inside the sandbox when there is one) as

    python -I runner.py SUBMISSION_ROOT [FIRST_HANDLE_ID]

where SUBMISSION_ROOT holds the student's ``cs231n/`` package. It first writes a frame {"ok": true, "value":
{"ready": true}}, then reads request frames (see wire.py) on stdin and answers each with one frame on what was
stdout; the student's own prints go to stderr. It knows nothing of tests, expected values or scores: it imports
student modules, calls what it is asked to call, and keeps the objects that cannot cross (caches, models) in a
table of handles.

Requests are dicts with an "op":
    call      target, args, kwargs, seed or rng_state, after
                                            -> the return value (and the arguments after the call if after)
    import    module                        -> None (imports cs231n.MODULE)
    get       target or handle, path        -> the value at target.path
    set       handle, path, value           -> None (assigns handle.path = value)
    signature target                        -> [[name, kind, has_default], ...]
    load_source name, source                -> None (runs SOURCE as module cs231n.NAME, e.g. the course's Solver)
    load_arrays folder                      -> a handle to a dict of the folder's .npy files, memory-mapped
                                               read-only (no pickles)
    release   handles                       -> None
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import traceback
import types

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
import wire  # noqa: E402

sys.path.remove(_HERE)
import numpy as np  # noqa: E402

PACKAGE = "cs231n"
# The modules whose functions the runner itself and the student's code of every test rely on.
GUARDED = ("builtins", "os", "json", "math", "select", "struct", "time", "traceback", "inspect", "importlib",
           "numpy", "numpy.random", "numpy.linalg", "wire")


class Guard:
    """Undoes, after each request, what student code reassigned in GUARDED modules (builtins.min, np.sum...): such
    a patch must neither break the runner's own encoding nor leak into the tests that follow. Names the student
    added (a shim such as np.int = int) are kept."""

    def __init__(self) -> None:
        modules = [importlib.import_module(name) for name in GUARDED]  # numpy.random is otherwise loaded lazily
        self.saved = [(module, dict(vars(module))) for module in modules]

    def restore(self) -> None:
        for module, names in self.saved:
            current = vars(module)
            for name, value in names.items():
                if current.get(name, Guard) is not value:
                    setattr(module, name, value)


class Runner:
    """Executes requests against the student's package found under ROOT."""

    def __init__(self, root: str, first_id: int = 1) -> None:
        self.root = os.path.abspath(root)
        self.objects: dict[int, object] = {}
        self.next_id = first_id
        self.guard = Guard()

    # -- handles -------------------------------------------------------------------------------------------
    def to_handle(self, obj: object) -> wire.Handle:
        hid = self.next_id
        self.next_id += 1
        self.objects[hid] = obj
        return wire.Handle(hid, type(obj).__name__[:100])

    def resolve(self, value: object) -> object:
        """Replace handles (at any depth of lists, tuples and dicts) by the objects they stand for."""
        if isinstance(value, wire.Handle):
            if value.id not in self.objects:
                raise LookupError(f"unknown handle {value.id}")
            return self.objects[value.id]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    # -- lookups -------------------------------------------------------------------------------------------
    def check_package(self) -> None:
        """Refuse a `cs231n` found anywhere but in the submission (the project's own reference has that name)."""
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None:
            raise ModuleNotFoundError(f"the submission has no {PACKAGE}/ folder")
        origins = list(spec.submodule_search_locations or []) or [spec.origin or ""]
        if not all(os.path.abspath(o).startswith(self.root + os.sep) for o in origins):
            raise ImportError(f"refusing a {PACKAGE} package found outside the submission: {origins}")

    def lookup(self, target: object) -> object:
        """TARGET is 'module.attr' relative to the package (e.g. 'layers.affine_forward') or a Handle."""
        if isinstance(target, wire.Handle):
            return self.resolve(target)
        if not isinstance(target, str) or not target:
            raise ValueError("bad call target")
        if PACKAGE not in sys.modules:
            self.check_package()
        module_name, _, attr = target.rpartition(".")
        module = importlib.import_module(f"{PACKAGE}.{module_name}" if module_name else PACKAGE)
        if not hasattr(module, attr):
            raise AttributeError(f"{PACKAGE}/{module_name.replace('.', '/')}.py has no '{attr}'")
        return getattr(module, attr)

    @staticmethod
    def walk(obj: object, path: list) -> object:
        """Follow PATH: the first string step is an attribute when OBJ is not a dict, later steps index."""
        for i, step in enumerate(path):
            if i == 0 and isinstance(step, str) and not isinstance(obj, dict):
                obj = getattr(obj, step)
            else:
                obj = obj[step]
        return obj

    # -- ops -----------------------------------------------------------------------------------------------
    def op_call(self, req: dict) -> object:
        func = self.lookup(req["target"])
        if "attr" in req:
            func = getattr(func, req["attr"])
        args = self.resolve(req.get("args", []))
        kwargs = self.resolve(req.get("kwargs", {}))
        if req.get("seed") is not None:
            np.random.seed(req["seed"])
        if req.get("rng_state") is not None:
            keys, pos, has_gauss, cached = req["rng_state"]
            np.random.set_state(("MT19937", keys, pos, has_gauss, cached))
        value = func(*args, **kwargs)
        if req.get("after"):
            return {"value": value, "args": list(args), "kwargs": kwargs}
        return {"value": value}

    def op_import(self, req: dict) -> object:
        if PACKAGE not in sys.modules:
            self.check_package()
        importlib.import_module(f"{PACKAGE}.{req['module']}")
        return None

    def op_get(self, req: dict) -> object:
        return self.walk(self.lookup(req["target"]), req.get("path", []))

    def op_set(self, req: dict) -> object:
        path = req["path"]
        owner = self.walk(self.lookup(req["target"]), path[:-1])
        value = self.resolve(req["value"])
        if len(path) == 1 and not isinstance(owner, dict):
            setattr(owner, path[-1], value)
        else:
            owner[path[-1]] = value
        return None

    def op_signature(self, req: dict) -> object:
        func = self.lookup(req["target"])
        params = inspect.signature(func).parameters.values()
        return [[p.name, p.kind.name, p.default is not inspect.Parameter.empty] for p in params]

    def op_load_source(self, req: dict) -> object:
        importlib.import_module(PACKAGE)
        name = f"{PACKAGE}.{req['name']}"
        module = types.ModuleType(name)
        module.__package__ = PACKAGE
        module.__file__ = f"<course's {req['name']}.py>"
        sys.modules[name] = module
        exec(compile(req["source"], module.__file__, "exec"), module.__dict__)
        return None

    def op_load_arrays(self, req: dict) -> object:
        folder = req["folder"]
        # Plain read-only ndarrays over the mapped files (not np.memmap objects, which student code never expects).
        arrays = {name[: -len(".npy")]: np.asarray(np.load(os.path.join(folder, name), mmap_mode="r",
                                                           allow_pickle=False))
                  for name in sorted(os.listdir(folder)) if name.endswith(".npy")}
        return self.to_handle(arrays)

    def op_release(self, req: dict) -> object:
        for hid in req.get("handles", []):
            self.objects.pop(hid, None)
        return None

    # -- errors --------------------------------------------------------------------------------------------
    def describe(self, exc: BaseException) -> dict:
        """The error as the student may see it: type, message and the traceback trimmed to their files."""
        try:
            message = str(exc)[:wire.MAX_TEXT]
        except BaseException:  # noqa: B036 - a hostile __str__ must not take the runner down
            message = "<the exception's message could not be printed>"
        kind = "exit" if isinstance(exc, SystemExit) else "exception"
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(self.root)]
        lines = [
            f'  File "{os.path.relpath(f.filename, self.root)}", line {f.lineno}, in {f.name}\n    {f.line or ""}'
            for f in frames[-8:]
        ]
        if isinstance(exc, SyntaxError) and exc.filename:
            where = os.path.relpath(exc.filename, self.root) if exc.filename.startswith(self.root) else "?"
            lines.append(f'  File "{where}", line {exc.lineno}\n    {(exc.text or "").rstrip()}')
        return {
            "kind": kind,
            "type": type(exc).__name__,
            "message": message,
            "traceback": "\n".join(lines)[-wire.MAX_TEXT:],
        }

    def handle(self, req: object) -> dict:
        if not isinstance(req, dict) or not isinstance(req.get("op"), str):
            return {"ok": False, "error": {"kind": "protocol", "type": "BadRequest", "message": "bad request"}}
        method = getattr(self, "op_" + req["op"], None)
        if method is None:
            return {"ok": False, "error": {"kind": "protocol", "type": "BadRequest", "message": req["op"]}}
        try:
            value = method(req)
        except BaseException as exc:  # noqa: B036 - SystemExit and KeyboardInterrupt from student code too
            self.guard.restore()
            return {"ok": False, "error": self.describe(exc)}
        self.guard.restore()
        return {"ok": True, "value": value}


def reap_children() -> None:
    """Collect the children the judge killed after the previous request (they would count as processes)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(runner: Runner, in_fd: int, out_fd: int) -> None:
    reader = wire.FrameReader(in_fd)
    # The first frame says the runner is ready: sent before any of the student's code can run, so that a runner
    # that fails before it is the machine's failure, not the submission's.
    wire.write_frame(out_fd, wire.encode({"ok": True, "value": {"ready": True}}))
    while True:
        try:
            request = reader.read()
        except wire.ChannelClosed:
            return
        reap_children()
        answer = runner.handle(request)
        try:
            frame = wire.encode(answer, runner.to_handle)
        except BaseException as exc:  # noqa: B036
            runner.guard.restore()
            frame = wire.encode({"ok": False, "error": runner.describe(exc)})
        runner.guard.restore()  # encoding may have run student code (an array subclass's hooks)
        wire.write_frame(out_fd, frame)


def main() -> None:
    root = os.path.abspath(sys.argv[1])
    first_id = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    # The protocol keeps private copies of stdin/stdout; the student's code sees an empty stdin and writes to stderr.
    in_fd, out_fd = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.path.insert(0, root)
    sys.dont_write_bytecode = True
    serve(Runner(root, first_id), in_fd, out_fd)


if __name__ == "__main__":
    main()
