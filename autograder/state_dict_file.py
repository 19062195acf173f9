"""Checks a saved PyTorch state_dict (a submission's best_model.pt) without unpickling it, before the runner loads it.

torch.save writes a zip archive: `<name>/data.pkl` (a pickle of the dictionary, whose tensors are persistent
references to storages), `<name>/data/<key>` (the storages' raw bytes) and a few small records. Loading it runs the
pickle, so the judge never loads it: it reads the pickle's opcodes with pickletools (which executes nothing) and
accepts only the globals a dictionary of tensors needs. The runner then loads it with torch.load(weights_only=True),
which has its own, wider allowlist; both must agree before a model is scored.
"""

from __future__ import annotations

import pickletools
import re
import zipfile
from pathlib import Path

MAX_MEMBERS = 10_000
MAX_PICKLE_BYTES = 16 << 20
MAX_TOTAL_BYTES = 1 << 30
SAVE_HINT = "save the trained network with torch.save(model.state_dict(), 'best_model.pt')"
ALLOWED = re.compile(
    r"collections\.OrderedDict|torch\.[A-Za-z0-9]*Storage|torch\._utils\._rebuild_(tensor|tensor_v2|parameter|"
    r"parameter_with_state)|torch\.(float|double|half|bfloat16|float16|float32|float64|int|long|int64|int32|uint8|"
    r"int8|int16|bool)"
)
_STRINGS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING", "BINSTRING", "STRING"}
_GETS = {"GET", "BINGET", "LONG_BINGET"}
_PUTS = {"PUT", "BINPUT", "LONG_BINPUT"}


def problem(path: Path) -> str | None:
    """Why the file at PATH is not a state_dict saved by torch.save that the grader may load, or None when it is."""
    name = Path(path).name
    if not zipfile.is_zipfile(path):
        return f"{name} is not the zip archive that torch.save writes (PyTorch 1.6 and later): {SAVE_HINT}"
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            pickles = [m for m in members if m.filename.count("/") == 1 and m.filename.endswith("/data.pkl")]
            if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_TOTAL_BYTES:
                return f"{name} holds more than {MAX_MEMBERS} entries or {MAX_TOTAL_BYTES >> 20} MiB"
            if len(pickles) != 1 or pickles[0].file_size > MAX_PICKLE_BYTES:
                return f"{name} is not laid out as torch.save lays out a file (one <name>/data.pkl): {SAVE_HINT}"
            data = archive.read(pickles[0])
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return f"{name} cannot be read as a zip archive ({type(exc).__name__}: {exc}): {SAVE_HINT}"
    try:
        refused = sorted({g for g in _globals(data) if not ALLOWED.fullmatch(g)})
    except ValueError as exc:
        return f"{name}: its data.pkl is not a valid pickle ({exc}): {SAVE_HINT}"
    if refused:
        return (f"{name} refers to {', '.join(refused[:5])}, which a dictionary of tensors never needs (the grader "
                f"loads tensors only): {SAVE_HINT}")
    return None


def _globals(data: bytes) -> list[str]:
    """The 'module.name' of every global (class or function) a pickle refers to, found without running it.

    GLOBAL names them in its argument; STACK_GLOBAL (protocol 4 and later) takes the two strings pushed just before
    it, directly or from the memo. A STACK_GLOBAL whose operands are not such strings is reported as '?'."""
    found: list[str] = []
    memo: dict[int, str | None] = {}
    pushed: list[str | None] = []  # what each opcode that pushes one value pushed (a string, or None for others)
    for opcode, arg, _ in pickletools.genops(data):
        name = opcode.name
        if name == "GLOBAL":
            module, _, attr = str(arg).partition(" ")
            found.append(f"{module}.{attr}")
            pushed.append(None)
        elif name == "STACK_GLOBAL":
            operands = pushed[-2:]
            found.append(f"{operands[0]}.{operands[1]}" if len(operands) == 2 and None not in operands else "?")
            pushed[-2:] = [None]
        elif name in _STRINGS:
            pushed.append(arg.decode("latin-1") if isinstance(arg, bytes) else str(arg))
        elif name in _GETS:
            pushed.append(memo.get(arg))
        elif name in _PUTS or name == "MEMOIZE":
            memo[len(memo) if name == "MEMOIZE" else arg] = pushed[-1] if pushed else None
        else:
            pushed.append(None)
    return found
