"""What each student wrote: the code of every function, as text, from the files the students write.

A submission is staged as for grading (submission.stage: zips read safely, sizes capped, no links) and its files
are read as text (undecodable bytes replaced), never imported. The files compared are those where students write
code (layers.py, optim.py, classifiers/fc_net.py, classifiers/cnn.py, layer_utils.py where they add helpers) and any
.py file the release does not have. In each function, the code compared is what lies inside its TODO regions:
between `START OF YOUR CODE` and `END OF YOUR CODE` (2019 on), or between the `TODO` banner and the `END OF YOUR CODE`
banner (older starters); a function without such markers (a helper, a known solution, a student who deleted them)
counts with its whole body. The release's own code is removed later, by fingerprint (fingerprint.py).
Functions are found by indentation, not by parsing: Python 2 and files with syntax errors are read like the rest.
"""

from __future__ import annotations

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
_TRIPLE = re.compile(r"\"\"\"|\'\'\'")
_TRIPLE_QUOTED = re.compile(r'""".*?"""|\'\'\'.*?\'\'\'')
_QUOTED = re.compile(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"")
_DOCSTRING = re.compile(r"\s*[rRuU]?(?P<quote>\"\"\"|\'\'\')")


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
            code.functions.extend(functions(text, rel))
    return code


def functions(text: str, rel: str, whole: bool = False) -> list[FunctionCode]:
    """The functions of one file's TEXT (REL names the file), each with the code its author wrote (WHOLE: each
    with its whole body, TODO regions or not)."""
    lines = text.splitlines()
    found = []
    for name, body_first, last in function_spans(lines):
        numbers = list(range(body_first, last + 1)) if whole else _student_lines(lines, body_first, last)
        if numbers:
            found.append(FunctionCode(rel, name, "\n".join(lines[n - 1] for n in numbers), tuple(numbers)))
    return found


def _indent(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def _string_after(line: str, open_quote: str | None) -> str | None:
    """The triple quote still open after LINE, given the one open before it (None: none)."""
    for quote in _TRIPLE.findall(line if open_quote else line.split("#", 1)[0]):
        if open_quote is None:
            open_quote = quote
        elif quote == open_quote:
            open_quote = None
    return open_quote


def _bracket_balance(line: str) -> int:
    """Brackets LINE opens minus those it closes, outside its strings and its comment."""
    code = _TRIPLE.split(_TRIPLE_QUOTED.sub("''", line), 1)[0]  # up to a triple-quoted string left open
    code = _QUOTED.sub("''", code).split("#", 1)[0]
    return sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")


def _body_start(lines: list[str], number: int) -> int:
    """The first line of the body of the `def` at line NUMBER: after its signature (which may span lines) and
    after its docstring, if code follows it."""
    depth, end = 0, number  # a signature that never closes (a syntax error) ends on its own line
    for line_number in range(number, min(len(lines), number + 100) + 1):
        depth += _bracket_balance(lines[line_number - 1])
        if depth <= 0 and lines[line_number - 1].split("#", 1)[0].rstrip().endswith(":"):
            end = line_number
            break
    first = end + 1
    while first <= len(lines) and not lines[first - 1].strip():
        first += 1
    if first <= len(lines) and _DOCSTRING.match(lines[first - 1]):
        quote, closing = _DOCSTRING.match(lines[first - 1])["quote"], first
        if lines[first - 1].count(quote) < 2:
            closing = next((n for n in range(first + 1, len(lines) + 1) if quote in lines[n - 1]), first)
        first = closing + 1
        while first <= len(lines) and not lines[first - 1].strip():
            first += 1
    return first


def function_spans(lines: list[str]) -> list[tuple[str, int, int]]:
    """(qualified name, first line of the body, last line) of every function and method, found by indentation (so
    that Python 2 and files with syntax errors are read too): a `def` runs until the next line of code indented no
    deeper than it; lines inside triple-quoted strings do not count; nested functions belong to the function
    around them."""
    spans = []
    open_blocks: list[tuple[int, str, str, int]] = []  # (indent, kind, qualified name, line of the def)

    def close(upto: int, indent: int) -> None:
        while open_blocks and open_blocks[-1][0] >= indent:
            _, kind, name, first = open_blocks.pop()
            if kind == "def" and not any(k == "def" for _, k, _, _ in open_blocks):
                spans.append((name, _body_start(lines, first), upto))

    last_code, string, depth = 0, None, 0
    for number, line in enumerate(lines, 1):
        if string:
            string, last_code = _string_after(line, string), number
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if depth > 0 and _DEF.match(line):  # brackets left open by odd text: a `def` is never inside them
            depth = 0
        if depth <= 0:  # not a continuation line inside brackets
            indent = _indent(line)
            close(last_code, indent)
            match = _DEF.match(line)
            if match:
                prefix = "".join(f"{n}." for _, k, n, _ in open_blocks if k == "class")
                open_blocks.append((indent, match["kind"], prefix + match["name"], number))
        last_code, string = number, _string_after(line, None)
        depth = max(0, depth + _bracket_balance(line))
    close(last_code, -1)
    return sorted((span for span in spans if span[1] <= span[2]), key=lambda span: span[1])


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
