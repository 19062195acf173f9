"""The CIFAR-10 images of the PyTorch tests, normalized as the notebook normalizes them, for the judge only.

`prepare(source, cache)` writes one .npy file per array into `cache/cifar10_torch/` (beside data.py's folder; np.save:
plain arrays, no pickles), with the reference's get_CIFAR10_data(subtract_mean=False) split and
data_utils.normalize_channels (float32 images of shape (N, 3, 32, 32)):

    X_train, y_train   the first NUM_TRAIN training images (the grader trains the student's ThreeLayerConvNet on them)
    X_val, y_val       the 1,000 validation images (training images 49,000 .. 49,999)
    X_test, y_test     the first 1,000 test images

(`load` reads them.) The runner never mounts this folder: the judge sends it images (and, to train on, the
training labels) and computes every accuracy itself. The folder is rebuilt when the batches change (data.source_key,
recorded in STAMP).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from autograder.data import source_key

FOLDER = "cifar10_torch"
STAMP = "cifar10_torch.json"
NAMES = ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test")
NUM_TRAIN = 2000


def prepare(source: Path, cache: Path) -> Path:
    """The folder of the PyTorch tests' arrays made from the CIFAR-10 folder SOURCE, under CACHE (built only when out
    of date)."""
    folder = Path(cache) / FOLDER
    key = source_key(source)
    if _stamp(folder) == key and all((folder / f"{name}.npy").is_file() for name in NAMES):
        return folder
    from autograder.reference import ROOT  # noqa: F401 - puts the reference package first on sys.path
    from cs231n.data_utils import get_CIFAR10_data, normalize_channels

    data = get_CIFAR10_data(num_training=49000, subtract_mean=False, cifar10_dir=source, dtype=np.float32)
    arrays = {"X_train": data["X_train"][:NUM_TRAIN], "y_train": data["y_train"][:NUM_TRAIN],
              "X_val": data["X_val"], "y_val": data["y_val"], "X_test": data["X_test"], "y_test": data["y_test"]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STAMP).unlink(missing_ok=True)  # written last: a half-written folder is rebuilt
    for name in NAMES:
        value = normalize_channels(arrays[name]) if name.startswith("X") else arrays[name]
        partial = folder / f".{name}.{os.getpid()}.tmp"
        with open(partial, "wb") as f:
            np.save(f, value, allow_pickle=False)
        os.replace(partial, folder / f"{name}.npy")
    (folder / STAMP).write_text(json.dumps({"key": key}) + "\n")
    return folder


def load(folder: Path, *names: str) -> tuple[np.ndarray, ...]:
    """The arrays NAMES of the PyTorch tests' FOLDER (only those files are read)."""
    return tuple(np.load(Path(folder) / f"{name}.npy", allow_pickle=False) for name in names)


def folder_beside(prepared: Path) -> Path:
    """This module's folder for data.prepare's folder PREPARED (both are made under the same cache)."""
    return Path(prepared).parent / FOLDER


def _stamp(folder: Path) -> str | None:
    try:
        return json.loads((folder / STAMP).read_text()).get("key")
    except (OSError, ValueError, AttributeError):
        return None
