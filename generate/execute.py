"""Executes the solution notebooks top to bottom, in the solutions folder, and saves their outputs."""

import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.data import DATA_ENV, MissingData, find_source

KERNEL = "python3"  # the python3 kernel of the interpreter running the generator
# Seconds a notebook cell may run, here and in nbgrader's own executions (nbgrader_config.py): training cells take
# minutes on a small machine (PyTorch.ipynb's open-ended network trains for 76 s on 2 cores, README's figures), and
# a stuck cell still ends.
CELL_TIMEOUT = 1800
# What the execution creates that the solutions keep: the PyTorch notebook's trained open-ended network, which the
# grader's tests score as the reference submission's (tests/test_mutations_pytorch.py).
KEPT = ("best_model.pt",)


class ExecutionFailed(RuntimeError):
    """A solution notebook raised; the notebook is saved with the outputs up to the failing cell."""


def resolve_data_dir(option: str | None) -> Path:
    """The CIFAR-10 folder from --data or $CS231N_CIFAR10_DIR (autograder.data.find_source, the grader's rule);
    ValueError saying what is missing otherwise."""
    try:
        return find_source(Path(option).expanduser() if option else None)
    except MissingData as err:
        raise ValueError(f"executing the solutions needs CIFAR-10: {err} (or use --no-execute)") from None


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


def _remove_new_files(folder: Path, before: set[Path]) -> list[str]:
    """Removes what appeared under `folder` since `before` was listed, but the KEPT files at its top; returns the
    removed files' paths."""
    kept = {folder / name for name in KEPT}
    created = sorted(set(folder.rglob("*")) - before - kept, reverse=True)  # children before their folders
    removed = []
    for path in created:
        if path.is_dir():
            path.rmdir()
        else:
            removed.append(path.relative_to(folder).as_posix())
            path.unlink()
    return sorted(removed)


def execute_solutions(notebooks: list[Path], folder: Path, data_dir: Path) -> list[str]:
    """Executes every notebook (all of them even when one fails), printing timings, then removes what the
    execution created under `folder` (saved models, caches) but the KEPT files: the solutions hold the notebooks
    with their outputs, the code and the trained PyTorch network, nothing else.

    Inputs:
    - notebooks: the solution notebooks, in order, all inside `folder`
    - folder: the solutions' assignment folder
    - data_dir: the CIFAR-10 folder

    Returns the removed files' paths; raises ExecutionFailed naming every notebook that failed.
    """
    before = set(folder.rglob("*"))
    failures = []
    for notebook in notebooks:
        print(f"executing {notebook.name} ...", flush=True)
        try:
            print(f"  {notebook.name} executed: {execute_notebook(notebook, data_dir):.1f} s", flush=True)
        except ExecutionFailed as err:
            print(f"  {notebook.name} FAILED", flush=True)
            failures.append(str(err))
    if failures:
        raise ExecutionFailed("\n\n".join(failures))
    return _remove_new_files(folder, before)
