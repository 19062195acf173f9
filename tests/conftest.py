import hashlib
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


def python_readable_by_others(name: str, requirements: list[str]) -> str:
    """A Python with REQUIREMENTS (pip arguments) that an unprivileged user can run: the grader's own may live where
    only root can read (/root/.pyenv here). Built from the system's python3 into /tmp/autograder-NAME-<uid>-<hash of
    the requirements> and kept for later runs."""
    import fcntl
    import subprocess

    from autograder.packages import TORCH_INDEX

    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.fail("the tests of the runner without bubblewrap need /usr/bin/python3 with venv (python3-venv)")
    tag = hashlib.sha256(" ".join(requirements).encode()).hexdigest()[:12]
    folder = Path(f"/tmp/autograder-{name}-{os.geteuid()}-{tag}")
    python = folder / "bin" / "python"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        info = folder.lstat() if folder.exists() else None
        if info is not None and (info.st_uid != os.geteuid() or info.st_mode & 0o022):
            pytest.fail(f"{folder} belongs to someone else or others may write it: remove it")
        complete = folder / ".complete"
        if info is None or not complete.exists():
            subprocess.run([str(system), "-m", "venv", "--clear", str(folder)], check=True)
            install = [str(python), "-m", "pip", "install", "-q", *requirements]
            # like bin/setup: the configured indexes first (a local wheel of torch's CPU build), then PyTorch's own
            if subprocess.run(install).returncode != 0:
                subprocess.run([*install, "--extra-index-url", TORCH_INDEX], check=True)
            complete.touch()
            folder.chmod(0o755)
    return str(python)


@pytest.fixture(scope="session")
def python_for_others() -> str:
    """A Python readable by an unprivileged user, for the runner without bubblewrap when the tests run as root, with
    the packages Gradescope's setup.sh installs into /autograder/venv (autograder/packages.py RUNTIME: enough for
    the grader itself too)."""
    from autograder.packages import runtime_requirements

    return python_readable_by_others("python-for-others", runtime_requirements())


@pytest.fixture
def runner_python_for_others(python_for_others: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runners without bubblewrap use `python_for_others` (see autograder.sandbox.runner_python)."""
    from autograder import sandbox

    monkeypatch.setenv(sandbox.PYTHON_ENV, python_for_others)
    return python_for_others
