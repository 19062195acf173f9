"""Finding submissions and copying what is graded into a scratch folder the runner may see.

A PATH given to `autograder grade` may be:
  - one student's folder holding cs231n/ (perhaps one or two levels down, when the student zipped its parent),
  - one student's .zip, as uploaded,
  - nbgrader's submitted/ folder (submitted/<student>/assignment2/...), or a course folder holding it,
  - a folder of students' folders or zips (one submission each).
Only what is graded leaves the submission: cs231n/**/*.py, best_model.npz and best_model.pt, regular files only (no
symlinks), within size limits. Zips are read member by member with the same rules (no paths outside, no bombs; names
with Windows backslashes are read as paths). What is left out of the package (links, oversized or unreadable files)
is named in the submission's notes. Other archives (.tar.gz, .rar...) count as submissions that cannot be graded, so
that they are reported rather than skipped, and two submissions with the same name (bob/ and bob.zip) are both
graded, the second under another id.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

PACKAGE = "cs231n"
MODEL_FILE = "best_model.npz"
TORCH_MODEL_FILE = "best_model.pt"  # the PyTorch notebook's open-ended model (a state_dict)
MODEL_FILES = (MODEL_FILE, TORCH_MODEL_FILE)
MAX_PY_BYTES = 2 << 20
MAX_CODE_BYTES = 16 << 20  # all the .py files together (the package is about 100 kB)
MAX_MODEL_BYTES = 256 << 20
MAX_FILES = 400
MAX_DEPTH = 3
ASSIGNMENT = "assignment2"
ARCHIVES = (".zip", ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".gz", ".bz2", ".xz", ".rar", ".7z")


class SubmissionError(Exception):
    """A submission that cannot be graded at all (not a zip, no cs231n folder...)."""


@dataclass
class Submission:
    """One student's submission: where it is and what was noticed while finding it."""

    student: str
    source: Path
    notes: list[str] = field(default_factory=list)
    timestamp: str | None = None


def student_id(name: str) -> str:
    """A file-name-safe student id."""
    clean = re.sub(r"[^A-Za-z0-9._@-]+", "_", name).strip("._") or "student"
    return clean[:100]


def _package_root(folder: Path, depth: int = MAX_DEPTH) -> Path | None:
    """The folder (FOLDER itself or below it, breadth first) that holds cs231n/; None if there is none."""
    level = [folder]
    for _ in range(depth + 1):
        for candidate in level:
            pkg = candidate / PACKAGE
            if pkg.is_dir() and not pkg.is_symlink():
                return candidate
        level = sorted(p for c in level for p in _subdirs(c))
    return None


def _subdirs(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")]
    except OSError:
        return []


def discover(path: Path) -> list[Submission]:
    """The submissions under PATH, one per student, sorted by student id."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    if path.is_file():
        return [_zip_timestamp(Submission(student_id(_archive_stem(path)), path))]
    submitted = path / "submitted" if (path / "submitted").is_dir() else path
    nbgrader = [s / ASSIGNMENT for s in _subdirs(submitted) if (s / ASSIGNMENT).is_dir()]
    if nbgrader and submitted.name == "submitted":  # nbgrader's: students without this assignment did not submit it
        return _unique([_with_timestamp(Submission(student_id(p.parent.name), p)) for p in sorted(nbgrader)])
    if _package_root(path, depth=0) is not None:
        return [_with_timestamp(Submission(student_id(path.resolve().name), path))]
    children = [p for p in sorted(path.iterdir()) if not p.name.startswith(".")]
    subs = [_zip_timestamp(Submission(student_id(_archive_stem(p)), p)) if p.is_file() else
            _with_timestamp(Submission(student_id(p.name), _assignment_folder(p))) for p in children
            if (p.is_file() and _archive_stem(p) != p.name) or (p.is_dir() and not p.is_symlink())]
    if subs:
        return _unique(subs)
    return [_with_timestamp(Submission(student_id(path.resolve().name), path))]


def _archive_stem(path: Path) -> str:
    """The name of an uploaded archive without its suffix (bob.tar.gz -> bob); the name itself if not an archive."""
    suffix = next((s for s in ARCHIVES if path.name.lower().endswith(s)), "")
    return path.name[: len(path.name) - len(suffix)]


def _assignment_folder(folder: Path) -> Path:
    """A student's folder, or its assignment2/ when it holds one (the layout of nbgrader's submitted/)."""
    return folder / ASSIGNMENT if (folder / ASSIGNMENT).is_dir() else folder


def _unique(subs: list[Submission]) -> list[Submission]:
    """SUBS with distinct student ids: a name already taken gets a suffix (bob/ and bob.zip: bob and bob_2)."""
    taken, seen = {s.student for s in subs}, set()
    for sub in subs:
        if sub.student in seen:
            n = 2
            while f"{sub.student}_{n}" in taken:
                n += 1
            new = f"{sub.student}_{n}"
            sub.notes.append(f"another submission has the same name ({sub.source.name}); graded as {new}")
            taken.add(new)
            sub.student = new
        seen.add(sub.student)
    return subs


def _with_timestamp(sub: Submission) -> Submission:
    stamp = sub.source / "timestamp.txt"
    if stamp.is_file() and stamp.stat().st_size < 200:
        sub.timestamp = stamp.read_text(errors="replace").strip()
    return sub


def _zip_timestamp(sub: Submission) -> Submission:
    """An uploaded zip's time is its modification time (as the upload or the LMS export kept it)."""
    sub.timestamp = datetime.fromtimestamp(sub.source.stat().st_mtime, UTC).isoformat()
    return sub


def _wanted(rel: PurePosixPath) -> bool:
    """Whether a file at REL (relative to the folder holding cs231n/) is graded."""
    if rel.parts and rel.parts[0] == PACKAGE:
        return rel.suffix == ".py" and "__pycache__" not in rel.parts
    return str(rel) in MODEL_FILES


def _limit(rel: PurePosixPath) -> int:
    return MAX_MODEL_BYTES if str(rel) in MODEL_FILES else MAX_PY_BYTES


@dataclass
class _Quota:
    """What may still be staged from SUB: each file within its limit, at most MAX_FILES files and MAX_CODE_BYTES
    of code in all. Once full, nothing more is taken (a zip bomb of many small members stops there)."""

    sub: Submission
    files: int = 0
    code: int = 0
    full: bool = False

    def admit(self, rel: PurePosixPath, size: int) -> bool:
        if size > _limit(rel):
            self.sub.notes.append(f"ignored {rel}: {size} bytes is over the limit of {_limit(rel)}")
            return False
        code = 0 if str(rel) in MODEL_FILES else size
        if not self.full and (self.files >= MAX_FILES or self.code + code > MAX_CODE_BYTES):
            self.full = True
            self.sub.notes.append(f"stopped after {self.files} files ({self.code} bytes of code): at most "
                                  f"{MAX_FILES} files and {MAX_CODE_BYTES} bytes of code are graded")
        if self.full:
            return False
        self.files += 1
        self.code += code
        return True


def stage(sub: Submission, scratch: Path) -> Path:
    """Copy what is graded from SUB into SCRATCH (emptied first) and return SCRATCH. Notes go into sub.notes."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    if sub.source.is_file():
        _stage_zip(sub, scratch)
    else:
        _stage_folder(sub, scratch)
    if not (scratch / PACKAGE).is_dir():
        sub.notes.append(f"no {PACKAGE}/ folder was found in the submission: nothing of the code can be graded")
        (scratch / PACKAGE).mkdir()
        (scratch / PACKAGE / ".missing").write_text("")
    return scratch


def _stage_folder(sub: Submission, scratch: Path) -> None:
    root = _package_root(sub.source)
    if root is None:
        if (sub.source / PACKAGE).is_symlink():
            sub.notes.append(f"ignored {PACKAGE}/: symbolic links are not followed")
        return
    if root != sub.source:
        sub.notes.append(f"found {PACKAGE}/ in {root.relative_to(sub.source)}/ and graded it from there")
    quota = _Quota(sub)
    for path in sorted((root / PACKAGE).rglob("*")) + [root / name for name in MODEL_FILES]:
        rel = PurePosixPath(path.relative_to(root).as_posix())
        try:
            info = path.lstat()
        except OSError:
            continue
        if stat.S_ISLNK(info.st_mode):  # a link to a file or to a folder, wanted or not: say so
            sub.notes.append(f"ignored {rel}: symbolic links are not followed")
            continue
        if not _wanted(rel) or stat.S_ISDIR(info.st_mode):
            continue
        if not stat.S_ISREG(info.st_mode):
            sub.notes.append(f"ignored {rel}: not a regular file")
            continue
        if not quota.admit(rel, info.st_size):
            continue
        dest = scratch / rel
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        except OSError as exc:
            sub.notes.append(f"ignored {rel}: could not be copied ({exc.strerror or exc})")


def _zip_root(names: list[PurePosixPath]) -> PurePosixPath | None:
    """The folder inside the zip that holds cs231n/ (shallowest first)."""
    roots = sorted({r for n in names if (r := _root_of(n)) is not None}, key=lambda p: (len(p.parts), str(p)))
    return roots[0] if roots else None


def _root_of(name: PurePosixPath) -> PurePosixPath | None:
    parts = name.parts
    for i, part in enumerate(parts[: MAX_DEPTH + 1]):
        if part == PACKAGE and i < len(parts) - 1:
            return PurePosixPath(*parts[:i])
    return None


def _stage_zip(sub: Submission, scratch: Path) -> None:
    if not zipfile.is_zipfile(sub.source):
        raise SubmissionError(f"{sub.source.name} is not a zip file")
    try:
        archive = zipfile.ZipFile(sub.source)
    except Exception as exc:  # a hostile central directory: BadZipFile, OSError, ValueError, EOFError...
        raise SubmissionError(f"{sub.source.name} cannot be read as a zip: {exc}") from None
    with archive:
        members = []
        for info in archive.infolist():
            raw = info.filename.replace("\\", "/")  # zips made on Windows may use backslashes
            name = PurePosixPath(raw)
            if raw.startswith("/") or ".." in name.parts or re.match(r"[A-Za-z]:", raw):
                sub.notes.append(f"ignored zip entry {info.filename!r}: it points outside the submission")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                sub.notes.append(f"ignored zip entry {info.filename!r}: symbolic links are not followed")
                continue
            if not raw.endswith("/"):  # folders are implied by the files' names
                members.append((name, info))
        root = _zip_root([n for n, _ in members])
        if root is None:
            return
        if root.parts:
            sub.notes.append(f"found {PACKAGE}/ in {root}/ inside the zip and graded it from there")
        quota = _Quota(sub)
        for name, info in members:
            if name.parts[: len(root.parts)] != root.parts:
                continue
            rel = PurePosixPath(*name.parts[len(root.parts):])
            if _wanted(rel) and quota.admit(rel, info.file_size):
                _extract(archive, info, scratch / rel, _limit(rel), sub)


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, limit: int, sub: Submission) -> None:
    """Extract one member, stopping at LIMIT bytes whatever its header claims (zip bombs lie)."""
    written = 0
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 16):
                written += len(chunk)
                if written > limit:
                    raise SubmissionError("too large")
                out.write(chunk)
    except Exception as exc:  # whatever hostile bytes provoke (bad CRC, encrypted, corrupt deflate, clashing names)
        with contextlib.suppress(OSError):
            dest.unlink()
        sub.notes.append(f"ignored {info.filename}: could not be extracted ({type(exc).__name__}: {exc})")
