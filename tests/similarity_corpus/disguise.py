"""The disguises a copier applies, each a program over a package's files ({path in cs231n/: text}): renamed
variables, reformatted lines, comments removed and added, functions reordered and moved to another file, a few
independent statements swapped. `disguise` applies the chosen ones in a fixed order; the result is still valid
Python (never run, only compared)."""

from __future__ import annotations

import ast
import io
import random
import re
import tokenize
from collections.abc import Callable

Files = dict[str, str]
REORDERED = ("layers.py", "optim.py", "layer_utils.py")
PHRASES = ("compute the result", "forward step", "vectorized version", "see lecture notes", "gradient here",
           "shape check", "TODO remove debug", "update the cache", "careful with the shapes", "this took a while")
WORDS = ("val", "tmp", "arr", "res", "buf", "q", "item", "elem", "thing", "mat", "vec", "blob")


def _top_level_defs(text: str) -> tuple[list[str], list[str]]:
    """TEXT as (header lines, one chunk of lines per top-level function with the blank lines before it)."""
    lines = text.splitlines(keepends=True)
    defs = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)]
    if not defs:
        return lines, []
    chunks, begin = [], defs[0].lineno - 1
    for node in defs:
        chunks.append(lines[begin : node.end_lineno])
        begin = node.end_lineno
    return lines[: defs[0].lineno - 1] + lines[begin:], chunks


def reorder(files: Files, rng: random.Random) -> Files:
    out = dict(files)
    for rel in REORDERED:
        if rel in out:
            header, chunks = _top_level_defs(out[rel])
            rng.shuffle(chunks)
            out[rel] = "".join(header) + "\n\n" + "".join("".join(c).rstrip("\n") + "\n\n\n" for c in chunks)
    return out


def move(files: Files, rng: random.Random, count: int = 3, names: tuple[str, ...] = ()) -> Files:
    """Moves COUNT functions of layers.py (those of NAMES if given) to the end of layer_utils.py."""
    out = dict(files)
    header, chunks = _top_level_defs(out["layers.py"])
    moved = ({i for i, c in enumerate(chunks) if any(f"def {n}(" in "".join(c) for n in names)} if names
             else set(rng.sample(range(len(chunks)), min(count, len(chunks)))))
    out["layers.py"] = "".join(header) + "".join("".join(c) for i, c in enumerate(chunks) if i not in moved)
    out["layer_utils.py"] = out["layer_utils.py"].rstrip("\n") + "\n\n" + "".join(
        "".join(c) for i, c in enumerate(chunks) if i in moved)
    return out


def _local_names(tree: ast.Module) -> set[str]:
    """Names bound inside functions (parameters but self, assigned names, loop targets)."""
    top = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            found.update(a.arg for a in node.args.args + node.args.kwonlyargs if a.arg != "self")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
    return found - top - {"np"}


def rename(files: Files, rng: random.Random) -> Files:
    """Every local name gets another (consistently in each file); attributes and keyword arguments stay."""
    out = {}
    for rel, text in files.items():
        names = sorted(_local_names(ast.parse(text)))
        new = {n: f"{rng.choice(WORDS)}_{i}" for i, n in enumerate(names)}
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
        lines = text.splitlines(keepends=True)
        depth = 0
        edits = []
        for i, tok in enumerate(tokens):
            if tok.type == tokenize.OP and tok.string in "([{":
                depth += 1
            elif tok.type == tokenize.OP and tok.string in ")]}":
                depth -= 1
            if tok.type != tokenize.NAME or tok.string not in new:
                continue
            before = tokens[i - 1].string if i else ""
            after = tokens[i + 1].string if i + 1 < len(tokens) else ""
            if before in (".", "def", "class") or (after == "=" and depth > 0):
                continue
            edits.append((tok.start, tok.end, new[tok.string]))
        for (row, col), (_, end), name in reversed(edits):
            line = lines[row - 1]
            lines[row - 1] = line[:col] + name + line[end:]
        out[rel] = "".join(lines)
    return out


def recomment(files: Files, rng: random.Random) -> Files:
    """Drops most comment lines (not the START/END markers) and adds comments of its own."""
    out = {}
    for rel, text in files.items():
        lines = []
        for line in text.splitlines(keepends=True):
            stripped = line.strip()
            if stripped.startswith("#") and "YOUR CODE" not in stripped and rng.random() < 0.8:
                continue
            if re.match(r"\s+[a-z_]\w*(\[.*\])?\s*=[^=]", line) and rng.random() < 0.15:
                indent = line[: len(line) - len(line.lstrip())]
                lines.append(f"{indent}# {rng.choice(PHRASES)}\n")
            lines.append(line)
        out[rel] = "".join(lines)
    return out


def reformat(files: Files, rng: random.Random) -> Files:
    """Lays every token out anew (spacing around operators and commas changes everywhere)."""
    del rng
    return {rel: tokenize.untokenize([(t.type, t.string) for t in
                                      tokenize.generate_tokens(io.StringIO(text).readline)])
            for rel, text in files.items()}


def swap(files: Files, rng: random.Random, count: int = 4) -> Files:
    """Swaps COUNT pairs of adjacent one-line statements that do not depend on each other, in layers.py."""
    text = files["layers.py"]
    lines = text.splitlines(keepends=True)
    pairs = []
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for first, second in zip(body, body[1:], strict=False):
            if _independent(first, second):
                pairs.append((first.lineno, second.lineno))
    chosen = rng.sample(pairs, min(count, len(pairs)))
    used: set[int] = set()
    for a, b in sorted(chosen):
        if a in used or b in used:
            continue
        lines[a - 1], lines[b - 1] = lines[b - 1], lines[a - 1]
        used.update((a, b))
    return {**files, "layers.py": "".join(lines)}


def _independent(first: ast.stmt, second: ast.stmt) -> bool:
    simple = (ast.Assign, ast.AugAssign)
    if not (isinstance(first, simple) and isinstance(second, simple)):
        return False
    if first.lineno != first.end_lineno or second.lineno != second.end_lineno or second.lineno != first.lineno + 1:
        return False

    def names(node: ast.AST, ctx: type) -> set[str]:
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}

    w1, w2 = names(first, ast.Store), names(second, ast.Store)
    r1, r2 = names(first, ast.Load), names(second, ast.Load)
    if isinstance(first, ast.AugAssign) or isinstance(second, ast.AugAssign):
        return False
    return not (w1 & r2 or w2 & r1 or w1 & w2)


DISGUISES: dict[str, Callable[[Files, random.Random], Files]] = {
    "move": move, "reorder": reorder, "swap": swap, "rename": rename, "recomment": recomment, "reformat": reformat}


def disguise(files: Files, rng: random.Random, which: tuple[str, ...] = tuple(DISGUISES)) -> Files:
    """FILES with the disguises named in WHICH applied (in DISGUISES' order); each result still parses."""
    for name, apply in DISGUISES.items():
        if name in which:
            files = apply(files, rng)
            for rel, text in files.items():
                ast.parse(text, filename=f"{rel} after {name}")
    return files
