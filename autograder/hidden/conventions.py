"""The conventions a submission's starter code fixes, read from its source text in the judge.

The lines outside the TODO regions are the course's, not the student's, and the course changed a few conventions
over the years (grading-facts.md): `adam` starts with `config.setdefault('t', 1)` in the 2016-17 starter (t = 0
from 2018), and the 2016-17 `dropout_forward` takes p as the probability of DROPPING a unit ("We drop each neuron
output with probability p"; from 2018 p is the probability of keeping it). Each year's convention is graded on its
own terms: the tests read it here and compute the reference the same way.

The file is parsed with `ast` (never imported or executed); a file that cannot be read or parsed has the current
conventions, and its own test then reports why it fails.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from autograder.framework import TestContext

MAX_SOURCE = 4 << 20  # bytes; the staged submission's files are capped below this anyway


def _function(t: TestContext, module: str, name: str) -> ast.FunctionDef | None:
    """The top-level function NAME of the student's cs231n/MODULE.py, parsed, or None."""
    path = t.submission / "cs231n" / f"{module}.py"
    try:
        info = path.lstat()
    except OSError:
        return None
    if not path.is_file() or path.is_symlink() or info.st_size > MAX_SOURCE:
        return None
    tree = _parsed(str(path), info.st_size, info.st_mtime_ns)
    found = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == name] if tree else []
    return found[-1] if found else None


@functools.lru_cache(maxsize=8)
def _parsed(path: str, size: int, mtime_ns: int) -> ast.Module | None:
    """The parsed file at PATH (SIZE and MTIME_NS make a changed file a new entry)."""
    try:
        return ast.parse(Path(path).read_bytes())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def adam_first_t(t: TestContext) -> int:
    """The t that the student's adam starts from when config has none: N from `config.setdefault('t', N)` (the
    2016-17 starter has 1) or from a `t=N` default given to a helper (`_configure(config, ..., t=0)`) in its body,
    else 0."""
    node = _function(t, "optim", "adam")
    for call in ast.walk(node) if node else ():
        if not isinstance(call, ast.Call):
            continue
        if (isinstance(call.func, ast.Attribute) and call.func.attr == "setdefault" and len(call.args) == 2
                and _constant(call.args[0]) == "t" and type(_constant(call.args[1])) is int):
            return _constant(call.args[1])
        for keyword in call.keywords:
            if keyword.arg == "t" and type(_constant(keyword.value)) is int:
                return _constant(keyword.value)
    return 0


def _constant(node: ast.AST) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def dropout_p_drops(t: TestContext) -> bool:
    """Whether the student's dropout_forward documents p as the probability of dropping a unit (2016-17)."""
    node = _function(t, "layers", "dropout_forward")
    doc = (ast.get_docstring(node) or "") if node else ""
    sentence = re.search(r"[^.]*\bwith probability p\b", doc)
    return bool(sentence) and re.search(r"\bdrop", sentence.group(0), re.I) is not None and \
        re.search(r"\bkeep", sentence.group(0), re.I) is None
