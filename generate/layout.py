"""Where things live in the course directory (the repository root is nbgrader's course directory)."""

from dataclasses import dataclass
from pathlib import Path

ASSIGNMENT = "assignment2"
PACKAGE = "cs231n"
NOTEBOOKS = ("FullyConnectedNets", "BatchNormalization", "Dropout", "ConvolutionalNetworks", "PyTorch")
INLINE_QUESTIONS = "inline_questions.md"
DATA_ENV = "CS231N_CIFAR10_DIR"


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


def ordered_notebooks(folder: Path) -> list[Path]:
    """The notebooks of `folder`: those of NOTEBOOKS in the assignment's order, then any other by name."""

    def rank(path: Path) -> int:
        return NOTEBOOKS.index(path.stem) if path.stem in NOTEBOOKS else len(NOTEBOOKS)

    return sorted(sorted(folder.glob("*.ipynb")), key=rank)
