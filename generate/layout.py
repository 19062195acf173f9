"""Where things live in the course directory (the repository root is nbgrader's course directory)."""

import ast
from dataclasses import dataclass
from pathlib import Path

ASSIGNMENT = "assignment2"
PACKAGE = "cs231n"
ORDER_FILE = "collect_submission.py"  # its NOTEBOOKS tuple is the one place the notebooks' order is written
INLINE_QUESTIONS = "inline_questions.md"


@dataclass(frozen=True)
class Course:
    """The course directory rooted at `root`."""

    root: Path

    @property
    def package(self) -> Path:
        """The annotated package (the one source of the release's and the solutions' package)."""
        return self.root / PACKAGE

    @property
    def source(self) -> Path:
        return self.root / "source" / ASSIGNMENT

    @property
    def release(self) -> Path:
        return self.root / "release" / ASSIGNMENT

    @property
    def solutions(self) -> Path:
        return self.root / "solutions" / ASSIGNMENT


def notebook_order(folder: Path) -> tuple[str, ...]:
    """The notebooks' file names in the assignment's order, as NOTEBOOKS of folder/collect_submission.py lists
    them for the students (source/, release/ and solutions/ each carry the file); () when there is none."""
    path = folder / ORDER_FILE
    if not path.is_file():
        return ()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "NOTEBOOKS" for target in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise ValueError(f"{path}: no NOTEBOOKS = (...) tuple naming the notebooks in the assignment's order")


def ordered_notebooks(folder: Path) -> list[Path]:
    """The notebooks of `folder`: those of notebook_order(folder) in that order, then any other by name."""
    order = notebook_order(folder)

    def rank(path: Path) -> int:
        return order.index(path.name) if path.name in order else len(order)

    return sorted(sorted(folder.glob("*.ipynb")), key=rank)
