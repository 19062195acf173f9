"""The CIFAR-10 arrays the training tests read, prepared once from a CIFAR-10 folder into a cache folder.

`prepare(source, cache)` writes one .npy file per array into `cache/cifar10/` (np.save: plain arrays, no
pickles), holding the course's split and preprocessing (get_CIFAR10_data of the reference package: float32 images of
shape (N, 3, 32, 32), minus the mean of the 49,000 training images):

    X_train, y_train   the first NUM_TRAIN training images (what cifar10_accuracy trains on)
    X_small, y_small   the first NUM_SMALL of them again (the overfitting tests read only these, cheaply)
    X_val, y_val       the 1,000 validation images (training images 49,000 .. 49,999)

and returns that folder: the grader mounts it read-only as the runner's /data (the runner may read the validation
labels; they are public, and the Solver needs them), and the judge reads the same files to score. The runner maps
the files into memory instead of reading them (600 MB: reading took 1.4-2.6 s per training test; mapped, the pages
come from the page cache as the Solver's minibatches touch them, shared by every runner). The folder is
reused while the source batches keep their names, sizes and modification times (recorded in STAMP beside it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

NAMES = ("X_train", "y_train", "X_val", "y_val", "X_small", "y_small")
STAMP = "cifar10_grading.json"
FOLDER = "cifar10"
NUM_TRAIN = 49000
NUM_SMALL = 100
FORMAT = 2
BATCHES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")


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
    if _stamp(folder) == key and all((folder / f"{name}.npy").is_file() for name in NAMES):
        return folder
    from autograder.reference import ROOT  # noqa: F401 - puts the reference package first on sys.path
    from cs231n.data_utils import get_CIFAR10_data

    data = get_CIFAR10_data(num_training=NUM_TRAIN, cifar10_dir=source, dtype=np.float32)
    arrays = {"X_train": data["X_train"], "y_train": data["y_train"], "X_val": data["X_val"], "y_val": data["y_val"],
              "X_small": data["X_train"][:NUM_SMALL], "y_small": data["y_train"][:NUM_SMALL]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STAMP).unlink(missing_ok=True)  # the stamp is written last: a half-written folder is rebuilt
    (folder / "cifar10_grading.npz").unlink(missing_ok=True)  # format 1 kept the arrays in one .npz file
    for name in NAMES:
        partial = folder / f".{name}.{os.getpid()}.tmp"
        with open(partial, "wb") as f:
            np.save(f, arrays[name], allow_pickle=False)
        os.replace(partial, folder / f"{name}.npy")
    (folder / STAMP).write_text(json.dumps({"key": key}) + "\n")
    return folder


def load(folder: Path, *names: str) -> tuple[np.ndarray, ...]:
    """The arrays NAMES of the grading data in FOLDER (only those files are read)."""
    return tuple(np.load(Path(folder) / f"{name}.npy", allow_pickle=False) for name in names)


def _stamp(folder: Path) -> str | None:
    try:
        return json.loads((folder / STAMP).read_text()).get("key")
    except (OSError, ValueError, AttributeError):
        return None
