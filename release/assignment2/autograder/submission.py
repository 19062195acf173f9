"""Finding submissions and copying what is graded into a scratch folder the runner may see.

A PATH given to `autograder grade` may be:
  - one student's folder holding cs231n/ (perhaps one or two levels down, when the student zipped its parent),
  - one student's .zip, as uploaded,
  - nbgrader's submitted/ folder (submitted/<student>/assignment2/...), or a course folder holding it,
  - a folder of students' folders or zips (one submission each).
Only what is graded leaves the submission: cs231n/**/*.py, best_model.npz and best_model.pt, regular files only
(no symlinks), within size limits. Zips are read member by member with the same rules (no paths outside, no bombs;
names with Windows backslashes are read as paths). What is left out of the package (links, oversized or unreadable
files) is named in the submission's notes. Other archives (.tar.gz, .rar...) count as submissions that cannot be
graded, so that they are reported rather than skipped.

A student's id is exactly the name nbgrader (or the upload) gives: it is never rewritten, so that grades go to that
id in nbgrader's gradebook. Its output folder is `folder_name(id)`, a one-to-one encoding that keeps letters, digits,
`_`, `@` and `-` and writes every other byte (a dot included) as %XX: no two ids share a folder, and a student's
folder never has the name of a class-level output (those all contain a dot: grades.csv, report.html, .cache).
Two submissions with the same id (bob/ and bob.zip) are an error naming both (`clashes`), never a silent renaming.

The submission time comes only from what the course controls: nbgrader's own timestamp.txt (in nbgrader's
submitted/<student>/<assignment>/, written by its collect commands) or an uploaded zip's modification time. A
timestamp.txt in a student's own folder anywhere else is the student's file and is ignored; without either, the time
is unknown (and grading flags it when the rubric has a deadline).
"""

from __future__ import annotations

import contextlib
import hashlib
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
NOT_SUBMISSIONS = ("__MACOSX",)  # what macOS's Archive Utility zips beside the files (their metadata)
ARCHIVES = (".zip", ".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".gz", ".bz2", ".xz", ".rar", ".7z")


class SubmissionError(Exception):
    """A submission that cannot be graded at all (not a zip, no cs231n folder...)."""


MAX_FOLDER_NAME = 200  # bytes; file systems allow 255


@dataclass
class Submission:
    """One student's submission: where it is and what was noticed while finding it. TIMESTAMP is the submission
    time as the course recorded it (None: unknown)."""

    student: str
    source: Path
    notes: list[str] = field(default_factory=list)
    timestamp: str | None = None

    @property
    def folder(self) -> str:
        return folder_name(self.student)


_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_@-")


def folder_name(student: str) -> str:
    """The output folder of STUDENT: one-to-one, file-name-safe, never containing a dot (see the module's doc)."""
    raw = student.encode("utf-8", "surrogateescape")
    name = "".join(chr(b) if b in _SAFE else f"%{b:02X}" for b in raw) or "%"
    if len(name) > MAX_FOLDER_NAME:  # keep it one-to-one: the cut part is represented by its hash
        name = name[: MAX_FOLDER_NAME - 17] + "~" + hashlib.sha256(raw).hexdigest()[:16]
    return name


def clashes(subs: list[Submission]) -> tuple[list[Submission], list[str]]:
    """SUBS without those that share an id (hence an output folder) with another, and one error per such group."""
    by_folder: dict[str, list[Submission]] = {}
    for sub in subs:
        by_folder.setdefault(sub.folder, []).append(sub)
    errors = [f"{' and '.join(str(s.source) for s in group)} are all submissions of {group[0].student!r}: none of "
              "them was graded (keep one, or rename the others)" for group in by_folder.values() if len(group) > 1]
    return [s for s in subs if len(by_folder[s.folder]) == 1], errors


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
        return [_zip_timestamp(Submission(_archive_stem(path), path))]
    submitted = path / "submitted" if (path / "submitted").is_dir() else path
    nbgrader = [s / ASSIGNMENT for s in _subdirs(submitted) if (s / ASSIGNMENT).is_dir()]
    if nbgrader and submitted.name == "submitted":  # nbgrader's: students without this assignment did not submit it
        return [_nbgrader_timestamp(Submission(p.parent.name, p)) for p in sorted(nbgrader)]
    if _package_root(path, depth=0) is not None:
        return [Submission(path.resolve().name, path)]
    children = [p for p in sorted(path.iterdir()) if not p.name.startswith(".") and p.name not in NOT_SUBMISSIONS]
    if [p.name for p in children] == [ASSIGNMENT] and children[0].is_dir() and not children[0].is_symlink():
        return [Submission(path.resolve().name, children[0])]  # one student's folder holding its assignment2/
    subs = [_zip_timestamp(Submission(_archive_stem(p), p)) if p.is_file() else
            Submission(p.name, _assignment_folder(p)) for p in children
            if (p.is_file() and _archive_stem(p) != p.name) or (p.is_dir() and not p.is_symlink())]
    if subs:
        return sorted(subs, key=lambda s: s.folder)
    return [Submission(path.resolve().name, path)]


def _archive_stem(path: Path) -> str:
    """The name of an uploaded archive without its suffix (bob.tar.gz -> bob); the name itself if not an archive."""
    suffix = next((s for s in ARCHIVES if path.name.lower().endswith(s)), "")
    return path.name[: len(path.name) - len(suffix)]


def _assignment_folder(folder: Path) -> Path:
    """A student's folder, or its assignment2/ when it holds one (the layout of nbgrader's submitted/)."""
    return folder / ASSIGNMENT if (folder / ASSIGNMENT).is_dir() else folder


def _nbgrader_timestamp(sub: Submission) -> Submission:
    """The time nbgrader's collect recorded in submitted/<student>/<assignment>/timestamp.txt (as text)."""
    stamp = sub.source / "timestamp.txt"
    try:
        if stamp.is_file() and not stamp.is_symlink() and stamp.stat().st_size < 200:
            sub.timestamp = stamp.read_text(errors="replace").strip() or None
    except OSError:
        pass
    return sub


def _zip_timestamp(sub: Submission) -> Submission:
    """An uploaded zip's time is its modification time (as the upload or the LMS export kept it)."""
    sub.timestamp = datetime.fromtimestamp(sub.source.stat().st_mtime, UTC).isoformat()
    return sub


def _wanted(rel: PurePosixPath, code_only: bool = False) -> bool:
    """Whether a file at REL (relative to the folder holding cs231n/) is graded (CODE_ONLY: is graded code)."""
    if rel.parts and rel.parts[0] == PACKAGE:
        return rel.suffix == ".py" and "__pycache__" not in rel.parts
    return str(rel) in MODEL_FILES and not code_only


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


def stage(sub: Submission, scratch: Path, code_only: bool = False) -> Path:
    """Copy what is graded from SUB into SCRATCH (emptied first) and return SCRATCH. Notes go into sub.notes.
    CODE_ONLY copies the code alone (cs231n/**/*.py, not the model)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True)
    if sub.source.is_file():
        _stage_zip(sub, scratch, code_only)
    else:
        _stage_folder(sub, scratch, code_only)
    if not (scratch / PACKAGE).is_dir():
        sub.notes.append(f"no {PACKAGE}/ folder was found in the submission: nothing of the code can be graded")
        (scratch / PACKAGE).mkdir()
        (scratch / PACKAGE / ".missing").write_text("")
    return scratch


def _stage_folder(sub: Submission, scratch: Path, code_only: bool) -> None:
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
        if not _wanted(rel, code_only) or stat.S_ISDIR(info.st_mode):
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


def _stage_zip(sub: Submission, scratch: Path, code_only: bool) -> None:
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
            if _wanted(rel, code_only) and quota.admit(rel, info.file_size):
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
