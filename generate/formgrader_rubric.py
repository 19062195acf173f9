"""The answer key and rubric of each inline question, shown in nbgrader's formgrader below the student's answer.

nbgrader keeps mark schemes (`### BEGIN MARK SCHEME`) for "manually graded task" cells only and refuses them in
manually graded answer cells, which our inline questions are (jupyter/nbgrader#1310, #1499). So the rubric is
added when the formgrader renders a submission: nbgrader_config.py registers ShowRubrics as a preprocessor of
nbconvert's HTMLExporter, which the formgrader uses to render `autograded/<student>/<assignment>/<nb>.ipynb`.
The autograded notebooks themselves never hold the rubric.

nbgrader's generate_feedback renders the students' feedback with an HTMLExporter built from the same
configuration, so ShowRubrics acts only on the formgrader's pages, whose resources name the gradebook's
`submission_id` (feedback's do not): tests/test_written_part.py checks both pages for real.
"""

import logging
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from traitlets import Unicode

from generate.answer_key import InlineQuestion, inline_questions

RUBRIC_HEADING = "Answer key and rubric (graders only: not part of the students' feedback)"
_LOG = logging.getLogger(__name__)


def rubric_cell(question: InlineQuestion) -> NotebookNode:
    """The markdown cell shown below the answer to `question`: its answer key and rubric, quoted."""
    body = "\n".join(f"> {line}" if line else ">" for line in question.key.splitlines())
    return new_markdown_cell(f"#### {RUBRIC_HEADING}\n\n{body}", metadata={"rubric_for": question.grade_id})


class ShowRubrics(Preprocessor):
    """Inserts each inline question's answer key and rubric after the student's answer, in the formgrader only."""

    source_folder = Unicode("", help="The course's source/ folder (nbgrader's source directory).").tag(config=True)

    def _questions(self, assignment: str, notebook: str) -> dict[str, InlineQuestion]:
        path = Path(self.source_folder) / assignment / f"{notebook}.ipynb"
        if not path.is_file():
            return {}
        try:
            return {question.grade_id: question for question in inline_questions(path)}
        except ValueError as err:  # a malformed source cell: grade without the rubric rather than fail the page
            _LOG.warning("no rubrics shown for %s: %s", path, err)
            return {}

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        if "submission_id" not in resources or not self.source_folder:  # not the formgrader's page
            return nb, resources
        questions = self._questions(str(resources.get("assignment_id", "")), str(resources.get("notebook_id", "")))
        cells = []
        for cell in nb.cells:
            cells.append(cell)
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if cell.cell_type == "markdown" and grade_id in questions:
                cells.append(rubric_cell(questions[grade_id]))
        nb.cells = cells
        return nb, resources
