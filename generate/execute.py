"""Executes the solution notebooks top to bottom, in the solutions folder, and saves their outputs."""

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from generate.layout import DATA_ENV

KERNEL = "python3"  # the python3 kernel of the interpreter running the generator
CELL_TIMEOUT = 1800  # seconds; training cells take minutes on a small machine
DATA_FILES = ("data_batch_1", "data_batch_5", "test_batch", "batches.meta")


class ExecutionFailed(RuntimeError):
    """A solution notebook raised; the notebook is saved with the outputs up to the failing cell."""


def resolve_data_dir(option: str | None) -> Path:
    """The CIFAR-10 folder from --data or $CS231N_CIFAR10_DIR; ValueError saying what is missing otherwise."""
    given = option or os.environ.get(DATA_ENV)
    if not given:
        raise ValueError(f"executing the solutions needs CIFAR-10: pass --data DIR or set {DATA_ENV} "
                         "(or use --no-execute)")
    folder = Path(given).expanduser().resolve()
    missing = [name for name in DATA_FILES if not (folder / name).is_file()]
    if missing:
        raise ValueError(f"{folder} does not hold CIFAR-10 (missing {', '.join(missing)}); fetch it with "
                         "`python cs231n/datasets/get_cifar10.py` or pass another --data DIR")
    return folder


def execute_notebook(notebook: Path, data_dir: Path) -> float:
    """Runs `notebook` in its own folder with the data set in $CS231N_CIFAR10_DIR and saves it in place.

    Inputs:
    - notebook: a solution notebook; its folder holds the clean `cs231n` package it imports
    - data_dir: the CIFAR-10 folder

    Returns the seconds taken; raises ExecutionFailed (after saving) when a cell raises.
    """
    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT,
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.perf_counter()
    try:
        client.execute(env={**os.environ, DATA_ENV: str(data_dir)})
    except CellExecutionError as err:
        raise ExecutionFailed(f"{notebook}: a cell raised (outputs saved up to it):\n{err}") from err
    finally:
        nbformat.write(nb, notebook)
    return time.perf_counter() - start
