"""The CIFAR-10 arrays the training tests read, prepared once from a CIFAR-10 folder into a cache folder.

`prepare(source, cache)` writes one .npy file per array (np.save: plain arrays, no pickles) into two folders under
`cache/cifar10/`, holding the course's split and preprocessing (get_CIFAR10_data of the reference package: float32
images of shape (N, 3, 32, 32), minus the mean of the 49,000 training images):

    runner/  X_train, y_train   the first NUM_TRAIN training images (what cifar10_accuracy trains on)
             X_small, y_small   the first NUM_SMALL of them again (the overfitting tests read only these, cheaply)
    judge/   X_val, y_val       the 1,000 validation images (training images 49,000 .. 49,999), the evaluation set

The grader mounts only `runner/` read-only as the runner's /data: student code never sees the images, let alone the
labels, it is evaluated on; `judge/` is readable by the grader's own user only (mode 0700), which keeps it from a
runner without bubblewrap (another, unprivileged user). The judge reads both folders; it computes every accuracy
itself from the trained parameters (autograder/hidden/accuracy.py). The runner maps the files into memory (the
runner part is 600 MB): the pages come from the page cache as the Solver's minibatches touch them, shared by every
runner, instead of each training test reading them all (`bin/bench` measures the training tests' time: the
"accuracy" group in benchmarks/results.md). The folders are reused while the source batches keep their names, sizes and
modification times (recorded in STAMP beside them).

`find_source` is where every command of the project (autograder, generate, benchmarks, Gradescope's
run_autograder, bin/data) looks for the CIFAR-10 folder; the students' loader, cs231n.data_utils, follows the same
rule with its own default folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

RUNNER, JUDGE = "runner", "judge"
PARTS = {RUNNER: ("X_train", "y_train", "X_small", "y_small"), JUDGE: ("X_val", "y_val")}
NAMES = (*PARTS[RUNNER], *PARTS[JUDGE])
STAMP = "cifar10_grading.json"
FOLDER = "cifar10"
NUM_TRAIN = 49000
NUM_SMALL = 100
FORMAT = 3
# The students' loader (cs231n/data_utils.py, which imports nothing of the grader) has the same two facts:
# CIFAR10_ENV_VAR, TRAIN_BATCHES and TEST_BATCH; tests/test_data_source.py checks that they agree.
DATA_ENV = "CS231N_CIFAR10_DIR"
BATCHES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")


class MissingData(ValueError):
    """No CIFAR-10 folder was given, or the one given lacks batches; the message says which and how to get it."""


def find_source(given: Path | None, default: bool = False) -> Path:
    """The CIFAR-10 folder: GIVEN (a command's --data DIR), else $CS231N_CIFAR10_DIR, else, with DEFAULT, the
    reference package's cs231n/datasets/cifar-10-batches-py (where get_cifar10.py puts it); MissingData when none
    is set or the folder lacks a batch."""
    how = f"Get it with `python cs231n/datasets/get_cifar10.py`, pass --data DIR or set {DATA_ENV}"
    if given is not None:
        folder, origin = Path(given), "--data"
    elif os.environ.get(DATA_ENV):
        folder, origin = Path(os.environ[DATA_ENV]), f"${DATA_ENV}"
    elif default:
        from autograder.reference import ROOT  # noqa: F401 - puts the reference package first on sys.path
        from cs231n.data_utils import DEFAULT_CIFAR10_DIR

        folder, origin = DEFAULT_CIFAR10_DIR, "the default folder"
    else:
        raise MissingData(f"CIFAR-10 not found (neither --data nor ${DATA_ENV} is set). {how}")
    missing = [name for name in BATCHES if not (folder / name).is_file()]
    if missing:
        raise MissingData(f"{folder} (from {origin}) does not hold CIFAR-10: missing {', '.join(missing)}. {how}")
    return folder.expanduser().resolve()


def source_key(source: Path) -> str:
    """A digest of the batch files' names, sizes and modification times (and of this module's format)."""
    entries = []
    for name in BATCHES:
        info = (Path(source) / name).stat()
        entries.append([name, info.st_size, info.st_mtime_ns])
    text = json.dumps({"format": FORMAT, "num_train": NUM_TRAIN, "num_small": NUM_SMALL, "files": entries})
    return hashlib.sha256(text.encode()).hexdigest()


def prepare(source: Path, cache: Path) -> Path:
    """The folder of grading data made from the CIFAR-10 folder SOURCE, under CACHE (built only when out of date)."""
    from autograder import torch_data

    torch_data.prepare(source, cache)  # the PyTorch tests' arrays (judge only), in a folder beside this one
    folder = Path(cache) / FOLDER
    key = source_key(source)
    if _stamp(folder) == key and all(_path(folder, name).is_file() for name in NAMES):
        (folder / JUDGE).chmod(0o700)
        return folder
    from autograder.reference import ROOT  # noqa: F401 - puts the reference package first on sys.path
    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=NUM_TRAIN, cifar10_dir=source, dtype=np.float32)
    arrays = {"X_train": data["X_train"], "y_train": data["y_train"], "X_val": data["X_val"], "y_val": data["y_val"],
              "X_small": data["X_train"][:NUM_SMALL], "y_small": data["y_train"][:NUM_SMALL]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STAMP).unlink(missing_ok=True)  # the stamp is written last: a half-written folder is rebuilt
    for part, names in PARTS.items():
        (folder / part).mkdir(mode=0o700 if part == JUDGE else 0o755, exist_ok=True)
        for name in names:
            partial = folder / part / f".{name}.{os.getpid()}.tmp"
            with open(partial, "wb") as f:
                np.save(f, arrays[name], allow_pickle=False)
            os.replace(partial, _path(folder, name))
    (folder / STAMP).write_text(json.dumps({"key": key}) + "\n")
    (folder / JUDGE).chmod(0o700)  # the evaluation set: the judge's user only (a runner without bubblewrap is another)
    return folder


def runner_part(folder: Path) -> Path:
    """The part of the grading data in FOLDER that the runner may see (its /data): the training images only."""
    return Path(folder) / RUNNER


def load(folder: Path, *names: str) -> tuple[np.ndarray, ...]:
    """The arrays NAMES of the grading data in FOLDER, from either part (only those files are read)."""
    return tuple(np.load(_path(folder, name), allow_pickle=False) for name in names)


def _path(folder: Path, name: str) -> Path:
    part = next(p for p, names in PARTS.items() if name in names)
    return Path(folder) / part / f"{name}.npy"


def _stamp(folder: Path) -> str | None:
    try:
        return json.loads((folder / STAMP).read_text()).get("key")
    except (OSError, ValueError, AttributeError):
        return None
