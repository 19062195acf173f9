"""The public tests behind `autograder check`: what a student may run on their own folder in seconds.

They use no reference solution and no hidden inputs: the published values the notebooks print (initial losses, the
update rules' expected corners) and the self-consistency of every backward pass with the student's own forward pass
(random directional derivatives). Passing them does not guarantee full marks; failing them pinpoints a bug early.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

from autograder import checks
from autograder.framework import TEST_INFO, TESTS, Fail, TestContext, grader_test, run_test
from autograder.session import RunnerSession
from autograder.submission import Submission, stage

MODULES = ("layers", "optim", "layer_utils", "classifiers.fc_net", "classifiers.cnn")


@grader_test("public.imports", suite="public")
def imports(t: TestContext) -> None:
    """Every graded module imports."""
    for module in MODULES:
        with t.part(f"cs231n/{module.replace('.', '/')}.py imports"):
            t.import_module(module)


@grader_test("public.fcn_initial_loss", suite="public")
def fcn_initial_loss(t: TestContext) -> None:
    """FullyConnectedNet's published initial losses: 2.3004790897684924, then with reg 3.14 7.052114776533016.

    As in the notebook: seed 231, X and y drawn, then the two models built one after the other (the second one's
    weights are the draws that follow the first one's)."""
    rs = np.random.RandomState(231)
    x, y = rs.randn(2, 15), rs.randint(10, size=(2,))
    state = rs.get_state()[1:]
    for reg, want in ((0.0, 2.3004790897684924), (3.14, 7.052114776533016)):
        with t.part(f"initial loss with reg={reg}"):
            model = t.call("classifiers.fc_net.FullyConnectedNet", [20, 30], input_dim=15, num_classes=10, reg=reg,
                           weight_scale=5e-2, dtype=np.float64, rng_state=state, what="FullyConnectedNet")
            state = None
            value = t.call(model, x, y, attr="loss", what="FullyConnectedNet.loss")
            loss = checks.unpack(value, 2, "FullyConnectedNet.loss", "(loss, grads)")[0]
            got = float(np.asarray(loss).reshape(-1)[0]) if np.size(loss) == 1 else float("nan")
            if not abs(got - want) <= 1e-6 * abs(want):
                raise Fail(f"loss {got:.10f}, published {want:.10f} (draw the weights layer by layer, W1, W2, ...)")


@grader_test("public.adam", suite="public")
def adam(t: TestContext) -> None:
    """adam on the notebook's setup reaches the published next_w[0, 0] and next_w[-1, -1]."""
    n, d = 4, 5
    w = np.linspace(-0.4, 0.6, num=n * d).reshape(n, d)
    dw = np.linspace(-0.6, 0.4, num=n * d).reshape(n, d)
    m = np.linspace(0.6, 0.9, num=n * d).reshape(n, d)
    v = np.linspace(0.7, 0.5, num=n * d).reshape(n, d)
    config = {"learning_rate": 1e-2, "m": m, "v": v, "t": 5}
    next_w, _ = checks.unpack(t.call("optim.adam", w, dw, config), 2, "adam", "(next_w, config)")
    checks.array(next_w, "adam: next_w", w.shape)
    corners = np.array([next_w[0, 0], next_w[-1, -1]])
    err = checks.rel_error(corners, np.array([-0.40094747, 0.59801459]))
    if err > 1e-6:
        raise Fail(f"adam: next_w corners are off by relative error {err:.1e} (check bias correction and t)")


LAYERS: dict[str, Callable[[np.random.Generator], tuple[list, list, tuple[str, ...]]]] = {
    "affine": lambda r: ([r.standard_normal((3, 2, 4)), r.standard_normal((8, 5)), r.standard_normal(5)], [],
                         ("dx", "dw", "db")),
    "relu": lambda r: ([r.standard_normal((4, 6))], [], ("dx",)),
    "batchnorm": lambda r: ([r.standard_normal((6, 4)), r.standard_normal(4), r.standard_normal(4)],
                            [{"mode": "train"}], ("dx", "dgamma", "dbeta")),
    "layernorm": lambda r: ([r.standard_normal((4, 6)), r.standard_normal(6), r.standard_normal(6)], [{}],
                            ("dx", "dgamma", "dbeta")),
    "conv": lambda r: ([r.standard_normal((2, 3, 5, 6)), r.standard_normal((2, 3, 3, 2)), r.standard_normal(2)],
                       [{"stride": 1, "pad": 1}], ("dx", "dw", "db")),
    "max_pool": lambda r: ([r.permutation(2 * 2 * 4 * 6).reshape(2, 2, 4, 6) / 7.0],
                           [{"pool_height": 2, "pool_width": 2, "stride": 2}], ("dx",)),
    "spatial_batchnorm": lambda r: ([r.standard_normal((3, 2, 3, 4)), r.standard_normal(2), r.standard_normal(2)],
                                    [{"mode": "train"}], ("dx", "dgamma", "dbeta")),
}


def _self_consistency(layer: str) -> None:
    suffix = "_naive" if layer in ("conv", "max_pool") else ""

    @grader_test(f"public.{layer}_backward", suite="public")
    def test(t: TestContext) -> None:
        inputs, extra, names = LAYERS[layer](t.rng)
        fwd, bwd = f"layers.{layer}_forward{suffix}", f"layers.{layer}_backward{suffix}"

        def forward(xs: list[np.ndarray]) -> np.ndarray:
            out, _ = checks.unpack(t.call(fwd, *xs, *extra), 2, fwd, "(out, cache)")
            return checks.array(out, f"{fwd}: out")

        out, cache = checks.unpack(t.call(fwd, *inputs, *extra), 2, fwd, "(out, cache)")
        dout = t.rng.standard_normal(np.shape(out))
        grads = t.call(bwd, dout, cache)
        grads = (grads,) if len(names) == 1 and isinstance(grads, np.ndarray) else grads
        grads = checks.unpack(grads, len(names), bwd, "(" + ", ".join(names) + ")")
        for i, (name, grad) in enumerate(zip(names, grads, strict=True)):
            with t.part(f"{bwd}: {name} agrees with numerical gradients of your forward"):
                checks.array(grad, f"{bwd}: {name}", inputs[i].shape, like=name[1:])
                verdict = checks.consistent(forward, inputs, dout, {i: grad}, t.rng)
                if verdict.why:
                    raise Fail(f"{bwd}: {name} could not be checked against numerical gradients of {fwd}: "
                               f"{verdict.why}")
                if not verdict.ok:
                    raise Fail(f"{bwd}: {name} differs from the numerical gradient (relative error "
                               f"{verdict.error:.1e})")

    test.__doc__ = f"{layer} backward agrees with numerical gradients of your own forward."


for _layer in LAYERS:
    _self_consistency(_layer)


def check(sub: Submission, sandboxed: bool = True) -> int:
    """Run the public tests on SUB, print a report; exit status 0 when all pass."""
    import tempfile
    from pathlib import Path

    names = [n for n in TESTS if TEST_INFO[n].suite == "public"]
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as scratch:
        root = stage(sub, Path(scratch) / "submission")
        for note in sub.notes:
            print("note:", note)
        failed = 0
        with RunnerSession(root, sandboxed=sandboxed) as session:
            for name in names:
                outcome = run_test(name, session)
                ok = outcome.fraction >= 1.0
                failed += not ok
                print(f"{'ok  ' if ok else 'FAIL'} {name}")
                if not ok:
                    print("     " + "\n     ".join(outcome.lines))
    print(f"{len(names) - failed} of {len(names)} public checks passed"
          + ("" if not failed else "; the hidden tests check much more, on other inputs"))
    sys.stdout.flush()
    return 0 if failed == 0 else 1
