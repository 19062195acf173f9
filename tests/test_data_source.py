"""data.find_source: the one lookup of the CIFAR-10 folder that every command uses (autograder grade, generate,
benchmarks, Gradescope's run_autograder, bin/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import data
from cs231n import data_utils


def cifar10_like(folder: Path, missing: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True)
    for name in data.BATCHES:
        if name not in missing:
            (folder / name).write_bytes(b"")
    return folder


def test_the_grader_and_the_students_loader_name_the_same_variable_and_batches() -> None:
    assert data.DATA_ENV == data_utils.CIFAR10_ENV_VAR
    assert data.BATCHES == (*data_utils.TRAIN_BATCHES, data_utils.TEST_BATCH)


def test_the_given_folder_comes_first_then_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    given, named = cifar10_like(tmp_path / "given"), cifar10_like(tmp_path / "named")
    monkeypatch.setenv(data.DATA_ENV, str(named))
    assert data.find_source(given) == given.resolve()
    assert data.find_source(None) == named.resolve()
    assert data.find_source(None, default=True) == named.resolve()


def test_the_default_folder_only_where_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(data.DATA_ENV, raising=False)
    with pytest.raises(data.MissingData, match=r"neither --data nor \$CS231N_CIFAR10_DIR is set"):
        data.find_source(None)
    if not (data_utils.DEFAULT_CIFAR10_DIR / "test_batch").is_file():
        with pytest.raises(data.MissingData, match="from the default folder"):
            data.find_source(None, default=True)
    else:
        assert data.find_source(None, default=True) == data_utils.DEFAULT_CIFAR10_DIR.resolve()


def test_a_folder_without_every_batch_is_refused_naming_the_missing_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial = cifar10_like(tmp_path / "partial", missing=("data_batch_3", "test_batch"))
    with pytest.raises(data.MissingData, match=r"does not hold CIFAR-10: missing data_batch_3, test_batch\. Get it"):
        data.find_source(partial)
    monkeypatch.setenv(data.DATA_ENV, str(partial))
    with pytest.raises(data.MissingData, match=r"from \$CS231N_CIFAR10_DIR"):
        data.find_source(None, default=True)  # a variable that is set is never passed over for the default
