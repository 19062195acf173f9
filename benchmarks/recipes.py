"""The margins of the accuracy targets: `python -m benchmarks.recipes CIFAR10_DIR [--seeds 231 232 ...]`.

Grades the reference (and the reference drawing its weights from the last layer to the first, another correct
random start) on each training test with each seed, and prints, per test and start, the epochs the recipe took to
reach its target, the accuracy the judge measured and the test's seconds. The figures in
autograder/hidden/accuracy.py's docstring come from this command.
"""

from __future__ import annotations

import argparse
import re
import shutil
import tempfile
from pathlib import Path

import autograder.hidden  # noqa: F401 - registers the tests
from autograder import data, grade, rubric
from autograder.hidden import accuracy
from autograder.submission import Submission
from generate.package import IGNORED

ROOT = Path(__file__).resolve().parents[1]
RECIPES = {"fc_net.overfit_small": accuracy.OVERFIT, "fc_net.cifar10_accuracy": accuracy.CIFAR10,
           "cnn.convnet_training": accuracy.CONVNET}
REVERSED = ("for i in range(1, self.num_layers + 1):", "for i in range(self.num_layers, 0, -1):")


def _reversed_copy(dest: Path) -> Path:
    """The reference package drawing the FullyConnectedNet's weights from the last layer to the first."""
    shutil.copytree(ROOT / "cs231n", dest / "cs231n", ignore=shutil.ignore_patterns(*IGNORED))
    path = dest / "cs231n" / "classifiers" / "fc_net.py"
    path.write_text(path.read_text().replace(*REVERSED, 1))
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.recipes", description=__doc__)
    parser.add_argument("cifar10", type=Path, help="CIFAR-10 folder")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(231, 241)))
    parser.add_argument("--tests", nargs="+", default=list(RECIPES))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="recipes-") as tmp:
        folder = data.prepare(args.cifar10, Path(tmp) / "cache")
        starts = {"reference": ROOT, "drawn in reverse": _reversed_copy(Path(tmp) / "reversed")}
        for name in args.tests:
            for seed in args.seeds:
                RECIPES[name]["seed"] = seed
                for start, package in starts.items():
                    if start != "reference" and name == "cnn.convnet_training":
                        continue  # the conv net has no layer order to reverse
                    options = grade.GradeOptions(rubric=rubric.load(), tests=[name], scratch=Path(tmp) / "scratch",
                                                 data=folder)
                    result = grade.grade(Submission("reference", package), options).tests[0]
                    found = re.search(r"accuracy ([\d.]+)% after (\d+) epoch", result.output)
                    acc, epochs = (found.group(1), found.group(2)) if found else ("?", "?")
                    print(f"{name} seed {seed} {start}: {result.status}, {acc}% after {epochs} epoch(s), "
                          f"{result.seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
