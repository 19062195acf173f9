import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


CIFAR10_ENV_VAR = "CS231N_CIFAR10_DIR"
CIFAR10_BATCHES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")


@pytest.fixture(scope="session")
def cifar10_dir() -> Path:
    """Folder of the real CIFAR-10 batches: $CS231N_CIFAR10_DIR, else <repo>/../shared/data/cifar-10-batches-py.

    Fails (does not skip) when the batches are not there: the tests that need the data must run.
    """
    configured = os.environ.get(CIFAR10_ENV_VAR)
    fallback = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "cifar-10-batches-py"
    folder = Path(configured) if configured else fallback
    missing = [name for name in CIFAR10_BATCHES if not (folder / name).is_file()]
    if missing:
        origin = f"${CIFAR10_ENV_VAR}" if configured else f"the fallback ({CIFAR10_ENV_VAR} is not set)"
        pytest.fail(
            f"CIFAR-10 not found in {folder}, from {origin}: missing {', '.join(missing)}. "
            f"Set {CIFAR10_ENV_VAR} to a folder holding data_batch_1..5 and test_batch."
        )
    return folder


@pytest.fixture
def cifar10_grading(cifar10_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The grading data (autograder/data.py), prepared once per session (prepare reuses the folder while the source
    is unchanged)."""
    from autograder import data

    return data.prepare(cifar10_dir, tmp_path_factory.getbasetemp() / "grading-cache")
