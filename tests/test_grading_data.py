"""The grading data (autograder/data.py): the course's split and preprocessing, plain arrays, rebuilt only when the
CIFAR-10 batches change."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from autograder import data
from cs231n.data_utils import get_CIFAR10_data

pytestmark = pytest.mark.slow  # each test reads the 600 MB of arrays


@pytest.fixture(scope="module")
def source(cifar10_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CIFAR-10 folder of links to the real batches, whose files a test may replace."""
    folder = tmp_path_factory.mktemp("cifar10")
    for name in data.BATCHES:
        (folder / name).symlink_to(cifar10_dir / name)
    return folder


@pytest.fixture(scope="module")
def prepared(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return data.prepare(source, tmp_path_factory.mktemp("cache"))


def test_arrays_are_the_course_split_and_preprocessing(prepared: Path, cifar10_dir: Path) -> None:
    course = get_CIFAR10_data(cifar10_dir=cifar10_dir)
    assert sorted(p.relative_to(prepared).as_posix() for p in prepared.rglob("*.npy")) == sorted(
        f"{part}/{name}.npy" for part, names in data.PARTS.items() for name in names)
    arrays = dict(zip(data.NAMES, data.load(prepared, *data.NAMES), strict=True))
    for name in ("X_train", "y_train", "X_val", "y_val"):
        np.testing.assert_array_equal(arrays[name], course[name][: data.NUM_TRAIN])
    np.testing.assert_array_equal(arrays["X_small"], course["X_train"][: data.NUM_SMALL])
    np.testing.assert_array_equal(arrays["y_small"], course["y_train"][: data.NUM_SMALL])
    assert arrays["X_val"].shape == (1000, 3, 32, 32) and arrays["X_val"].dtype == np.float32
    assert arrays["y_val"].dtype == np.int64


def test_the_runner_part_holds_no_evaluation_image_or_label(prepared: Path) -> None:
    """What the runner sees as /data: the training images only; the validation set stays with the judge."""
    seen = sorted(p.name for p in data.runner_part(prepared).iterdir())
    assert seen == sorted(f"{name}.npy" for name in ("X_train", "y_train", "X_small", "y_small"))


def test_the_evaluation_part_is_the_graders_alone(prepared: Path, source: Path) -> None:
    """A runner without bubblewrap runs as another, unprivileged user: the judge's folder admits no one else, also
    when a prepared cache is reused after its mode changed."""
    judge = prepared / data.JUDGE
    assert judge.stat().st_mode & 0o777 == 0o700
    judge.chmod(0o755)
    data.prepare(source, prepared.parent)
    assert judge.stat().st_mode & 0o777 == 0o700


def test_prepare_reuses_the_cache_while_the_source_is_unchanged(prepared: Path, source: Path) -> None:
    before = (prepared / "runner" / "X_train.npy").stat().st_mtime_ns
    assert data.prepare(source, prepared.parent) == prepared
    assert (prepared / "runner" / "X_train.npy").stat().st_mtime_ns == before


def test_prepare_rebuilds_when_a_batch_changes(prepared: Path, source: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    folder = cache / prepared.name
    shutil.copytree(prepared, folder)
    key = data.source_key(source)
    target = (source / "test_batch").resolve()
    (source / "test_batch").unlink()
    shutil.copyfile(target, source / "test_batch")  # same bytes, new file: another modification time
    os.utime(source / "test_batch", ns=(0, 0))
    try:
        assert data.source_key(source) != key
        before = (folder / "runner" / "X_train.npy").stat().st_mtime_ns
        assert data.prepare(source, cache) == folder
        assert (folder / "runner" / "X_train.npy").stat().st_mtime_ns != before
    finally:
        (source / "test_batch").unlink()
        (source / "test_batch").symlink_to(target)


def test_load_reads_named_arrays(prepared: Path) -> None:
    X, y = data.load(prepared, "X_small", "y_small")
    assert X.shape == (data.NUM_SMALL, 3, 32, 32) and y.shape == (data.NUM_SMALL,)
