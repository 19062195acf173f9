"""How an independent student spells the same computation: a Style is a set of habits (np.sum(x) or x.sum(),
x @ w or x.dot(w) or np.dot(x, w), a ** 2 or a * a, a += b or a = a + b, f"W{i}" or "W%d" % i or "W" + str(i),
operand order), drawn at random per student, and applied to code with an AST transformer (ast.unparse lays the
code out anew: one more way in which independent solutions differ)."""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass

_REDUCTIONS = frozenset({"sum", "mean", "max", "var", "transpose"})
CHATTER = ("assert {v} is not None", "{v} = np.asarray({v})", "size = np.size({v})", "{v} = {v}.copy()",
           "shape = np.shape({v})", "assert np.all(np.isfinite({v}))", "print(np.shape({v}))",
           "{v} = np.array({v}, dtype=float)", "dims = np.ndim({v})")


@dataclass(frozen=True)
class Style:
    reductions_as_functions: bool
    matmul: str  # "@", "dot" (x.dot(w)) or "np.dot"
    square: str  # "**", "*" or "np.square"
    expand_augmented: bool
    split_tuples: bool
    keys: str  # "f", "%" or "+"
    commute: float  # chance of swapping the operands of a + or *
    sqrt_as_power: bool  # np.sqrt(v) or v ** 0.5
    get_params: bool  # conv_param.get('stride') rather than conv_param['stride']
    len_for_rows: bool  # len(x) rather than x.shape[0]
    hoist: float  # chance of naming the left operand of a long expression first
    reorder: float  # chance of swapping two adjacent statements that do not depend on each other
    chatter: float  # chance of a statement of one's own after a statement (a check, a copy, a size)

    @classmethod
    def draw(cls, rng: random.Random) -> Style:
        return cls(rng.random() < 0.5, rng.choice(["@", "dot", "np.dot"]), rng.choice(["**", "*", "np.square"]),
                   rng.random() < 0.4, rng.random() < 0.5, rng.choice(["f", "%", "+"]), rng.choice([0.0, 0.3, 0.6]),
                   rng.random() < 0.3, rng.random() < 0.3, rng.random() < 0.3, rng.choice([0.0, 0.2, 0.4]),
                   rng.choice([0.2, 0.5]), rng.choice([0.1, 0.2, 0.3]))


def _np(attr: str) -> ast.Attribute:
    return ast.Attribute(ast.Name("np", ast.Load()), attr, ast.Load())


def _is_text(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str")


class _Restyle(ast.NodeTransformer):
    def __init__(self, style: Style, rng: random.Random) -> None:
        self.style, self.rng = style, rng
        self.temporaries = 0

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        value, key = node.value, node.slice
        if (self.style.get_params and isinstance(node.ctx, ast.Load) and isinstance(value, ast.Name)
                and (value.id.endswith("_param") or value.id == "config") and isinstance(key, ast.Constant)):
            return ast.Call(ast.Attribute(value, "get", ast.Load()), [key], [])
        if (self.style.len_for_rows and isinstance(node.ctx, ast.Load) and isinstance(value, ast.Attribute)
                and value.attr == "shape" and isinstance(key, ast.Constant) and key.value == 0):
            return ast.Call(ast.Name("len", ast.Load()), [value.value], [])
        return node

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        """BODY with long expressions split and independent neighbours swapped, as this student would."""
        out: list[ast.stmt] = []
        for stmt in body:
            if (isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.BinOp)
                    and sum(1 for _ in ast.walk(stmt.value.left)) >= 6 and self.rng.random() < self.style.hoist):
                self.temporaries += 1
                name = f"part{self.temporaries}"
                out.append(ast.Assign([ast.Name(name, ast.Store())], stmt.value.left, lineno=0))
                stmt.value.left = ast.Name(name, ast.Load())
            out.append(stmt)
        for i in range(len(out) - 1):
            if _independent(out[i], out[i + 1]) and self.rng.random() < self.style.reorder:
                out[i], out[i + 1] = out[i + 1], out[i]
        chatty: list[ast.stmt] = []
        for stmt in out:
            chatty.append(stmt)
            names = sorted({n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and n.id not in ("np", "self")})
            if names and isinstance(stmt, ast.Assign) and self.rng.random() < self.style.chatter:
                chatty.append(ast.parse(self.rng.choice(CHATTER).format(v=self.rng.choice(names))).body[0])
        return chatty

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        for name in ("body", "orelse"):
            if isinstance(getattr(node, name, None), list) and getattr(node, name):
                setattr(node, name, self._body(getattr(node, name)))
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if (self.style.sqrt_as_power and isinstance(func, ast.Attribute) and func.attr == "sqrt"
                and len(node.args) == 1):
            return ast.BinOp(node.args[0], ast.Pow(), ast.Constant(0.5))
        if not isinstance(func, ast.Attribute) or func.attr not in _REDUCTIONS:
            return node
        on_np = isinstance(func.value, ast.Name) and func.value.id == "np"
        if self.style.reductions_as_functions and not on_np:
            return ast.Call(_np(func.attr), [func.value, *node.args], node.keywords)
        if not self.style.reductions_as_functions and on_np and node.args:
            return ast.Call(ast.Attribute(node.args[0], func.attr, ast.Load()), node.args[1:], node.keywords)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        s = self.style
        if isinstance(node.op, ast.MatMult) and s.matmul != "@":
            if s.matmul == "dot":
                return ast.Call(ast.Attribute(node.left, "dot", ast.Load()), [node.right], [])
            return ast.Call(_np("dot"), [node.left, node.right], [])
        if (isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) and node.right.value == 2
                and s.square != "**"):
            if s.square == "*":
                return ast.BinOp(node.left, ast.Mult(), node.left)
            return ast.Call(_np("square"), [node.left], [])
        if isinstance(node.op, ast.Add | ast.Mult) and not (_is_text(node.left) or _is_text(node.right)):
            if self.rng.random() < s.commute:
                return ast.BinOp(node.right, node.op, node.left)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        if self.style.expand_augmented and isinstance(node.target, ast.Name):
            return ast.Assign([ast.Name(node.target.id, ast.Store())],
                              ast.BinOp(ast.Name(node.target.id, ast.Load()), node.op, node.value), lineno=0)
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.AST | list[ast.AST]:
        self.generic_visit(node)
        target = node.targets[0]
        if (self.style.split_tuples and len(node.targets) == 1 and isinstance(target, ast.Tuple)
                and isinstance(node.value, ast.Tuple) and len(target.elts) == len(node.value.elts)
                and all(isinstance(t, ast.Name) for t in target.elts)):
            written = {t.id for t in target.elts}
            read = {n.id for v in node.value.elts for n in ast.walk(v) if isinstance(n, ast.Name)}
            if not written & read:
                return [ast.Assign([t], v, lineno=0) for t, v in zip(target.elts, node.value.elts, strict=True)]
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        parts = node.values
        if (self.style.keys == "f" or len(parts) != 2 or not isinstance(parts[0], ast.Constant)
                or not isinstance(parts[1], ast.FormattedValue)):
            return node
        prefix, value = parts[0], parts[1].value
        if self.style.keys == "%":
            return ast.BinOp(ast.Constant(prefix.value + "%d"), ast.Mod(), value)
        return ast.BinOp(prefix, ast.Add(), ast.Call(ast.Name("str", ast.Load()), [value], []))


def _independent(first: ast.stmt, second: ast.stmt) -> bool:
    """Whether two simple assignments can trade places (neither reads or writes what the other writes)."""
    if not (isinstance(first, ast.Assign) and isinstance(second, ast.Assign)):
        return False

    def names(node: ast.AST, ctx: type) -> set[str]:
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}

    written = names(first, ast.Store), names(second, ast.Store)
    read = names(first, ast.Load), names(second, ast.Load)
    subscripted = any(isinstance(t, ast.Subscript | ast.Attribute) for s in (first, second) for t in s.targets)
    return not (subscripted or written[0] & read[1] or written[1] & read[0] or written[0] & written[1])


def restyle(code: str, style: Style, rng: random.Random) -> str:
    """CODE (a region body, from column 0) spelled in STYLE."""
    tree = _Restyle(style, rng).visit(ast.parse(code))
    return ast.unparse(ast.fix_missing_locations(tree))
