"""Builds a2_submission.zip, the file you upload: your notebooks (run), your cs231n code, your saved models.

Run it from a terminal in the assignment folder:

    python collect_submission.py

It refuses (and says why) when a notebook was not run to the end or a required file is missing.
It never includes the CIFAR-10 data set. The zip needs only the Python standard library.

It also writes a2_inline_submission.pdf, your answers to the inline questions, one page per question
(inline_pdf/, with the packages of requirements.txt), for courses that grade them on Gradescope.
"""

import json
import sys
import zipfile
from pathlib import Path

NOTEBOOKS = (
    "FullyConnectedNets.ipynb",
    "BatchNormalization.ipynb",
    "Dropout.ipynb",
    "ConvolutionalNetworks.ipynb",
    "PyTorch.ipynb",
)
REQUIRED_CODE = (
    "cs231n/layers.py",
    "cs231n/optim.py",
    "cs231n/classifiers/fc_net.py",
    "cs231n/classifiers/cnn.py",
    "cs231n/pytorch_models.py",
)
CODE = ("cs231n/*.py", "cs231n/classifiers/*.py")
REQUIRED_MODELS = ("best_model.pt",)  # saved by PyTorch.ipynb's last part
OPTIONAL = ("best_model.npz",)
ZIP_NAME = "a2_submission.zip"


def notebook_problem(path: Path) -> str | None:
    """Why the notebook at `path` cannot be submitted (not run, not a notebook), or None when it can."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (ValueError, KeyError, TypeError):
        return f"{path.name} is not a valid notebook (reopen it in Jupyter and save it again)"
    code = [cell for cell in cells
            if cell.get("cell_type") == "code" and "".join(cell.get("source", "")).strip()]
    unrun = [number for number, cell in enumerate(code, start=1) if cell.get("execution_count") is None]
    if code and len(unrun) == len(code):
        return f"{path.name} was not run: none of its code cells has been executed"
    if unrun:
        shown = ", ".join(str(number) for number in unrun[:5]) + (" ..." if len(unrun) > 5 else "")
        return (f"{path.name}: {len(unrun)} of its {len(code)} code cells were never run (code cells number "
                f"{shown}); run every cell, then save the notebook")
    return None


def collect(folder: Path) -> tuple[list[Path], list[str]]:
    """The files to submit from the assignment `folder`, and the problems that prevent submitting."""
    problems: list[str] = []
    for name in NOTEBOOKS + REQUIRED_CODE:
        if not (folder / name).is_file():
            problems.append(f"{name} is missing")
    for name in REQUIRED_MODELS:
        if not (folder / name).is_file():
            problems.append(f"{name} is missing: run the last part of PyTorch.ipynb, which trains and saves it")
    for name in NOTEBOOKS:
        if (folder / name).is_file():
            problem = notebook_problem(folder / name)
            if problem:
                problems.append(problem)
    code = sorted({path for pattern in CODE for path in folder.glob(pattern) if path.is_file()})
    optional = [folder / name for name in OPTIONAL if (folder / name).is_file()]
    models = [folder / name for name in REQUIRED_MODELS]
    files = [folder / name for name in NOTEBOOKS] + code + models + optional
    return files, problems


def main() -> int:
    folder = Path(__file__).resolve().parent
    files, problems = collect(folder)
    if problems:
        print("Not submittable yet:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        print("A cell that raises an error counts as run: run the cells after it one by one (Shift+Enter).",
              file=sys.stderr)
        return 1
    archive = folder / ZIP_NAME
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            name = path.relative_to(folder).as_posix()
            zf.write(path, name)
            print(f"  {name} ({path.stat().st_size:,} bytes)")
    print(f"Wrote {archive.name}: {len(files)} files, {archive.stat().st_size:,} bytes. Upload this file.")
    return write_inline_pdf(folder)


def write_inline_pdf(folder: Path) -> int:
    """Writes the inline answers' PDF (inline_pdf/); returns the exit status."""
    try:
        from inline_pdf import write_submission_pdf
    except ImportError as err:
        print(f"Could not write the inline answers' PDF: {err}", file=sys.stderr)
        return 1
    return write_submission_pdf(folder, NOTEBOOKS)


if __name__ == "__main__":
    sys.exit(main())
