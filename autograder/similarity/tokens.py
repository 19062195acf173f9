"""Python code as the normalized tokens that fingerprints are taken of.

Student code is hostile text: a regular expression splits anything (Python 2, syntax errors, binary garbage) into
tokens in linear time; nothing is imported or evaluated. Normalization keeps what a disguise leaves alone and drops
what it changes:
- comments, triple-quoted strings (docstrings, code commented out), layout, `;`, `\\` and trailing commas go, so
  reformatting, commenting and re-wrapping change nothing;
- names the student chose (variables, parameters, attributes, helpers) become `V`, so renaming changes nothing;
- keywords, builtins, numpy's names, keyword arguments (`axis=0`), the names the release defines (its functions,
  `self.params`...), numbers, operators and string literals (dictionary keys such as 'W1') stay: every solution
  writes them, a disguise does not change them, and they tell `np.sum(x, axis=0)` from `np.mean(x, axis=1)`.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass
from functools import cache

import numpy as np

NAME = "V"
_TOKEN = re.compile(
    r"(?P<comment>\#[^\n]*)"
    r"|(?P<doc>[rRbBuUfF]{0,2}(?:'''[\s\S]*?(?:'''|\Z)|\"\"\"[\s\S]*?(?:\"\"\"|\Z)))"
    r"|(?P<string>[rRbBuUfF]{0,2}(?:'(?:\\.|[^'\\\n])*'?|\"(?:\\.|[^\"\\\n])*\"?))"
    r"|(?P<number>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*=?|//=?|>>=?|<<=?|->|:=|[-+*/%&|^@<>=!]=|[^\s\w])"
)
_DROPPED_OPS = frozenset({";", "\\"})
_OPENING = frozenset({"(", "[", "{"})
_CLOSING = frozenset({")", "]", "}"})


@dataclass(frozen=True)
class Tokens:
    """The normalized tokens of one piece of code: text[i] spans characters start[i]:end[i] of that code."""

    text: tuple[str, ...]
    start: np.ndarray
    end: np.ndarray

    def __len__(self) -> int:
        return len(self.text)


@cache
def _python_names() -> frozenset[str]:
    """Names no disguise renames: Python's keywords and builtins, the usual names of numpy and of the instance."""
    python = set(keyword.kwlist) | set(keyword.softkwlist) | set(dir(builtins))
    return frozenset(n for n in python if not n.startswith("_")) | {"self", "cls", "np", "numpy"}


@cache
def _numpy_attributes() -> frozenset[str]:
    """numpy's functions, submodules, array methods and attributes: what follows `np.` or `x.`."""
    spaces = (np, np.ndarray, np.random, np.linalg, np.lib.stride_tricks)
    return frozenset(n for space in spaces for n in dir(space) if not n.startswith("__"))


class Normalizer:
    """Turns code into Tokens, keeping Python's and numpy's names, the release's function and class names
    (DEFINED) and, after a dot, its attribute names (ATTRIBUTES)."""

    def __init__(self, defined: frozenset[str] = frozenset(), attributes: frozenset[str] = frozenset()) -> None:
        self.names = _python_names() | defined
        self.attributes = self.names | attributes | _numpy_attributes()

    def tokens(self, code: str) -> Tokens:
        text: list[str] = []
        start: list[int] = []
        end: list[int] = []
        brackets: list[str] = []
        renamed = ""  # the name the last token replaced, if it was a renamed name
        for match in _TOKEN.finditer(code):
            kind, value = match.lastgroup, match.group()
            if kind in ("comment", "doc") or value in _DROPPED_OPS:
                continue
            if kind == "name":
                kept = self.attributes if text and text[-1] == "." else self.names
                value, renamed = (value, "") if value in kept else (NAME, value)
            else:
                if value == "=" and renamed and brackets[-1:] == ["("]:  # a keyword argument: f(x, axis=0)
                    text[-1] = renamed
                renamed = ""
                if kind == "string":
                    value = _string(value)
                elif kind == "number":
                    value = value.lower().replace("_", "")
                elif value in _OPENING:
                    brackets.append(value)
                elif value in _CLOSING:
                    if brackets:
                        brackets.pop()
                    if text and text[-1] == ",":  # f(a, b,) is f(a, b)
                        text.pop(), start.pop(), end.pop()
            text.append(value)
            start.append(match.start())
            end.append(match.end())
        return Tokens(tuple(text), np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64))


def _string(literal: str) -> str:
    """A string literal as a token: its content whatever the quotes; f-strings as one token (they embed names)."""
    prefix = re.match(r"[rRbBuUfF]*", literal).group().lower()
    if "f" in prefix:
        return "f''"
    body = literal[len(prefix):]
    return "'" + body[1:-1 if len(body) > 1 and body[-1] == body[0] else None] + "'"
