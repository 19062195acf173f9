"""nbgrader's own steps for the notebooks: generate_assignment (release) and generate_solution (solutions).

Both run in this process with nbgrader's converters and the course's nbgrader_config.py. generate_assignment
clears solution regions and hidden tests, locks cells, records checksums and fills the gradebook;
generate_solution keeps the solutions. Both also copy the other files of source/assignment2 (README.md,
collect_submission.py). nbgrader's generate_solution would also execute the notebooks, but in
source/assignment2, where the package is absent: the generator executes them itself, in the solutions folder
(generate/execute.py), so that step is left out here.
"""

import os
import sys
from pathlib import Path

from nbgrader.converters import GenerateAssignment, GenerateSolution
from nbgrader.converters.base import BaseConverter
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from generate.layout import ASSIGNMENT

CONFIG_FILE = "nbgrader_config.py"


def load_config(root: Path) -> Config:
    """The course's nbgrader configuration (root/nbgrader_config.py), as nbgrader itself reads it."""
    if not (root / CONFIG_FILE).is_file():
        raise FileNotFoundError(f"{root / CONFIG_FILE} is missing: run the generator from the course root")
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()


def interpreter_on_path(environ: dict[str, str]) -> dict[str, str]:
    """`environ` with this interpreter's bin folder first on PATH.

    nbgrader's gradebook runs the `alembic` command, installed next to the interpreter (.venv/bin), which
    is not on PATH when the interpreter is called by its path.
    """
    bin_dir = str(Path(sys.executable).parent)
    path = environ.get("PATH", "")
    if path.split(os.pathsep)[0] == bin_dir:
        return dict(environ)
    return {**environ, "PATH": os.pathsep.join([bin_dir, path]) if path else bin_dir}


def _run(converter_class: type[BaseConverter], root: Path, config: Config) -> None:
    os.environ.update(interpreter_on_path(dict(os.environ)))
    config[converter_class.__name__].force = True
    coursedir = CourseDirectory(config=config)
    if Path(coursedir.root).resolve() != root.resolve():
        raise ValueError(f"{root / CONFIG_FILE} sets the course root to {coursedir.root}, not {root}")
    coursedir.assignment_id = ASSIGNMENT
    converter_class(coursedir=coursedir, config=config).start()


def generate_release(root: Path) -> None:
    """`nbgrader generate_assignment assignment2 --force`: release/assignment2 and the gradebook."""
    _run(GenerateAssignment, root, load_config(root))


def generate_solutions(root: Path) -> None:
    """`nbgrader generate_solution assignment2 --force` without execution: solutions/assignment2.

    Needs the assignment in the gradebook (generate_release first).
    """
    config = load_config(root)
    default = GenerateSolution.class_traits()["preprocessors"].default()
    config.GenerateSolution.preprocessors = [step for step in default if step is not Execute]
    _run(GenerateSolution, root, config)
