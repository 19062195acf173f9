"""Submissions written the way students write them, for the verdict tests (tests/test_verdicts.py): the release with
its stubs filled by degenerate code (zeros, constants, random answers with NaN gradients), and small edits of the
reference in real students' styles (keepdims, eps placement, the 2016-17 starter code, models that game accuracy).

Every edit names the text it replaces, which must occur exactly once (tests/mutants.py's rule)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import REFERENCE, RELEASE, edit_once, reference_copy

STUB = re.compile(r"^( *)raise NotImplementedError\(\"([A-Za-z_.]+): not implemented yet.*$", re.M)

# What each stub of the release computes, in a degenerate way: (variable, shape expression, kind) per output, kind
# "f" for what a forward pass or an update returns, "b" for a gradient, "s" for a scalar loss; then plain lines.
# Keyed by the stub's function and its occurrence in that function (batchnorm_forward has two: train and test).
STUBS: dict[tuple[str, int], tuple[list[tuple[str, str, str]], list[str]]] = {
    ("affine_forward", 0): ([("out", "(x.shape[0], w.shape[1])", "f")], []),
    ("affine_backward", 0): ([("dx", "x.shape", "b"), ("dw", "w.shape", "b"), ("db", "b.shape", "b")], []),
    ("relu_forward", 0): ([("out", "x.shape", "f")], []),
    ("relu_backward", 0): ([("dx", "dout.shape", "b")], []),
    ("batchnorm_forward", 0): ([("out", "x.shape", "f")], ["cache = (x, gamma)"]),
    ("batchnorm_forward", 1): ([("out", "x.shape", "f")], []),
    ("batchnorm_backward", 0): ([("dx", "dout.shape", "b"), ("dgamma", "dout.shape[1:]", "b"),
                                 ("dbeta", "dout.shape[1:]", "b")], []),
    ("batchnorm_backward_alt", 0): ([("dx", "dout.shape", "b"), ("dgamma", "dout.shape[1:]", "b"),
                                     ("dbeta", "dout.shape[1:]", "b")], []),
    ("layernorm_forward", 0): ([("out", "x.shape", "f")], ["cache = (x, gamma)"]),
    ("layernorm_backward", 0): ([("dx", "dout.shape", "b"), ("dgamma", "dout.shape[1:]", "b"),
                                 ("dbeta", "dout.shape[1:]", "b")], []),
    ("dropout_forward", 0): ([("out", "x.shape", "f"), ("mask", "x.shape", "f")], []),
    ("dropout_forward", 1): ([("out", "x.shape", "f")], []),
    ("dropout_backward", 0): ([("dx", "dout.shape", "b")], []),
    ("conv_forward_naive", 0): ([("out", "(x.shape[0], w.shape[0], 1 + (x.shape[2] + 2 * conv_param['pad'] - "
                                  "w.shape[2]) // conv_param['stride'], 1 + (x.shape[3] + 2 * conv_param['pad'] - "
                                  "w.shape[3]) // conv_param['stride'])", "f")], []),
    ("conv_backward_naive", 0): ([("dx", "cache[0].shape", "b"), ("dw", "cache[1].shape", "b"),
                                  ("db", "cache[2].shape", "b")], []),
    ("max_pool_forward_naive", 0): ([("out", "(x.shape[0], x.shape[1], 1 + (x.shape[2] - pool_param['pool_height'])"
                                      " // pool_param['stride'], 1 + (x.shape[3] - pool_param['pool_width']) // "
                                      "pool_param['stride'])", "f")], []),
    ("max_pool_backward_naive", 0): ([("dx", "cache[0].shape", "b")], []),
    ("spatial_batchnorm_forward", 0): ([("out", "x.shape", "f")], ["cache = (x, gamma)"]),
    ("spatial_batchnorm_backward", 0): ([("dx", "dout.shape", "b"), ("dgamma", "dout.shape[1:2]", "b"),
                                         ("dbeta", "dout.shape[1:2]", "b")], []),
    ("spatial_groupnorm_forward", 0): ([("out", "x.shape", "f")], ["cache = (x, gamma)"]),
    ("spatial_groupnorm_backward", 0): ([("dx", "dout.shape", "b"), ("dgamma", "(1, dout.shape[1], 1, 1)", "b"),
                                         ("dbeta", "(1, dout.shape[1], 1, 1)", "b")], []),
    ("sgd_momentum", 0): ([("next_w", "w.shape", "f")], []),
    ("rmsprop", 0): ([("next_w", "w.shape", "f")], []),
    ("adam", 0): ([("next_w", "w.shape", "f")], []),
    ("TwoLayerNet.__init__", 0): ([("self.params['W1']", "(input_dim, hidden_dim)", "f"),
                                   ("self.params['b1']", "(hidden_dim,)", "f"),
                                   ("self.params['W2']", "(hidden_dim, num_classes)", "f"),
                                   ("self.params['b2']", "(num_classes,)", "f")], []),
    ("TwoLayerNet.loss", 0): ([("scores", "(X.shape[0], self.params['W2'].shape[1])", "f")], []),
    ("TwoLayerNet.loss", 1): ([("loss", "", "s")], ["grads = {k: GRAD(v.shape) for k, v in self.params.items()}"]),
    ("FullyConnectedNet.__init__", 0): ([], [
        "dims = [input_dim, *hidden_dims, num_classes]",
        "for i in range(1, self.num_layers + 1):",
        "    self.params[f'W{i}'] = OUT((dims[i - 1], dims[i]))",
        "    self.params[f'b{i}'] = OUT((dims[i],))",
        "    if self.normalization and i < self.num_layers:",
        "        self.params[f'gamma{i}'] = OUT((dims[i],))",
        "        self.params[f'beta{i}'] = OUT((dims[i],))"]),
    ("FullyConnectedNet.loss", 0): ([("scores", "(X.shape[0], self.params[f'W{self.num_layers}'].shape[1])", "f")],
                                    []),
    ("FullyConnectedNet.loss", 1): ([("loss", "", "s")],
                                    ["grads = {k: GRAD(v.shape) for k, v in self.params.items()}"]),
    ("ThreeLayerConvNet.__init__", 0): ([], [
        "C, H, W = input_dim",
        "self.params['W1'] = OUT((num_filters, C, filter_size, filter_size))",
        "self.params['b1'] = OUT((num_filters,))",
        "self.params['W2'] = OUT((num_filters * (H // 2) * (W // 2), hidden_dim))",
        "self.params['b2'] = OUT((hidden_dim,))",
        "self.params['W3'] = OUT((hidden_dim, num_classes))",
        "self.params['b3'] = OUT((num_classes,))"]),
    ("ThreeLayerConvNet.loss", 0): ([("scores", "(X.shape[0], self.params['W3'].shape[1])", "f")], []),
    ("ThreeLayerConvNet.loss", 1): ([("loss", "", "s")],
                                    ["grads = {k: GRAD(v.shape) for k, v in self.params.items()}"]),
}

# The stubs of cs231n/pytorch_models.py, as plain lines: TENSOR is MODES' torch factory (called with sizes). The
# modules hold no layers, the nn.Sequential ones the wrong layers with degenerate weights; outputs are tensors of the
# right shape that ignore the input, random_weight a constant one.
TORCH_FILE = "pytorch_models.py"
DEGENERATE_WEIGHTS = "with torch.no_grad():\n    for p in PARAMS.parameters(): p.copy_(TENSOR(*p.shape))"
TORCH_STUBS: dict[tuple[str, int], list[str]] = {
    ("flatten", 0): ["return TENSOR(x.shape[0], x[0].numel())"],
    ("random_weight", 0): ["w = TENSOR(*shape, dtype=dtype).requires_grad_()"],
    ("two_layer_fc", 0): ["scores = TENSOR(x.shape[0], w2.shape[1])"],
    ("three_layer_convnet", 0): ["scores = TENSOR(x.shape[0], fc_w.shape[1])"],
    ("TwoLayerFC.__init__", 0): ["self.classes = num_classes"],
    ("TwoLayerFC.forward", 0): ["scores = TENSOR(x.shape[0], self.classes)"],
    ("ThreeLayerConvNet.__init__", 0): ["self.classes = num_classes"],
    ("ThreeLayerConvNet.forward", 0): ["scores = TENSOR(x.shape[0], self.classes)"],
    ("sequential_three_layer_convnet", 0): [
        "model = nn.Sequential(nn.Flatten(), nn.Linear(in_channel * image_size[0] * image_size[1], num_classes))",
        *DEGENERATE_WEIGHTS.replace("PARAMS", "model").splitlines()],
    ("best_model", 0): ["model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))",
                        *DEGENERATE_WEIGHTS.replace("PARAMS", "model").splitlines()],
}

# How each degenerate kind of submission fills outputs (OUT), gradients (GRAD), the loss, and torch tensors (TENSOR).
MODES = {
    "zeros": ("np.zeros", "np.zeros", "0.0", "torch.zeros"),  # everything zero, of the right shapes
    "constant": ("np.ones", "np.zeros", "1.0", "torch.ones"),  # constant outputs and losses, zero gradients
    "random_nan": ("(lambda s: np.random.randn(*s))", "(lambda s: np.full(s, np.nan))", "np.random.rand()",
                   "(lambda *s, **k: torch.full(s, float('nan'), **k))"),
}


def stubbed_release(dest: Path, mode: str) -> Path:
    """A copy of the release at DEST whose every stub returns MODE's degenerate values of the right shapes."""
    out, grad, loss, tensor = MODES[mode]
    reference_copy(dest, RELEASE / "cs231n")
    for path in (dest / "cs231n").rglob("*.py"):
        text = path.read_text()
        seen: dict[str, int] = {}

        def fill(match: re.Match, seen: dict[str, int] = seen, torch_file: bool = path.name == TORCH_FILE) -> str:
            indent, name = match.group(1), match.group(2)
            key = name.split(".")[-1] if "." in name and not name[0].isupper() else name
            k = seen[key] = seen.get(key, -1) + 1
            if torch_file:
                return "\n".join(indent + line.replace("TENSOR", tensor) for line in TORCH_STUBS[(key, k)])
            outputs, lines = STUBS[(key, k)]
            code = [f"{var} = {loss}" if kind == "s" else f"{var} = {out if kind == 'f' else grad}({shape})"
                    for var, shape, kind in outputs]
            code += [line.replace("OUT", out).replace("GRAD", grad) for line in lines]
            return "\n".join(indent + line for line in code)

        new = STUB.sub(fill, text)
        if new != text:
            path.write_text(new)
    return dest


def edited(dest: Path, edits: list[tuple[str, str, str]], base: Path = REFERENCE) -> Path:
    """A copy of BASE (the reference package) at DEST/cs231n with EDITS [(file, old, new)] applied."""
    reference_copy(dest, base)
    for rel, old, new in edits:
        edit_once(dest / "cs231n" / rel, old, new)
    return dest
