"""Renders the annotated package into a target tree (the release's stubs or the solutions' clean copy)."""

import fnmatch
import shutil
from collections.abc import Callable
from pathlib import Path

from generate.stubber import BEGIN_MARKER, END_MARKER

# Never part of a copy of the package (the release's, the solutions', nbgrader's, the Gradescope zip's, the
# benchmarks'): caches, the downloaded data set and its archive.
IGNORED = ("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache", "cifar-10-batches-py", "*.tar.gz")

Transform = Callable[[str, str], str]


def ignored(name: str) -> bool:
    """Whether a file or folder NAME matches IGNORED."""
    return any(fnmatch.fnmatch(name, pattern) for pattern in IGNORED)


def render_package(package: Path, transform: Transform) -> dict[str, bytes]:
    """Every file of the package as it goes into a target tree.

    Inputs:
    - package: the annotated package folder (e.g. <root>/cs231n)
    - transform: applied to each .py file as transform(text, path), path being relative to the package's
      parent in posix form (e.g. "cs231n/classifiers/fc_net.py"); other files are copied as they are

    Returns {path: content} in sorted order; raises AnnotationError for a malformed .py file and
    ValueError for a solution marker in a file that is not .py (it would reach students unstubbed).
    """
    rendered: dict[str, bytes] = {}
    for file in sorted(package.rglob("*")):
        relative = file.relative_to(package.parent)
        if file.is_dir() or any(ignored(part) for part in relative.parts):
            continue
        path = relative.as_posix()
        content = file.read_bytes()
        if file.suffix == ".py":
            content = transform(content.decode("utf-8"), path).encode("utf-8")
        elif BEGIN_MARKER.encode() in content or END_MARKER.encode() in content:
            raise ValueError(f"{path}: solution markers are only supported in .py files")
        rendered[path] = content
    return rendered


def write_package(rendered: dict[str, bytes], target: Path) -> None:
    """Writes a rendered package under `target` (the assignment folder), replacing any previous copy."""
    for top in {Path(path).parts[0] for path in rendered}:
        shutil.rmtree(target / top, ignore_errors=True)
    for path, content in rendered.items():
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
