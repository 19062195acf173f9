"""Turns one annotated .py file into the students' stub and the instructors' clean solution.

A solution region is framed by a `### BEGIN SOLUTION` line and a `### END SOLUTION` line at the same
indentation, inside one function (docs/annotated-source.md). The stub replaces each region by the
START/END OF YOUR CODE block around a `raise NotImplementedError` naming the enclosing function; the
solution drops the two marker lines and keeps the code.
"""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
START_OF_YOUR_CODE = "# *****START OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
END_OF_YOUR_CODE = "# *****END OF YOUR CODE (DO NOT DELETE/MODIFY THIS LINE)*****"
_MARKER_WORDS = re.compile(r"\b(BEGIN|END) SOLUTION\b")


class AnnotationError(ValueError):
    """A malformed annotated source file; the message names the file and the line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class Region:
    """One solution region: 0-based indices of its marker lines, their indentation, the enclosing function."""

    begin: int
    end: int
    indent: str
    function: str


@dataclass(frozen=True)
class _Scope:
    name: str  # qualified name, e.g. "FullyConnectedNet.loss"
    first: int  # 1-based line of the `def`
    last: int  # 1-based last line of the body, trailing comment lines included
    column: int  # column of the `def`


def _split(text: str) -> list[str]:
    """The lines of `text`, ends kept, split on newlines only (as the Python tokenizer counts lines)."""
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _parse(text: str, path: str, what: str) -> ast.Module:
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as err:
        raise AnnotationError(path, err.lineno or 0, f"{what} is not valid Python: {err.msg}") from err


def _function_scopes(tree: ast.Module, lines: list[str]) -> list[_Scope]:
    """Every function and method of the module with its qualified name and its line span."""
    scopes: list[_Scope] = []

    def last_line(node: ast.AST) -> int:
        # A function's AST ends at its last statement; comment lines indented deeper than the `def`
        # (such as a closing `### END SOLUTION`) still belong to it.
        last = node.end_lineno
        for index in range(node.end_lineno, len(lines)):
            line = lines[index]
            if line.strip() and len(_indentation(line)) <= node.col_offset:
                break
            if line.strip():
                last = index + 1
        return last

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    scopes.append(_Scope(name, child.lineno, last_line(child), child.col_offset))
                visit(child, f"{name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return scopes


def _enclosing_function(scopes: list[_Scope], line_index: int, indent: str) -> str | None:
    line = line_index + 1
    inside = [s for s in scopes if s.first < line <= s.last and s.column < len(indent)]
    return max(inside, key=lambda s: s.first).name if inside else None


def find_regions(text: str, path: str) -> list[Region]:
    """The solution regions of an annotated file, in order.

    Inputs:
    - text: the file's content
    - path: the file's name, used in error messages (e.g. "cs231n/layers.py")

    Returns the regions; raises AnnotationError for unbalanced, nested or malformed markers, a region
    outside any function, a region whose END is not in the function of its BEGIN, or a file that does
    not parse.
    """
    lines = _split(text)
    scopes = _function_scopes(_parse(text, path, "the annotated file"), lines)
    regions: list[Region] = []
    begin: int | None = None
    for index, line in enumerate(lines):
        marker = line.strip()
        if marker == BEGIN_MARKER:
            if begin is not None:
                raise AnnotationError(path, index + 1, f"nested {BEGIN_MARKER} (the region opened at line "
                                      f"{begin + 1} has no {END_MARKER} yet)")
            begin = index
        elif marker == END_MARKER:
            if begin is None:
                raise AnnotationError(path, index + 1, f"{END_MARKER} without a {BEGIN_MARKER} before it")
            regions.append(_region(lines, scopes, begin, index, path))
            begin = None
        elif _MARKER_WORDS.search(line):
            raise AnnotationError(path, index + 1, f"malformed solution marker {marker!r}: write exactly "
                                  f"{BEGIN_MARKER!r} or {END_MARKER!r} on a line of its own")
    if begin is not None:
        raise AnnotationError(path, begin + 1, f"{BEGIN_MARKER} without a matching {END_MARKER}")
    return regions


def _region(lines: list[str], scopes: list[_Scope], begin: int, end: int, path: str) -> Region:
    indent = _indentation(lines[begin])
    if _indentation(lines[end]) != indent:
        raise AnnotationError(path, end + 1, f"{END_MARKER} is not indented like its {BEGIN_MARKER} "
                              f"at line {begin + 1}")
    function = _enclosing_function(scopes, begin, indent)
    if function is None:
        raise AnnotationError(path, begin + 1, "solution region outside any function")
    if _enclosing_function(scopes, end, indent) != function:
        raise AnnotationError(path, end + 1, f"{END_MARKER} is not in {function}, where its "
                              f"{BEGIN_MARKER} at line {begin + 1} is")
    return Region(begin, end, indent, function)


def _rewrite(text: str, path: str, replacement: Callable[[Region, list[str]], list[str]]) -> str:
    """Replaces every region's lines (markers included) by `replacement(region, lines)`; checks the result."""
    lines = _split(text)
    out: list[str] = []
    done = 0
    for region in find_regions(text, path):
        out.extend(lines[done : region.begin])
        out.extend(replacement(region, lines))
        done = region.end + 1
    out.extend(lines[done:])
    result = "".join(out)
    _parse(result, path, "the generated file")
    return result


def _newline(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :] or "\n"


def stub_source(text: str, path: str) -> str:
    """The students' version of an annotated file: each region becomes a START/END OF YOUR CODE block.

    Inputs:
    - text: the annotated file's content
    - path: its path from the assignment folder, e.g. "cs231n/layers.py" (named in the stub's message)

    Returns the stubbed content (valid Python); raises AnnotationError as find_regions does.
    """

    def stub(region: Region, lines: list[str]) -> list[str]:
        newline = _newline(lines[region.end])
        message = (f"{region.function}: not implemented yet; write your code between the START/END OF "
                   f"YOUR CODE lines in {path}")
        body = (START_OF_YOUR_CODE, f'raise NotImplementedError("{message}")', END_OF_YOUR_CODE)
        return [f"{region.indent}{line}{newline}" for line in body]

    return _rewrite(text, path, stub)


def solution_source(text: str, path: str) -> str:
    """The instructors' version of an annotated file: the marker lines removed, the code kept.

    Inputs and errors as stub_source; returns the clean content.
    """
    return _rewrite(text, path, lambda region, lines: lines[region.begin + 1 : region.end])
