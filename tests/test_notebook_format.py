"""Static checks of the nbgrader source notebooks in source/assignment2 (nothing is executed)."""

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.notebooknode import NotebookNode
from nbgrader.nbgraderformat import MetadataValidator

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "source" / "assignment2"

# Points of the manually graded inline questions, by notebook and question number.
INLINE_QUESTION_POINTS = {
    "FullyConnectedNets.ipynb": {1: 1, 2: 1, 3: 2},
    "BatchNormalization.ipynb": {1: 2, 2: 2, 3: 3, 4: 2},
    "Dropout.ipynb": {1: 1, 2: 1, 3: 1},
    "ConvolutionalNetworks.ipynb": {},
    "PyTorch.ipynb": {1: 2},
}
NOTEBOOKS = sorted(INLINE_QUESTION_POINTS)

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
QUESTION_HEADING = re.compile(r"^## Inline Question (\d+):", re.MULTILINE)
RUBRIC_HEADING = re.compile(r"\*\*Rubric \((\d+(?:\.\d+)?) pts?\):\*\*")
DEDUCTION = re.compile(r"^\s*- -\d+(?:\.\d+)?: \S", re.MULTILINE)


def nbgrader_meta(cell: NotebookNode) -> dict:
    """The cell's nbgrader metadata, or an empty dict for a plain cell."""
    return cell.get("metadata", {}).get("nbgrader", {})


def is_manual_question(cell: NotebookNode) -> bool:
    """Whether the cell is a manually graded answer cell (markdown, grade and solution)."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "markdown" and meta.get("grade", False) and meta.get("solution", False)


def regions(source: str, begin: str, end: str) -> list[str]:
    """The texts between matching begin/end marker lines; raises AssertionError on bad nesting."""
    found, current = [], None
    for line in source.splitlines():
        if begin in line:
            assert current is None, f"nested {begin!r}"
            current = []
        elif end in line:
            assert current is not None, f"{end!r} without {begin!r}"
            found.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, f"{begin!r} without {end!r}"
    return found


@pytest.fixture(params=NOTEBOOKS)
def notebook(request: pytest.FixtureRequest) -> tuple[str, NotebookNode]:
    path = NOTEBOOK_DIR / request.param
    if not path.is_file():
        pytest.skip(f"{path.name} is missing (test_all_notebooks_exist fails)")
    return request.param, nbformat.read(path, as_version=nbformat.NO_CONVERT)


def test_all_notebooks_exist() -> None:
    assert sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb")) == NOTEBOOKS


def test_valid_nbformat_v4(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    assert nb.nbformat == 4
    nbformat.validate(nb)


def test_nbgrader_metadata_is_valid_schema_3(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        if "nbgrader" in cell.metadata:
            assert nbgrader_meta(cell)["schema_version"] == 3
    MetadataValidator().validate_nb(nb)


def test_grade_ids_are_unique(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    ids = [nbgrader_meta(cell)["grade_id"] for cell in nb.cells if nbgrader_meta(cell)]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids: {sorted(i for i in ids if ids.count(i) > 1)}"


def test_graded_cells_have_points(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    graded = [nbgrader_meta(cell) for cell in nb.cells if nbgrader_meta(cell).get("grade")]
    assert graded, "a notebook without graded cells"
    for meta in graded:
        assert meta.get("points", 0) > 0, f"{meta['grade_id']} has no points"


def test_inline_question_points(notebook: tuple[str, NotebookNode]) -> None:
    name, nb = notebook
    points = {}
    for cell in filter(is_manual_question, nb.cells):
        numbers = QUESTION_HEADING.findall(cell.source)
        assert len(numbers) == 1, f"expected one '## Inline Question N:' heading in {nbgrader_meta(cell)['grade_id']}"
        assert int(numbers[0]) not in points, f"inline question {numbers[0]} appears twice"
        points[int(numbers[0])] = nbgrader_meta(cell)["points"]
    assert points == INLINE_QUESTION_POINTS[name]


def test_inline_questions_total_18_points() -> None:
    total = 0
    for name in NOTEBOOKS:
        assert (NOTEBOOK_DIR / name).is_file(), f"{name} is missing"
        nb = nbformat.read(NOTEBOOK_DIR / name, as_version=nbformat.NO_CONVERT)
        total += sum(nbgrader_meta(cell)["points"] for cell in nb.cells if is_manual_question(cell))
    assert total == 18


def test_every_question_heading_is_a_manual_cell(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        if cell.cell_type == "markdown" and QUESTION_HEADING.search(cell.source):
            assert is_manual_question(cell), f"question outside a graded answer cell: {cell.source[:60]!r}"


def test_manual_cells_hold_question_answer_key_and_rubric(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in filter(is_manual_question, nb.cells):
        meta = nbgrader_meta(cell)
        assert not meta["locked"], f"{meta['grade_id']}: an answer cell cannot be locked"
        before, marker, _ = cell.source.partition("**Your Answer:**")
        assert marker, f"{meta['grade_id']}: no '**Your Answer:**'"
        assert QUESTION_HEADING.search(before), f"{meta['grade_id']}: the question must come before the answer"
        assert BEGIN_SOLUTION not in before, f"{meta['grade_id']}: solution region before '**Your Answer:**'"
        (region,) = regions(cell.source, BEGIN_SOLUTION, END_SOLUTION)
        key, _, rubric = region.partition("**Answer key:**")[2].partition("**Rubric")
        assert len(key.split()) >= 10, f"{meta['grade_id']}: the answer key is missing or too short"
        heading = RUBRIC_HEADING.search(region)
        assert heading, f"{meta['grade_id']}: no '**Rubric (N pts):**' heading"
        assert float(heading.group(1)) == meta["points"], f"{meta['grade_id']}: rubric points differ from points"
        assert DEDUCTION.search(rubric), f"{meta['grade_id']}: the rubric lists no deduction '- -N: ...'"


def test_no_outputs_stored(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"stored output: {cell.source[:60]!r}"


def test_hidden_tests_only_in_autograded_test_cells(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        hidden = regions(cell.source, BEGIN_HIDDEN, END_HIDDEN)
        if hidden:
            meta = nbgrader_meta(cell)
            assert cell.cell_type == "code", f"hidden tests in a {cell.cell_type} cell"
            assert meta.get("grade") and not meta.get("solution"), f"hidden tests outside a test cell: {meta}"
            assert all(region.strip() for region in hidden), f"{meta['grade_id']}: empty hidden-test region"


def test_solution_regions_only_in_solution_cells(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        if regions(cell.source, BEGIN_SOLUTION, END_SOLUTION):
            assert nbgrader_meta(cell).get("solution"), f"solution region outside a solution cell: {cell.source[:60]!r}"


def test_autograded_test_cells_are_locked_and_assert(notebook: tuple[str, NotebookNode]) -> None:
    _, nb = notebook
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and meta.get("grade"):
            assert meta["locked"] and not meta["solution"], f"{meta['grade_id']}: a test cell must be locked"
            assert "assert" in cell.source, f"{meta['grade_id']}: a test cell without assertions"
