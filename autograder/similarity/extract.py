"""What each student wrote: the code of every function, as text, from the files the students write.

A submission is staged as for grading (submission.stage: zips read safely, sizes capped, no links) and its files
are read as text (undecodable bytes replaced), never imported. The files compared are those where students write
code (layers.py, optim.py, classifiers/fc_net.py, classifiers/cnn.py, layer_utils.py where they add helpers) and any
.py file the release does not have. In each function, the code compared is what lies inside its TODO regions:
between `START OF YOUR CODE` and `END OF YOUR CODE` (2019 on), or between the `TODO` banner and the `END OF YOUR CODE`
banner (older starters); a function without such markers (a helper, a known solution, a student who deleted them)
counts with its whole body. The release's own code is removed later, by fingerprint (fingerprint.py).
Functions are found with `ast`; a file that does not parse (Python 2, a syntax error) is split by indentation.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from autograder.submission import PACKAGE, Submission, SubmissionError, stage

ROOT = Path(__file__).resolve().parents[2]
RELEASE_PACKAGE = ROOT / "release" / "assignment2" / PACKAGE
STUDENT_FILES = ("layers.py", "optim.py", "classifiers/fc_net.py", "classifiers/cnn.py", "layer_utils.py")
MAX_FILE_CHARS = 1 << 20  # more than ten times the package's largest file
_START = re.compile(r"\s*#.*START OF YOUR CODE", re.IGNORECASE)  # marker lines are comments
_END = re.compile(r"\s*#.*END OF YOUR CODE", re.IGNORECASE)
_TODO = re.compile(r"\s*#.*\bTODO\b")
_DEF = re.compile(r"(?P<indent>[ \t]*)(?:async[ \t]+)?(?P<kind>def|class)[ \t]+(?P<name>\w+)")


@dataclass(frozen=True)
class FunctionCode:
    """The code a student wrote in one function: FILE (in the package), NAME (qualified, e.g.
    "FullyConnectedNet.loss"), the lines' TEXT and, for each of its lines, its line number in the file."""

    file: str
    name: str
    text: str
    lines: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"{self.file}:{self.name}"


@dataclass
class SubmissionCode:
    """One submission's functions, under its id; KNOWN marks a known solution (--against)."""

    id: str
    functions: list[FunctionCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    known: bool = False


def compared_files(package: Path, release_files: frozenset[str]) -> list[str]:
    """The files of PACKAGE (relative paths) whose functions are compared, sorted."""
    found = sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py") if p.is_file())
    return [f for f in found if f in STUDENT_FILES or f not in release_files]


@cache
def release_texts() -> dict[str, str]:
    """The release's package: {path in it: text}."""
    return {p.relative_to(RELEASE_PACKAGE).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(RELEASE_PACKAGE.rglob("*.py"))}


def read_text(path: Path, notes: list[str], rel: str) -> str:
    """A file's text: invalid UTF-8 replaced, NUL bytes dropped, cut at MAX_FILE_CHARS (said in NOTES)."""
    data = path.read_bytes()
    text = data.decode("utf-8", errors="replace").replace("\0", "")
    if len(text) > MAX_FILE_CHARS:
        notes.append(f"{rel}: only its first {MAX_FILE_CHARS} characters were compared")
        text = text[:MAX_FILE_CHARS]
    return text


def submission_code(sub: Submission, scratch: Path, known: bool = False) -> SubmissionCode:
    """Stage SUB into SCRATCH and read the functions of its compared files."""
    code = SubmissionCode(sub.student, known=known)
    try:
        stage(sub, scratch, code_only=True)
    except SubmissionError as exc:
        code.notes.append(str(exc))
        return code
    code.notes.extend(sub.notes)
    package = scratch / PACKAGE
    release = release_texts()
    for rel in compared_files(package, frozenset(release)):
        text = read_text(package / rel, code.notes, rel)
        if text != release.get(rel):  # a file as released holds nothing of the student's
            code.functions.extend(functions(text, rel, code.notes))
    return code


def functions(text: str, rel: str, notes: list[str] | None = None, whole: bool = False) -> list[FunctionCode]:
    """The functions of one file's TEXT (REL names the file), each with the code its author wrote (WHOLE: each
    with its whole body, TODO regions or not)."""
    lines = text.splitlines()
    try:
        spans = _spans_from_ast(ast.parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        if notes is not None:
            notes.append(f"{rel} is not valid Python 3: its functions were found by indentation")
        spans = _spans_from_indentation(lines)
    found = []
    for name, body_first, last in spans:
        numbers = list(range(body_first, last + 1)) if whole else _student_lines(lines, body_first, last)
        if numbers:
            found.append(FunctionCode(rel, name, "\n".join(lines[n - 1] for n in numbers), tuple(numbers)))
    return found


def _spans_from_ast(tree: ast.Module) -> list[tuple[str, int, int]]:
    """(qualified name, first line of the body, last line) of every function and method; nested functions belong
    to the function around them."""
    spans = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                body = child.body[1:] if _is_docstring(child.body[0]) and len(child.body) > 1 else child.body
                spans.append((prefix + child.name, body[0].lineno, child.end_lineno or child.lineno))
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.If | ast.Try | ast.With):  # functions defined under `if`/`try`
                visit(child, prefix)

    visit(tree, "")
    return spans


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _indent(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def _spans_from_indentation(lines: list[str]) -> list[tuple[str, int, int]]:
    """As _spans_from_ast, for text that does not parse: a `def` runs until the next line (not blank, not a comment)
    indented no deeper than it."""
    spans = []
    open_blocks: list[tuple[int, str, str, int]] = []  # (indent, kind, qualified name, line of the def)

    def close(upto: int, indent: int) -> None:
        while open_blocks and open_blocks[-1][0] >= indent:
            _, kind, name, first = open_blocks.pop()
            if kind == "def" and not any(k == "def" for _, k, _, _ in open_blocks):
                spans.append((name, first + 1, upto))

    last_code = 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = _indent(line)
        close(last_code, indent)
        match = _DEF.match(line)
        if match:
            prefix = "".join(f"{n}." for _, k, n, _ in open_blocks if k == "class")
            open_blocks.append((indent, match["kind"], prefix + match["name"], number))
        last_code = number
    close(last_code, -1)
    return sorted(spans, key=lambda span: span[1])


def _student_lines(lines: list[str], first: int, last: int) -> list[int]:
    """The line numbers (1-based) of what the student wrote in the body FIRST..LAST: its TODO regions, or all of
    it when it has none. Comment lines stay (the tokenizer drops them) so that the side-by-side view shows them."""
    body = range(first, last + 1)
    ends = [n for n in body if _END.match(lines[n - 1])]
    starts = [n for n in body if _START.match(lines[n - 1])]
    if not ends and not starts:
        return list(body)
    chosen: list[int] = []
    begin = first
    for end in ends + ([last + 1] if len(starts) > len(ends) else []):
        opened = [n for n in starts if begin <= n < end]
        todo = [n for n in range(begin, end) if _TODO.match(lines[n - 1])]
        start = opened[-1] + 1 if opened else (todo[-1] if todo else begin)
        chosen.extend(range(start, end))
        begin = end + 1
    return [n for n in chosen if n <= last]
