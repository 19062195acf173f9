"""nbgrader's configuration of the course. nbgrader reads it from the current directory: run nbgrader here.

This folder is the course directory (source/, release/, solutions/, submitted/, autograded/, feedback/ and
the gradebook). `python -m generate` builds release/ and solutions/ (with nbgrader's own steps for the
notebooks); see docs/annotated-source.md.
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by the loader of nbgrader's config files)

ROOT = Path(__file__).resolve().parent
# The course root goes on the path so that this file and nbgrader's processes can import the course's generate/
# (the facts shared with the generator, and the formgrader's preprocessor below).
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from generate.execute import CELL_TIMEOUT  # noqa: E402
from generate.package import IGNORED  # noqa: E402

c.CourseDirectory.course_id = "cs231n"
c.CourseDirectory.root = str(ROOT)
c.CourseDirectory.solution_directory = "solutions"
# The gradebook holds the hidden tests in plain text: it stays here (gitignored), never in release/.
c.CourseDirectory.db_url = f"sqlite:///{ROOT / 'gradebook.db'}"
# Files nbgrader never copies (into the release, the solutions, or from a submission to autograded/): those never
# part of a copy of the package (caches, the CIFAR-10 data set and its downloaded archive), and feedback/.
c.CourseDirectory.ignore = [*IGNORED, "feedback"]

# Grade the student's own package: autograde must not replace any of the student's .py files under
# cs231n/ by the instructor's copy (nbgrader overwrites every non-notebook file of the source folder).
_STUDENT_PY = sorted(
    path.relative_to(ROOT).as_posix()
    for path in (ROOT / "cs231n").rglob("*.py")
    if "__pycache__" not in path.parts
)
c.Autograde.exclude_overwriting = {"assignment2": _STUDENT_PY}

# Always the python3 kernel of the interpreter running nbgrader, whatever kernelspec a submitted notebook
# names (autograde also restores the source notebook's kernelspec metadata before executing). Settings of
# nbconvert's ExecutePreprocessor apply to nbgrader's Execute, its subclass.
c.ExecutePreprocessor.kernel_name = "python3"
c.ExecutePreprocessor.timeout = CELL_TIMEOUT  # the generator's (generate/execute.py says why)

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The formgrader shows each inline question's answer key and rubric (from source/) below the student's answer;
# the students' feedback never holds them (generate/formgrader_rubric.py says how, tests/test_written_part.py
# checks it).
c.HTMLExporter.preprocessors = ["generate.formgrader_rubric.ShowRubrics"]
c.ShowRubrics.source_folder = str(ROOT / "source")
