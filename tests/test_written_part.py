"""The written part: the inline answers' PDF (release/assignment2/inline_pdf, run by collect_submission.py), the
instructors' template PDF and Gradescope rubric (solutions/), the rubric in nbgrader's formgrader, and the
students' pinned environment.

- collect_submission.py on a copy of the release whose answers are filled in (unicode, markdown, long, empty):
  the PDF read back page by page with pypdf (page count, each page's question, the answer's text);
- the committed template has the students' pages and layout, without answers, keys or rubrics;
- a notebook added to collect_submission.py's NOTEBOOKS adds its questions' pages at the end, with no code change;
- how questions are found when a student's editor dropped metadata or a marker line;
- gradescope_rubric.md carries every deduction of the source notebooks' rubrics;
- slow: nbgrader's formgrader shows the rubric beside the answer and the feedback does not (nbgrader 0.9.6 for
  real: generate, submit, autograde, a Jupyter server with the formgrader, generate_feedback);
- slow: a fresh virtual environment from the release's requirements.txt runs the students' checker and
  collect_submission.py.
"""

import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pypdf import PdfReader

from generate.answer_key import inline_questions
from generate.formgrader_rubric import RUBRIC_HEADING
from generate.gradescope import GRADESCOPE_RUBRIC, gradescope_math, rubric_items
from generate.layout import notebook_order, ordered_notebooks
from generate.student_env import INDEX_OPTION, STUDENT_PACKAGES, render_student_env, student_pins
from generate.written import load_pdf_package
from tests import helpers
from tests.helpers import NOT_COPIED, RELEASE, ROOT, SOLUTIONS, SOURCE

PDF = "a2_inline_submission.pdf"
TEMPLATE = SOLUTIONS / "a2_inline_template.pdf"

UNICODE_ANSWER = ("Für große |x| sättigt die Sigmoid-Funktion: $\\sigma(x)(1-\\sigma(x)) \\le 1/4$, naïve café, "
                  "Ελληνικά αβγ, → ≈ ∞.\n\n- ReLU gives `0` below zero\n- leaky ReLU keeps `alpha * x`")
UNICODE_TEXTS = ("Für große |x| sättigt die Sigmoid-Funktion", "σ(x)(1-σ(x)) ≤ 1/4", "naïve café",
                 "Ελληνικά αβγ, → ≈ ∞.", "ReLU gives 0 below zero", "leaky ReLU keeps alpha * x")
LONG_ANSWER = " ".join(f"Sentence {n} says why depth compounds the per-layer scale of the signal." for n in range(90))
HUGE_ANSWER = " ".join(f"w{n}" for n in range(6000))


# ---------------------------------------------------------------------------------------------------------
# helpers


def _normalized(text: str) -> str:
    return " ".join(text.split())


def _release_questions(folder: Path) -> list[tuple[str, str, int, str]]:
    """(notebook, grade id, number, title) of every inline question, read from the notebooks' JSON directly."""
    found = []
    for name in notebook_order(folder):
        for cell in json.loads((folder / name).read_text())["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] == "markdown" and meta.get("solution") and meta.get("grade"):
                heading = re.match(r"## Inline Question (\d+):\s*(.*)", "".join(cell["source"]))
                assert heading, cell["source"]
                found.append((name, meta["grade_id"], int(heading[1]), heading[2].strip()))
    return found


def _student_copy(destination: Path) -> Path:
    """A copy of the release as a student has it when done: every code cell run, the PyTorch part's best_model.pt
    saved (the solutions' one)."""
    shutil.copytree(RELEASE, destination, ignore=NOT_COPIED)
    shutil.copy(SOLUTIONS / "best_model.pt", destination / "best_model.pt")
    for notebook in destination.glob("*.ipynb"):
        nb = nbformat.read(notebook, as_version=4)
        for count, cell in enumerate((cell for cell in nb.cells if cell.cell_type == "code"), start=1):
            cell.execution_count = count
        nbformat.write(nb, notebook)
    return destination


def _answer(folder: Path, answers: dict[str, str]) -> None:
    """Writes answers[grade_id] in place of YOUR ANSWER HERE in the question cells named."""
    for notebook in folder.glob("*.ipynb"):
        nb = nbformat.read(notebook, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                assert "YOUR ANSWER HERE" in cell.source
                cell.source = cell.source.replace("YOUR ANSWER HERE", answers[grade_id])
        nbformat.write(nb, notebook)


def _collect(folder: Path, python: str = sys.executable) -> subprocess.CompletedProcess:
    return subprocess.run([python, "collect_submission.py"], cwd=folder, capture_output=True, text=True,
                          timeout=600)


def _page_texts(path: Path) -> list[str]:
    return [_normalized(page.extract_text()) for page in PdfReader(path).pages]


def _positions(path: Path, texts: tuple[str, ...]) -> list[dict[str, tuple[float, float]]]:
    """Per page, where each of `texts` is drawn (x, y of its text matrix), for the texts found."""
    found = []
    for page in PdfReader(path).pages:
        where: dict[str, tuple[float, float]] = {}

        def visit(text, cm, tm, font, size, where=where):
            for wanted in texts:
                if text.strip().startswith(wanted) and wanted not in where:
                    where[wanted] = (round(tm[4], 2), round(tm[5], 2))

        page.extract_text(visitor_text=visit)
        found.append(where)
    return found


@pytest.fixture(scope="module")
def answered(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The release with answers filled in (one left empty, one untouched) and collect_submission.py run."""
    folder = _student_copy(tmp_path_factory.mktemp("student") / "assignment2")
    questions = _release_questions(folder)
    answers = {grade_id: f"Answer number {page}: the signal is rescaled at every layer."
               for page, (_, grade_id, _, _) in enumerate(questions, start=1)}
    ids = [grade_id for _, grade_id, _, _ in questions]
    answers[ids[0]] = UNICODE_ANSWER
    answers[ids[1]] = LONG_ANSWER
    answers[ids[2]] = ""  # deleted the placeholder, wrote nothing
    answers[ids[3]] = HUGE_ANSWER
    del answers[ids[4]]  # left "YOUR ANSWER HERE"
    _answer(folder, answers)
    return folder, _collect(folder)


# ---------------------------------------------------------------------------------------------------------
# the students' PDF, page by page


def test_the_pdf_has_one_page_per_question_in_the_notebooks_order(answered):
    folder, result = answered
    assert result.returncode == 0, result.stdout + result.stderr
    questions = _release_questions(folder)
    assert len(questions) >= 10  # the numpy part's ten inline questions, then any later part's
    pages = _page_texts(folder / PDF)
    assert len(pages) == len(questions)
    for number, (page, (notebook, grade_id, local, title)) in enumerate(zip(pages, questions, strict=True), 1):
        assert title, f"{grade_id} has no title in its heading"
        assert f"Question {number}: {title}" in page
        assert f"{notebook}, Inline Question {local}" in page
        assert f"page {number} of {len(questions)}" in page and grade_id in page
    assert "Wrote a2_submission.zip" in result.stdout and f"Wrote {PDF}: {len(questions)} pages" in result.stdout


def test_the_pdf_holds_each_answer_with_its_question(answered):
    folder, _ = answered
    pages = _page_texts(folder / PDF)
    for text in UNICODE_TEXTS:  # markdown rendered: math as text, code spans, list items, any script
        assert text in pages[0], text
    assert "•" in pages[0] and "$" not in pages[0].partition("Your answer")[2]
    assert _normalized(LONG_ANSWER) in pages[1]  # long, set smaller, whole
    for number in range(6, len(pages) + 1):
        assert f"Answer number {number}: the signal is rescaled at every layer." in pages[number - 1]
    question_text = pages[5].partition("Your answer")[0]  # the question of page 6 is on its page too
    assert "?" in question_text or "." in question_text


def test_unanswered_questions_get_a_page_saying_so_and_a_warning(answered):
    folder, result = answered
    pages = _page_texts(folder / PDF)
    for number in (3, 5):
        assert "No answer. This question was left unanswered" in pages[number - 1]
        assert f"Warning: page {number} (" in result.stderr and "has no answer" in result.stderr
    assert "YOUR ANSWER HERE" not in " ".join(pages)
    assert "page 3: " in result.stdout and "(no answer)" in result.stdout


def test_an_answer_too_long_for_a_page_is_cut_and_the_page_count_stays(answered):
    folder, result = answered
    page = _page_texts(folder / PDF)[3]
    assert "w0 w1 w2" in page and "w5999" not in page
    cut = int(re.search(r"(\d+) more words are cut here", page)[1])
    kept = int(re.findall(r"\bw(\d+)\b", page)[-1]) + 1
    assert kept > 1000 and kept + cut == 6000  # small print first, then the cut, said on the page
    assert "Warning: page 4 (" in result.stderr and f"last {cut} words are cut" in result.stderr


def test_the_zip_is_unchanged_by_the_pdf(answered):
    folder, _ = answered
    with zipfile.ZipFile(folder / "a2_submission.zip") as zf:
        assert PDF not in zf.namelist() and "FullyConnectedNets.ipynb" in zf.namelist()


def test_the_template_has_the_students_pages_without_answers(answered):
    folder, _ = answered
    student, template = PdfReader(folder / PDF), PdfReader(TEMPLATE)
    assert len(template.pages) == len(student.pages)
    for mine, blank in zip(student.pages, template.pages, strict=True):
        assert mine.mediabox == blank.mediabox
    student_texts, template_texts = _page_texts(folder / PDF), _page_texts(TEMPLATE)
    for mine, blank in zip(student_texts, template_texts, strict=True):
        assert mine.partition("Your answer")[0] == blank.partition("Your answer")[0]  # header and question
        assert blank.partition("Your answer")[2].startswith(" Question")  # then only the footer
    landmarks = ("Question", "Your answer", "page ")
    assert _positions(folder / PDF, landmarks) == _positions(TEMPLATE, landmarks)


def test_a_notebook_added_to_notebooks_adds_its_pages_at_the_end(tmp_path):
    """A later part adds a notebook with a question: naming it in NOTEBOOKS is all it takes."""
    folder = _student_copy(tmp_path / "assignment2")
    before = len(_release_questions(folder))
    meta = {"nbgrader": {"schema_version": 3, "grade": True, "solution": True, "locked": False, "points": 2,
                         "grade_id": "extra_inline_question_1", "cell_type": "markdown"}}
    cells = [new_code_cell("x = 1", execution_count=1),
             new_markdown_cell("## Inline Question 1: An extra part\n\nWhy?\n\n**Your Answer:**\n\n"
                               "Because the extra part says so.", metadata=meta)]
    nbformat.write(new_notebook(cells=cells), folder / "ExtraPart.ipynb")
    script = folder / "collect_submission.py"
    text = script.read_text()
    last = f'    "{notebook_order(folder)[-1]}",\n'
    assert text.count(last) == 1
    script.write_text(text.replace(last, f'{last}    "ExtraPart.ipynb",\n'))
    result = _collect(folder)
    assert result.returncode == 0, result.stderr
    pages = _page_texts(folder / PDF)
    assert len(pages) == before + 1
    assert f"Question {before + 1}: An extra part" in pages[-1] and "ExtraPart.ipynb, Inline Question 1" in pages[-1]
    assert "Because the extra part says so." in pages[-1]


def test_without_the_pdf_packages_the_zip_is_written_and_the_script_says_what_to_install(tmp_path):
    folder = _student_copy(tmp_path / "assignment2")
    code = ("import runpy, sys; sys.modules['fpdf'] = None; "
            "runpy.run_path('collect_submission.py', run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert (folder / "a2_submission.zip").is_file() and not (folder / PDF).exists()
    assert "the package fpdf is missing" in result.stderr and "pip install -r requirements.txt" in result.stderr


# ---------------------------------------------------------------------------------------------------------
# finding the questions in what students' editors save


def _question_cell(number: int, body: str, grade_id: str | None) -> nbformat.NotebookNode:
    meta = {} if grade_id is None else {"nbgrader": {"schema_version": 3, "grade": True, "solution": True,
                                                      "locked": False, "points": 1, "grade_id": grade_id}}
    return new_markdown_cell(f"## Inline Question {number}: Title {number}\n\nQuestion {number}?\n\n{body}",
                             metadata=meta)


def _discover(tmp_path: Path, cells: list) -> tuple[list, list[str]]:
    nbformat.write(new_notebook(cells=cells), tmp_path / "Part.ipynb")
    package = load_pdf_package(SOURCE)
    found = package.questions.find_questions(tmp_path, ["Part.ipynb"])
    return found.questions, found.warnings


def test_questions_and_answers_are_read_from_the_cells(tmp_path):
    questions, warnings = _discover(tmp_path, [
        new_markdown_cell("## Inline Question 1: not an answer cell (no metadata)"),
        _question_cell(1, "**Your Answer:**\n\nYOUR ANSWER HERE", "q1"),
        _question_cell(2, "**Your Answer:** written on the marker's line\n\nand below it.", "q2"),
    ])
    assert [(q.number, q.title, q.grade_id, q.question) for q in questions] == [
        (1, "Title 1", "q1", "Question 1?"), (2, "Title 2", "q2", "Question 2?")]
    assert questions[0].answer == "" and not questions[0].answered
    assert questions[1].answer == "written on the marker's line\n\nand below it."
    assert warnings == []


def test_cells_whose_editor_dropped_the_metadata_are_found_by_their_headings(tmp_path):
    questions, warnings = _discover(tmp_path, [_question_cell(1, "**Your Answer:**\n\nA1", None),
                                               _question_cell(2, "**Your Answer:**\n\nA2", None)])
    assert [(q.number, q.answer) for q in questions] == [(1, "A1"), (2, "A2")]
    assert any("lost their nbgrader metadata" in warning for warning in warnings)


def test_a_deleted_marker_a_copied_cell_and_a_deleted_cell_are_reported(tmp_path):
    questions, warnings = _discover(tmp_path, [
        _question_cell(1, "my answer without the marker line", "q1"),
        _question_cell(1, "**Your Answer:**\n\ncopy", "q1"),
        _question_cell(3, "**Your Answer:**\n\nA3", "q3"),
    ])
    assert [(q.number, q.answer) for q in questions] == [
        (1, "Question 1?\n\nmy answer without the marker line"), (3, "A3")]
    assert any("**Your Answer:** is gone" in warning for warning in warnings)
    assert any("a second copy of this cell" in warning for warning in warnings)
    assert any("numbered [1, 3], not 1 to 2" in warning for warning in warnings)


def test_markdown_prints_as_text_for_the_pdf():
    markup = importlib.import_module(f"{load_pdf_package(SOURCE).__name__}.markup")
    html = markup.to_html("$\\frac{1}{\\sqrt{t}}$ and <script>x</script> ![plot](attachment:a.png) [docs](http://d.org)")
    assert "<i>1/√(t)</i>" in html and "&lt;script&gt;" in html
    assert "[image: plot]" in html and "docs (http://d.org)" in html
    assert markup.math_text("\\alpha_1 \\le 1/4") == "α_1 ≤ 1/4" and markup.math_text("\\bad{") == "\\bad{"


# ---------------------------------------------------------------------------------------------------------
# the instructors' files


def test_the_template_holds_no_answer_key_or_rubric():
    text = " ".join(_page_texts(TEMPLATE))
    assert "Answer key" not in text and "Rubric" not in text and "No answer" not in text
    for notebook in ordered_notebooks(SOURCE):
        for question in inline_questions(notebook):
            items, _ = rubric_items(question.key)
            for item in items:
                assert _normalized(item.description.replace("$$", ""))[:40] not in text


def test_gradescope_rubric_has_every_question_and_deduction_of_the_source():
    rubric = (SOLUTIONS / GRADESCOPE_RUBRIC).read_text()
    questions = [q for notebook in ordered_notebooks(SOURCE) for q in inline_questions(notebook)]
    sections = rubric.split("\n## Question ")[1:]
    assert len(sections) == len(questions) >= 10
    for page, (section, question) in enumerate(zip(sections, questions, strict=True), start=1):
        assert section.startswith(f"{page}: ") and f"nbgrader cell `{question.grade_id}`" in section
        assert f"({question.points:g} point" in section
        deductions = re.findall(r"^\s*- (-\d+(?:\.\d+)?): ", question.key, re.MULTILINE)
        listed = re.findall(r"^- `(-?\d+(?:\.\d+)?)`$", section, re.MULTILINE)
        assert listed == [f"{float(d):g}" for d in deductions], question.grade_id
    assert f"{sum(q.points for q in questions):g} points in all" in rubric


def test_gradescope_descriptions_use_gradescope_math():
    assert gradescope_math("for $x < 0$ and $|x| = 5$, not $$y$$ or \\$5") == \
        "for $$x < 0$$ and $$|x| = 5$$, not $$y$$ or \\$5"
    items, notes = rubric_items("**Rubric (1 pt):**\n\n- -0.5: misses $x$\n  on two lines\n- (floor at 0)\n")
    assert [(item.points, item.description) for item in items] == [(-0.5, "misses $$x$$ on two lines")]
    assert notes == ["floor at 0"]


# ---------------------------------------------------------------------------------------------------------
# the students' environment


def test_release_environment_files_pin_the_graders_versions():
    pins = student_pins(ROOT / "requirements.txt")
    assert [pin.name for pin in pins] == list(STUDENT_PACKAGES)
    lines = [line for line in (RELEASE / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    assert lines == [INDEX_OPTION, *(str(pin) for pin in pins)]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9a-z.]*", line) for line in lines[1:])
    assert "torch==2.13.0" in lines  # the course's torch==2.13.0+cpu, without the label macOS's wheels lack
    environment = yaml.safe_load((RELEASE / "environment.yml").read_text())
    pip = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert pip == lines and "python=3.11" in environment["dependencies"]
    readme = (RELEASE / "README.md").read_text()
    assert "pip install -r requirements.txt" in readme and "conda env create -f environment.yml" in readme
    assert "pip install numpy" not in readme


def test_a_package_added_to_the_students_list_is_pinned_from_the_course_requirements(tmp_path, monkeypatch):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text((ROOT / "requirements.txt").read_text() + "torchaudio==2.13.0+cpu\n")
    monkeypatch.setattr("generate.student_env.STUDENT_PACKAGES", (*STUDENT_PACKAGES, "torchaudio"))
    files = render_student_env(requirements)
    assert files["requirements.txt"].decode().endswith("\ntorchaudio==2.13.0\n")
    assert "      - torchaudio==2.13.0\n" in files["environment.yml"].decode()
    monkeypatch.setattr("generate.student_env.STUDENT_PACKAGES", (*STUDENT_PACKAGES, "tensorflow"))
    with pytest.raises(ValueError, match="tensorflow not pinned"):
        render_student_env(requirements)


@pytest.mark.slow
def test_a_fresh_environment_from_the_release_requirements_runs_the_checker_and_collect(tmp_path):
    """A new virtual environment inside the assignment folder, as the students' README has it, with nothing but
    `pip install -r requirements.txt` (pip's cache makes it quick after the first time)."""
    folder = _student_copy(tmp_path / "assignment2")
    venv = folder / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv / "bin" / "python")
    # This machine is offline: PyTorch's index (the file's --extra-index-url) is unreachable, and pip's five retries
    # for each of about a hundred packages would add minutes. The torch wheel comes from pip's configured find-links.
    install = subprocess.run([python, "-m", "pip", "install", "-q", "-r", "requirements.txt"], cwd=folder,
                             env={**os.environ, "PIP_RETRIES": "0"}, capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0, install.stdout + install.stderr
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    check = subprocess.run([python, "-m", "autograder", "check", "."], cwd=folder, env=env, capture_output=True,
                           text=True, timeout=600)
    assert re.search(r"\b1 of \d+ public checks passed", check.stdout), check.stdout + check.stderr
    _answer(folder, {_release_questions(folder)[0][1]: UNICODE_ANSWER})
    result = _collect(folder, python)
    assert result.returncode == 0, result.stdout + result.stderr
    pages = _page_texts(folder / PDF)
    assert len(pages) == len(_release_questions(folder)) and UNICODE_TEXTS[0] in pages[0]


# ---------------------------------------------------------------------------------------------------------
# nbgrader's formgrader and feedback, for real


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, token: str) -> str:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def _formgrader_page(course: Path, submission_id: str) -> str:
    """The formgrader's page of one submitted notebook, from a Jupyter server started in the course."""
    port, token = _free_port(), "written-part-test"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    log = course / "jupyter-server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root", f"--port={port}",
             "--ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}"],
            cwd=course, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(f"{base}/api/status", token)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
        return _get(f"{base}/formgrader/submissions/{submission_id}/", token)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
def test_formgrader_shows_the_rubric_beside_the_answer_and_feedback_does_not(tmp_path):
    from nbgrader.api import Gradebook

    course = helpers.tiny_course(tmp_path / "course")
    assert helpers.generate(course, "--no-execute").returncode == 0
    submission = course / "submitted" / "alice" / "assignment2"
    shutil.copytree(course / "release" / "assignment2", submission)
    _answer(submission, {"q1": "ALICE-ANSWER: adding is what the layer does."})
    helpers.nbgrader(course, "autograde", "assignment2", "--student", "alice")
    helpers.nbgrader(course, "generate_feedback", "assignment2", "--student", "alice")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cs231n") as gb:
        submission_id = gb.find_submission_notebook("FullyConnectedNets", "assignment2", "alice").id

    page = _formgrader_page(course, submission_id)
    assert "ALICE-ANSWER" in page and RUBRIC_HEADING in page
    answer, rubric = page.index("ALICE-ANSWER"), page.index(RUBRIC_HEADING)
    assert answer < rubric < answer + 3000  # right below the answer's panel
    assert "Because sums are useful." in page[rubric:] and "no reason" in page[rubric:]

    feedback = (course / "feedback" / "alice" / "assignment2" / "FullyConnectedNets.html").read_text()
    autograded = (course / "autograded" / "alice" / "assignment2" / "FullyConnectedNets.ipynb").read_text()
    for text in (feedback, autograded):
        assert "ALICE-ANSWER" in text
        assert RUBRIC_HEADING not in text and "sums are useful" not in text and "Rubric (2 pts)" not in text
