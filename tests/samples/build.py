"""Build the sample submissions that `bin/main` grades and the tests use: python tests/samples/build.py OUT

They are made from the committed solutions/ and release/ (so they never go stale), each the way a real one arrives:
  complete/              the solutions, as a student's assignment folder            -> full marks
  untouched_release/     the release as handed out (stubs)                          -> 0, without a crash
  two_bugs.zip           batchnorm_backward without the mean term and adam without bias correction, zipped with
                         the parent folder (cs231n/ one level down)                 -> loses exactly those points
  year2019/              fc_net.py written for 2018-2020: FullyConnectedNet takes `dropout` (keep probability)
                                                                                   -> full marks
  empty.zip              an empty zip                                               -> 0, with a note
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions" / "assignment2"
RELEASE = ROOT / "release" / "assignment2"
IGNORE = shutil.ignore_patterns("__pycache__", "cifar-10-batches-py", "*.ipynb", "*.md")

# (file, old text, new text): realistic one-line bugs; each old text occurs exactly once in the file.
TWO_BUGS = [
    ("cs231n/layers.py", "    dx = dcentered + dmean / n\n", "    dx = dcentered\n"),
    ("cs231n/optim.py", "m_hat = m / (1 - beta1**t)", "m_hat = m"),
]


def _copy(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=IGNORE)
    return dest


def _patch(folder: Path, edits: list[tuple[str, str, str]]) -> None:
    for rel, old, new in edits:
        path = folder / rel
        text = path.read_text()
        if text.count(old) != 1:
            raise SystemExit(f"sample build: {old!r} must occur once in {rel} (found {text.count(old)})")
        path.write_text(text.replace(old, new))


def _zip(folder: Path, archive: Path, prefix: str) -> None:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def build(out: Path) -> list[Path]:
    """Write the samples into OUT (emptied first) and return their paths."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    complete = _copy(SOLUTIONS, out / "complete")
    untouched = _copy(RELEASE, out / "untouched_release")

    buggy = _copy(SOLUTIONS, out / "_two_bugs")
    _patch(buggy, TWO_BUGS)
    _zip(buggy, out / "two_bugs.zip", "a2_submission/assignment2")
    shutil.rmtree(buggy)

    year2019 = _copy(SOLUTIONS, out / "year2019")
    fc_net = year2019 / "cs231n" / "classifiers" / "fc_net.py"
    fc_net.write_text(fc_net.read_text().replace("dropout_keep_ratio", "dropout"))

    with zipfile.ZipFile(out / "empty.zip", "w"):
        pass
    return [complete, untouched, out / "two_bugs.zip", year2019, out / "empty.zip"]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    for path in build(Path(sys.argv[1])):
        print(path)
