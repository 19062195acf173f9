"""The corpus of broken and hostile submissions: reading the cases of tests/corpus/cases/ and building each one as
a student's entry in a folder of submissions. The format of a case is described in tests/corpus/README.md; adding
a case is adding a folder there, not code here."""

from __future__ import annotations

import ast
import os
import shutil
import stat
import struct
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import reference_copy

CASES = Path(__file__).resolve().parent / "corpus" / "cases"
DEFAULT_TESTS = ("layers.", "optim.")
CHUNK = 1 << 20
KEYS = {  # what tests/corpus/README.md describes: a misspelt key must not make a case silently vacuous
    "case": {"about", "quick", "tests", "zero", "partial", "feedback", "notes", "seconds", "test_seconds", "form",
             "base", "prefix", "separator", "student", "graded_as", "suffix", "text", "edit", "member"},
    "edit": {"path", "function", "source", "text", "old", "new", "append", "delete", "symlink", "fifo", "size"},
    "member": {"name", "text", "source", "size", "symlink", "encrypted", "claims"},
}


@dataclass(frozen=True)
class Case:
    """One case: how its submission is built (SPEC, files in FOLDER) and what grading it must give."""

    name: str
    folder: Path
    spec: dict
    about: str
    student: str  # the name of its entry in the folder of submissions
    graded_as: str  # the student id its results must be under
    tests: tuple[str, ...]
    zero: tuple[str, ...]
    partial: tuple[str, ...]
    feedback: dict[str, str] | str
    notes: tuple[str, ...]
    seconds: float  # bound on the submission's grading time
    test_seconds: float | None  # bound on each test's time (None: the runner's default)
    quick: bool = False
    edits: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)

    def expected(self, names: list[str]) -> dict[str, str]:
        """{test: 'zero' | 'partial' | 'full'} for the test NAMES of its group."""
        return {n: "zero" if matches(n, self.zero) else "partial" if matches(n, self.partial) else "full"
                for n in names}

    def feedback_for(self, name: str) -> str:
        """The text the feedback of test NAME must contain ('' for none)."""
        if isinstance(self.feedback, str):
            return self.feedback if matches(name, self.zero + self.partial) else ""
        return self.feedback.get(name, "")


def matches(name: str, patterns: tuple[str, ...]) -> bool:
    """Whether test NAME is one of PATTERNS (exact names, or prefixes ending in '.')."""
    return any(name == p or (p.endswith(".") and name.startswith(p)) for p in patterns)


def load(folder: Path) -> Case:
    spec = tomllib.loads((folder / "case.toml").read_text())
    for kind, entries in (("case", [spec]), ("edit", spec.get("edit", [])), ("member", spec.get("member", []))):
        for entry in entries:
            if unknown := set(entry) - KEYS[kind]:
                raise ValueError(f"case {folder.name}: unknown {kind} keys {sorted(unknown)}")
    return Case(
        name=folder.name, folder=folder, spec=spec, about=spec["about"],
        student=spec.get("student", folder.name), graded_as=spec.get("graded_as", spec.get("student", folder.name)),
        tests=tuple(spec.get("tests", DEFAULT_TESTS)),
        zero=tuple(spec.get("zero", ())), partial=tuple(spec.get("partial", ())),
        feedback=spec.get("feedback", ""), notes=tuple(spec.get("notes", ())),
        seconds=float(spec.get("seconds", 30)), test_seconds=spec.get("test_seconds"),
        quick=bool(spec.get("quick", False)),
        edits=spec.get("edit", []), members=spec.get("member", []),
    )


def load_all() -> list[Case]:
    return [load(f) for f in sorted(CASES.iterdir()) if (f / "case.toml").is_file()]


# -- building ----------------------------------------------------------------------------------------------------
def build(case: Case, dest: Path, values: dict[str, str]) -> Path:
    """Write CASE's submission into the folder of submissions DEST and return its path. VALUES replace the
    placeholders (@MARKER@, @ROOT@...) in every text, name and link target of the case."""
    form = case.spec.get("form", "folder")
    if form == "file":
        path = dest / (case.student + case.spec.get("suffix", ".zip"))
        path.write_text(_fill(case.spec["text"], values))
        return path
    folder = dest / case.student if form == "folder" else dest / f".{case.student}.build"
    root = folder / _fill(case.spec.get("prefix", ""), values)
    root.mkdir(parents=True)
    if case.spec.get("base", True):
        reference_copy(root)
    for edit in case.edits:
        _apply(case, root, edit, values)
    if form == "folder":
        return folder
    archive = dest / f"{case.student}.zip"
    _zip(folder, archive, case.members, case, values)
    shutil.rmtree(folder)
    return archive


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _text(case: Case, spec: dict, values: dict[str, str]) -> str:
    """The text an edit or member brings: `source` (a file of the case) or `text`."""
    raw = (case.folder / spec["source"]).read_text(encoding="utf-8") if "source" in spec else spec["text"]
    return _fill(raw, values)


def _apply(case: Case, root: Path, edit: dict, values: dict[str, str]) -> None:
    path = root / _fill(edit["path"], values)
    path.parent.mkdir(parents=True, exist_ok=True)
    if edit.get("delete"):
        path.unlink()
    elif "symlink" in edit:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)
        path.symlink_to(_fill(edit["symlink"], values))
    elif edit.get("fifo"):
        path.unlink(missing_ok=True)
        os.mkfifo(path)
    elif "size" in edit:
        with open(path, "wb") as f:
            f.truncate(int(edit["size"]))  # sparse: no disk space used
    elif "function" in edit:
        path.write_text(_replace_function(path.read_text(encoding="utf-8"), edit["function"],
                                          _text(case, edit, values)), encoding="utf-8")
    elif "old" in edit:
        text, old = path.read_text(encoding="utf-8"), _fill(edit["old"], values)
        if text.count(old) != 1:
            raise ValueError(f"case {case.name}: {old!r} occurs {text.count(old)} times in {edit['path']}")
        path.write_text(text.replace(old, _fill(edit["new"], values)), encoding="utf-8")
    elif "append" in edit:
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n" + _fill(edit["append"], values))
    else:
        path.write_text(_text(case, edit, values), encoding="utf-8")


def _replace_function(text: str, name: str, source: str) -> str:
    """TEXT with its top-level function or class NAME replaced by SOURCE."""
    node = next(n for n in ast.parse(text).body
                if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name)
    start = node.lineno - 1 - len(node.decorator_list)
    lines = text.splitlines(keepends=True)
    return "".join(lines[:start]) + source.strip("\n") + "\n" + "".join(lines[node.end_lineno:])


def _zip(folder: Path, archive: Path, members: list[dict], case: Case, values: dict[str, str]) -> None:
    """Zip FOLDER (symbolic links as link entries, FIFOs left out; names joined with the case's `separator`), then
    add the raw MEMBERS."""
    patches = []
    separator = case.spec.get("separator", "/")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in sorted(folder.rglob("*")):
            name = separator.join(path.relative_to(folder).parts)
            if path.is_symlink():
                _write_link(zf, name, os.readlink(path))
            elif path.is_file():
                zf.write(path, name)
        for member in members:
            name = _fill(member["name"], values)
            if "size" in member:
                _write_zeros(zf, name, int(member["size"]))
            elif "symlink" in member:
                _write_link(zf, name, _fill(member["symlink"], values))
            else:
                zf.writestr(name, _text(case, member, values))
            if member.get("encrypted") or "claims" in member:
                patches.append((name, 0x1 if member.get("encrypted") else 0, member.get("claims")))
    for name, flags, claims in patches:
        _patch_headers(archive, name, flags, claims)


def _write_link(zf: zipfile.ZipFile, name: str, target: str) -> None:
    """A symbolic-link entry, as zip (Info-ZIP) stores one: the mode in the external attributes, the target as data."""
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    zf.writestr(info, target)


def _write_zeros(zf: zipfile.ZipFile, name: str, size: int) -> None:
    """A member of SIZE zero bytes, streamed (it compresses about a thousandfold)."""
    with zf.open(name, "w", force_zip64=size > 1 << 30) as out:
        zeros = bytes(CHUNK)
        for start in range(0, size, CHUNK):
            out.write(zeros[: min(CHUNK, size - start)])


_LOCAL_FLAGS, _LOCAL_SIZE = 6, 22  # offsets in a local file header
_CENTRAL_FLAGS, _CENTRAL_SIZE, _CENTRAL_NAME = 8, 24, 46  # and in a central directory entry


def _patch_headers(archive: Path, name: str, flags: int, claims: int | None) -> None:
    """Make the headers of member NAME lie: set FLAGS bits (0x1: encrypted) and claim an uncompressed size of
    CLAIMS bytes, in the local header and in the central directory, as a hand-made hostile zip would."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        local, pos = zf.getinfo(name).header_offset, zf.start_dir
    entries = [local]
    while data[pos:pos + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", data, pos + 28)
        if data[pos + _CENTRAL_NAME: pos + _CENTRAL_NAME + n].decode() == name:
            entries.append(pos)
        pos += _CENTRAL_NAME + n + m + k
    for offset in entries:
        flag_at, size_at = (_LOCAL_FLAGS, _LOCAL_SIZE) if offset == local else (_CENTRAL_FLAGS, _CENTRAL_SIZE)
        struct.pack_into("<H", data, offset + flag_at, struct.unpack_from("<H", data, offset + flag_at)[0] | flags)
        if claims is not None:
            struct.pack_into("<I", data, offset + size_at, int(claims))
    archive.write_bytes(bytes(data))
