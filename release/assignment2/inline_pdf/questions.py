"""The inline questions of the assignment's notebooks, and the student's answer to each.

An inline question is a markdown cell that nbgrader marks as a manually graded answer (cell metadata
`nbgrader: {cell_type: markdown, solution: true, grade: true}`). It reads

    ## Inline Question 2: Depth and the initialization scale
    <the question>
    **Your Answer:**
    <the student's answer, "YOUR ANSWER HERE" until they write one>

Questions are taken in the order of the notebooks given, then of the cells. Only the standard library is used.
"""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

YOUR_ANSWER = "**Your Answer:**"
PLACEHOLDER = "YOUR ANSWER HERE"
_HEADING = re.compile(r"^#{1,6}\s*Inline Question\s+(?P<number>\d+)\s*:?\s*(?P<title>.*?)\s*#*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class InlineQuestion:
    """One inline question of a notebook and the answer written in its cell (markdown)."""

    notebook: str  # the notebook's file name, e.g. "Dropout.ipynb"
    grade_id: str  # nbgrader's id of the cell ("" when an editor dropped the cell's metadata)
    number: int  # the notebook's own number of the question ("Inline Question 2")
    title: str  # the heading's title, "" when it has none
    points: float | None  # nbgrader's points for the cell, None when unknown
    question: str  # the question's text (markdown), without its heading
    answer: str  # the student's answer (markdown); "" when there is none

    @property
    def answered(self) -> bool:
        return bool(self.answer.strip())

    @property
    def label(self) -> str:
        """How the notebook names the question, e.g. "Dropout.ipynb, Inline Question 2"."""
        return f"{self.notebook}, Inline Question {self.number}"


@dataclass(frozen=True)
class Discovery:
    """The questions found, and what the student should know about how they were read."""

    questions: list[InlineQuestion]
    warnings: list[str]


class NotebookUnreadable(ValueError):
    """A notebook that should hold questions is missing or is not a notebook."""


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _is_answer_cell(cell: dict) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "markdown" and bool(meta.get("solution")) and bool(meta.get("grade"))


def _has_question_heading(cell: dict) -> bool:
    return cell.get("cell_type") == "markdown" and any(
        _HEADING.match(line.strip()) for line in _source(cell).splitlines())


def _without_placeholder(lines: list[str]) -> str:
    return "\n".join(line for line in lines if line.strip() != PLACEHOLDER).strip()


def _parse_cell(cell: dict, notebook: str, position: int, warnings: list[str]) -> InlineQuestion:
    """The question of one answer cell; `position` (1-based, among the notebook's questions) numbers a cell
    whose heading is gone."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    lines = _source(cell).strip().splitlines()
    heading = _HEADING.match(lines[0].strip()) if lines else None
    number = int(heading["number"]) if heading else position
    title = heading["title"] if heading else ""
    body = lines[1:] if heading else lines
    where = f"{notebook}, Inline Question {number}"
    if not heading:
        warnings.append(f"{where}: the cell lost its '## Inline Question {position}:' heading; it is taken as "
                        f"question {position} of the notebook")
    marker = next((index for index, line in enumerate(body) if line.strip().startswith(YOUR_ANSWER)), None)
    if marker is None:
        warnings.append(f"{where}: the line {YOUR_ANSWER} is gone, so the whole cell is printed as the answer")
        question, answer = "", _without_placeholder(body)
    else:
        rest = body[marker].strip()[len(YOUR_ANSWER):]
        question = "\n".join(body[:marker]).strip()
        answer = _without_placeholder([rest, *body[marker + 1 :]])
    points = meta.get("points")
    return InlineQuestion(notebook, str(meta.get("grade_id", "")), number, title,
                          float(points) if isinstance(points, int | float) else None, question, answer)


def _cells(path: Path) -> list[dict]:
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except FileNotFoundError as err:
        raise NotebookUnreadable(f"{path.name} is missing") from err
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise NotebookUnreadable(f"{path.name} is not a valid notebook (reopen it in Jupyter and save it)") from err
    if not isinstance(cells, list):
        raise NotebookUnreadable(f"{path.name} is not a valid notebook (reopen it in Jupyter and save it)")
    return [cell for cell in cells if isinstance(cell, dict)]


def _notebook_questions(path: Path, warnings: list[str]) -> list[InlineQuestion]:
    cells = _cells(path)
    chosen = [cell for cell in cells if _is_answer_cell(cell)]
    if not chosen:
        chosen = [cell for cell in cells if _has_question_heading(cell)]
        if chosen:
            warnings.append(f"{path.name}: its question cells lost their nbgrader metadata (was it saved by "
                            "another editor?); they are found by their headings")
    questions: list[InlineQuestion] = []
    seen: set[str] = set()
    for cell in chosen:
        question = _parse_cell(cell, path.name, len(questions) + 1, warnings)
        if question.grade_id and question.grade_id in seen:
            warnings.append(f"{question.label}: a second copy of this cell (nbgrader id {question.grade_id!r}) "
                            "is left out; keep one answer cell per question")
            continue
        seen.add(question.grade_id)
        questions.append(question)
    numbers = [question.number for question in questions]
    if numbers != list(range(1, len(numbers) + 1)):
        warnings.append(f"{path.name}: its questions are numbered {numbers}, not 1 to {len(numbers)}: a question "
                        "cell was deleted or moved, so the pages after it are shifted; restore the cell from "
                        "the assignment's original notebook")
    return questions


def find_questions(folder: Path, notebooks: Sequence[str]) -> Discovery:
    """The inline questions of the notebooks of `folder`, in the order of `notebooks`, then of the cells.

    Inputs:
    - folder: the assignment folder
    - notebooks: file names of the notebooks, in the assignment's order (e.g. "Dropout.ipynb")

    Returns the questions with the student's answers and the warnings about how they were read; raises
    NotebookUnreadable for a missing or invalid notebook (its questions' pages would be missing).
    """
    warnings: list[str] = []
    questions = [question for name in notebooks for question in _notebook_questions(folder / name, warnings)]
    return Discovery(questions, warnings)
