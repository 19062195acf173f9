"""Finding submissions and copying what is graded into a scratch folder the runner may see.

A PATH given to `autograder grade` may be:
  - one student's folder holding cs231n/ (perhaps one or two levels down, when the student zipped its parent),
  - one student's .zip, as uploaded,
  - nbgrader's submitted/ folder (submitted/<student>/assignment2/...), or a course folder holding it,
  - a folder of students' folders or zips (one submission each).
Only what is graded leaves the submission: cs231n/**/*.py and best_model.npz, regular files only (no symlinks),
within size limits. Zips are read member by member with the same rules (no paths outside, no bombs).
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

PACKAGE = "cs231n"
MODEL_FILE = "best_model.npz"
MAX_PY_BYTES = 2 << 20
MAX_MODEL_BYTES = 256 << 20
MAX_FILES = 400
MAX_DEPTH = 3
ASSIGNMENT = "assignment2"


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
        return [_zip_timestamp(Submission(student_id(path.stem), path))]
    submitted = path / "submitted" if (path / "submitted").is_dir() else path
    nbgrader = [s / ASSIGNMENT for s in _subdirs(submitted) if (s / ASSIGNMENT).is_dir()]
    if nbgrader:
        return [_with_timestamp(Submission(student_id(p.parent.name), p)) for p in sorted(nbgrader)]
    if _package_root(path, depth=0) is not None:
        return [_with_timestamp(Submission(student_id(path.resolve().name), path))]
    children = [p for p in sorted(path.iterdir()) if not p.name.startswith(".")]
    subs = [_zip_timestamp(Submission(student_id(p.stem), p)) if p.is_file() else
            _with_timestamp(Submission(student_id(p.name), p)) for p in children
            if (p.is_file() and p.suffix.lower() == ".zip") or (p.is_dir() and not p.is_symlink())]
    if subs:
        return subs
    return [_with_timestamp(Submission(student_id(path.resolve().name), path))]


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
    return str(rel) == MODEL_FILE


def _limit(rel: PurePosixPath) -> int:
    return MAX_MODEL_BYTES if str(rel) == MODEL_FILE else MAX_PY_BYTES


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
        return
    if root != sub.source:
        sub.notes.append(f"found {PACKAGE}/ in {root.relative_to(sub.source)}/ and graded it from there")
    count = 0
    for path in sorted((root / PACKAGE).rglob("*")) + [root / MODEL_FILE]:
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if not _wanted(rel) or not path.exists() and not path.is_symlink():
            continue
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            sub.notes.append(f"ignored {rel}: symbolic links are not followed")
            continue
        if not stat.S_ISREG(info.st_mode):
            continue
        if info.st_size > _limit(rel):
            sub.notes.append(f"ignored {rel}: {info.st_size} bytes is over the limit of {_limit(rel)}")
            continue
        count += 1
        if count > MAX_FILES:
            sub.notes.append(f"stopped after {MAX_FILES} files")
            break
        dest = scratch / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)


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
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{sub.source.name} cannot be read as a zip: {exc}") from None
    with archive:
        members = []
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if info.filename.startswith("/") or ".." in name.parts or "\\" in info.filename:
                sub.notes.append(f"ignored zip entry {info.filename!r}: it points outside the submission")
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                sub.notes.append(f"ignored zip entry {info.filename!r}: symbolic links are not followed")
                continue
            if not info.is_dir():
                members.append((name, info))
        root = _zip_root([n for n, _ in members])
        if root is None:
            return
        if root.parts:
            sub.notes.append(f"found {PACKAGE}/ in {root}/ inside the zip and graded it from there")
        count = 0
        for name, info in members:
            if name.parts[: len(root.parts)] != root.parts:
                continue
            rel = PurePosixPath(*name.parts[len(root.parts):])
            if not _wanted(rel):
                continue
            if info.file_size > _limit(rel):
                sub.notes.append(f"ignored {rel}: {info.file_size} bytes is over the limit of {_limit(rel)}")
                continue
            count += 1
            if count > MAX_FILES:
                sub.notes.append(f"stopped after {MAX_FILES} files")
                break
            _extract(archive, info, scratch / rel, _limit(rel), sub)


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, limit: int, sub: Submission) -> None:
    """Extract one member, stopping at LIMIT bytes whatever its header claims (zip bombs lie)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    try:
        with archive.open(info) as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 16):
                written += len(chunk)
                if written > limit:
                    raise SubmissionError("too large")
                out.write(chunk)
    except (SubmissionError, zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        dest.unlink(missing_ok=True)
        sub.notes.append(f"ignored {info.filename}: could not be extracted ({exc})")
