"""Checks of getting CIFAR-10 (cs231n/datasets/get_cifar10.py) and loading it (cs231n/data_utils.py)."""

import io
import os
import pickle
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from cs231n import data_utils

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "cs231n" / "datasets" / "get_cifar10.py"
FOLDER = "cifar-10-batches-py"
BATCHES = (*data_utils.TRAIN_BATCHES, data_utils.TEST_BATCH)
FIRST_TRAIN_LABELS = [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]
FIRST_TEST_LABELS = [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]


def run_script(*args: str | Path, **env: str) -> subprocess.CompletedProcess:
    """Runs get_cifar10.py with the given arguments (and extra environment variables)."""
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def assert_same_batches(dest: Path, source: Path) -> None:
    """dest holds byte-identical copies of the batches (and batches.meta when source has it) of source."""
    names = [*BATCHES, *(["batches.meta"] if (source / "batches.meta").is_file() else [])]
    assert sorted(p.name for p in dest.iterdir()) == sorted(names)
    for name in names:
        assert (dest / name).read_bytes() == (source / name).read_bytes(), name


@pytest.fixture(scope="module")
def installed(cifar10_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of CIFAR-10 made by the script from the shared folder."""
    dest = tmp_path_factory.mktemp("installed") / FOLDER
    result = run_script("--from", cifar10_dir, "--dest", dest)
    assert result.returncode == 0, result.stderr
    assert f"files from {cifar10_dir} into {dest}" in result.stdout
    return dest


# ---------------------------------------------------------------------------------------------------------
# get_cifar10.py


def test_script_copies_a_folder_and_is_idempotent(installed: Path, cifar10_dir: Path) -> None:
    assert_same_batches(installed, cifar10_dir)
    mtimes = {p.name: p.stat().st_mtime_ns for p in installed.iterdir()}
    again = run_script("--from", cifar10_dir, "--dest", installed)
    assert again.returncode == 0, again.stderr
    assert "already in" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in installed.iterdir()} == mtimes
    assert not [p for p in installed.parent.iterdir() if p.name.startswith(".get_cifar10")]


def test_script_accepts_the_folder_above_the_batches(cifar10_dir: Path, tmp_path: Path) -> None:
    holder = tmp_path / "download"
    holder.mkdir()
    (holder / FOLDER).symlink_to(cifar10_dir, target_is_directory=True)
    result = run_script("--from", holder, "--dest", tmp_path / "dest")
    assert result.returncode == 0, result.stderr
    assert_same_batches(tmp_path / "dest", cifar10_dir)


def test_script_extracts_a_tar_gz_archive(cifar10_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=0) as tar:  # a real .tar.gz, built fast
        tar.add(cifar10_dir, arcname=FOLDER)
    result = run_script("--from", archive, "--dest", tmp_path / "dest")
    assert result.returncode == 0, result.stderr
    assert "extracted" in result.stdout
    assert_same_batches(tmp_path / "dest", cifar10_dir)
    X_train, y_train, X_test, y_test = data_utils.load_CIFAR10(tmp_path / "dest")
    assert X_train.shape == (50000, 32, 32, 3) and y_train[:10].tolist() == FIRST_TRAIN_LABELS
    assert X_test.shape[0] == y_test.shape[0] and y_test[:10].tolist() == FIRST_TEST_LABELS


def test_script_rejects_unsafe_archives(tmp_path: Path) -> None:
    for member in ("../evil", "/tmp/evil", f"{FOLDER}/../../evil"):
        archive = tmp_path / "bad.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            info = tarfile.TarInfo(member)
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
        result = run_script("--from", archive, "--dest", tmp_path / "dest")
        assert result.returncode == 1
        assert "unsafe member paths" in result.stderr and member in result.stderr
        assert not (tmp_path / "dest").exists() and not (tmp_path / "evil").exists()


@pytest.mark.parametrize(
    "kind", ["missing", "empty folder", "plain file", "archive without batches", "corrupt batches"]
)
def test_script_explains_bad_sources(kind: str, tmp_path: Path) -> None:
    source = tmp_path / "source"
    if kind == "missing":
        expected = "no such file or folder"
    elif kind == "empty folder":
        source.mkdir()
        expected = "no CIFAR-10 batches in"
    elif kind == "plain file":
        source.write_text("not an archive")
        expected = "not a folder nor a tar archive"
    elif kind == "archive without batches":
        with tarfile.open(source, "w:gz") as tar:
            tar.addfile(tarfile.TarInfo("readme.txt"), io.BytesIO(b""))
        expected = "not a CIFAR-10 archive: no data_batch_1"
    else:
        source.mkdir()
        for name in BATCHES:
            (source / name).write_bytes(pickle.dumps({"data": [1, 2, 3], "labels": [0]}))
        expected = "invalid CIFAR-10 data"
    result = run_script("--from", source, "--dest", tmp_path / "dest")
    assert result.returncode == 1
    assert result.stderr.startswith("get_cifar10.py: error: ") and expected in result.stderr
    assert not (tmp_path / "dest").exists()


def test_script_without_network_says_how_to_use_a_local_copy(tmp_path: Path) -> None:
    # A proxy on a closed local port makes the download fail at once, network or not.
    closed = "http://127.0.0.1:9"
    result = run_script("--dest", tmp_path / "dest", https_proxy=closed, HTTPS_PROXY=closed, no_proxy="")
    assert result.returncode == 1
    assert "could not download https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in result.stderr
    assert "--from PATH" in result.stderr
    assert not (tmp_path / "dest").exists()


# ---------------------------------------------------------------------------------------------------------
# data_utils.py


def test_load_cifar_batch_and_load_cifar10(installed: Path) -> None:
    X, y = data_utils.load_CIFAR_batch(installed / "data_batch_1")
    assert X.shape == (10000, 32, 32, 3) and X.dtype == np.float32 and y.shape == (10000,)
    np.testing.assert_array_equal(X[0, 0, 0], [59, 62, 63])
    assert y[:10].tolist() == FIRST_TRAIN_LABELS
    X64, _ = data_utils.load_CIFAR_batch(installed / "data_batch_1", dtype=np.float64)
    assert X64.dtype == np.float64 and X64.flags.c_contiguous
    np.testing.assert_array_equal(X64, X)
    X_train, y_train, X_test, y_test = data_utils.load_CIFAR10(str(installed))
    assert X_train.shape == (50000, 32, 32, 3) and X_train.dtype == np.float32
    np.testing.assert_array_equal(X_train[:10000], X)
    assert np.bincount(y_train).tolist() == [5000] * 10
    assert X_test.shape == (y_test.shape[0], 32, 32, 3) and y_test[:10].tolist() == FIRST_TEST_LABELS


def test_get_cifar10_data_splits_like_the_course(installed: Path) -> None:
    raw = data_utils.get_CIFAR10_data(subtract_mean=False, cifar10_dir=installed)
    shapes = {key: value.shape for key, value in raw.items()}
    assert shapes == {
        "X_train": (49000, 3, 32, 32),
        "y_train": (49000,),
        "X_val": (1000, 3, 32, 32),
        "y_val": (1000,),
        "X_test": (1000, 3, 32, 32),
        "y_test": (1000,),
    }
    assert raw["X_train"].dtype == np.float32
    np.testing.assert_array_equal(raw["X_train"][0, :, 0, 0], [59, 62, 63])
    assert raw["y_train"][:10].tolist() == FIRST_TRAIN_LABELS
    last_batch, last_labels = data_utils.load_CIFAR_batch(installed / "data_batch_5")
    np.testing.assert_array_equal(raw["X_val"], last_batch[-1000:].transpose(0, 3, 1, 2))
    np.testing.assert_array_equal(raw["y_val"], last_labels[-1000:])
    assert raw["y_test"][:10].tolist() == FIRST_TEST_LABELS

    data = data_utils.get_CIFAR10_data(cifar10_dir=installed, dtype=np.float64)
    mean_image = raw["X_train"].mean(axis=0, dtype=np.float64)
    assert np.abs(data["X_train"].mean(axis=0)).max() < 1e-9
    np.testing.assert_allclose(data["X_val"], raw["X_val"] - mean_image, atol=1e-9)
    np.testing.assert_allclose(data["X_test"], raw["X_test"] - mean_image, atol=1e-9)


def test_get_cifar10_data_reads_the_environment_variable(installed: Path, monkeypatch) -> None:
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(installed))
    data = data_utils.get_CIFAR10_data(num_training=100, num_validation=10, num_test=5)
    assert data["X_train"].shape == (100, 3, 32, 32) and data["X_val"].shape == (10, 3, 32, 32)
    assert data["y_val"].tolist() == data_utils.load_CIFAR_batch(installed / "data_batch_1")[1][100:110].tolist()
    with pytest.raises(ValueError, match="requested 49500 \\+ 1000 training"):
        data_utils.get_CIFAR10_data(num_training=49500)


def test_missing_data_says_how_to_get_it(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CS231N_CIFAR10_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError) as error:
        data_utils.get_CIFAR10_data()
    message = str(error.value)
    assert str(tmp_path / "nowhere") in message and "$CS231N_CIFAR10_DIR" in message
    assert f"python {SCRIPT}" in message and "--from PATH" in message
    monkeypatch.delenv("CS231N_CIFAR10_DIR")
    monkeypatch.setattr(data_utils, "DEFAULT_CIFAR10_DIR", tmp_path / "default")
    with pytest.raises(FileNotFoundError, match="the default location"):
        data_utils.get_CIFAR10_data()
    with pytest.raises(FileNotFoundError, match="the folder given"):
        data_utils.load_CIFAR10(tmp_path)


def test_batches_are_unpickled_without_running_code(tmp_path: Path) -> None:
    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    (tmp_path / "data_batch_1").write_bytes(pickle.dumps({"data": Exploit(), "labels": []}, protocol=2))
    with pytest.raises(ValueError, match="is not allowed in a CIFAR-10 batch"):
        data_utils.load_CIFAR_batch(tmp_path / "data_batch_1")


@pytest.mark.parametrize("content", [b"", b"\x80\x02}q\x00(", bytes(range(256)) * 4])
def test_unreadable_batches_raise_value_error(content: bytes, tmp_path: Path) -> None:
    (tmp_path / "data_batch_1").write_bytes(content)
    with pytest.raises(ValueError, match="is not a CIFAR-10 batch"):
        data_utils.load_CIFAR_batch(tmp_path / "data_batch_1")
