"""Tests of `python -m generate`, of what it writes (release/ and solutions/) and of collect_submission.py.

- staleness: regenerating into a copy of the course reproduces the committed release/ byte for byte, and
  the committed solutions' code and notebook sources;
- leaks: no solution line, hidden test, answer key or rubric of the annotated source reaches release/;
- the generator on a tiny course: stale files removed, solutions executed in their folder, refusals;
- collect_submission.py: refuses unrun notebooks and missing files, builds the zip otherwise;
- slow: `nbgrader validate` passes the solutions, `--invert` the release, and `nbgrader autograde` of a
  submission keeps the student's own .py files and ignores the kernel its notebooks name.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pypdf import PdfReader

from generate.__main__ import main as generate_main
from tests import helpers
from tests.helpers import NOT_COPIED, RELEASE, ROOT, SOLUTIONS, SOURCE

COURSE_PARTS = ("cs231n", "source", "generate", "autograder", "nbgrader_config.py", "requirements.txt")
NOTEBOOKS = ("FullyConnectedNets", "BatchNormalization", "Dropout", "ConvolutionalNetworks", "PyTorch")
# nbgrader validate and autograde execute PyTorch.ipynb with every training cut to this many iterations (the notebook's
# CS231N_MAX_ITERATIONS); `python -m generate` executes it in full.
MIN_SECRET_LENGTH = 15


# ---------------------------------------------------------------------------------------------------------
# helpers


def _copy_course(destination: Path) -> Path:
    """A copy of the course's sources (not its release, solutions or gradebook) under `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for part in COURSE_PARTS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, destination / part, ignore=NOT_COPIED)
        else:
            shutil.copy2(ROOT / part, destination / part)
    return destination


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}


def _cell_sources(notebook: bytes) -> list[tuple[str, str]]:
    return [(cell["cell_type"], "".join(cell["source"])) for cell in json.loads(notebook)["cells"]]


def _inline_pdf_files() -> list[str]:
    return sorted(f"inline_pdf/{path.name}" for path in (SOURCE / "inline_pdf").glob("*.py"))


# ---------------------------------------------------------------------------------------------------------
# (a) staleness: the committed release/ and solutions/ are what the generator makes now


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    if not RELEASE.is_dir() or not SOLUTIONS.is_dir():
        pytest.fail("release/ or solutions/ is missing: run `python -m generate` at the repository root")
    course = _copy_course(tmp_path_factory.mktemp("course"))
    result = helpers.generate(course, "--no-execute")
    assert result.returncode == 0, result.stdout + result.stderr
    return course


def test_committed_release_is_up_to_date(regenerated):
    fresh, committed = _files(regenerated / "release" / "assignment2"), _files(RELEASE)
    assert sorted(fresh) == sorted(committed), "release/ has missing or extra files: rerun python -m generate"
    stale = [path for path in fresh if fresh[path] != committed[path]]
    assert not stale, f"release/ is stale in {stale}: rerun python -m generate"


def test_committed_solutions_are_up_to_date(regenerated):
    fresh, committed = _files(regenerated / "solutions" / "assignment2"), _files(SOLUTIONS)
    missing = sorted(set(fresh) - set(committed))
    assert not missing, f"solutions/ lacks {missing}: rerun python -m generate"
    extra_code = [path for path in set(committed) - set(fresh) if path.endswith((".py", ".ipynb", ".md"))]
    assert not extra_code, f"solutions/ has stale files {extra_code}: rerun python -m generate"
    for path, content in fresh.items():
        if path.endswith(".ipynb"):
            assert _cell_sources(content) == _cell_sources(committed[path]), f"{path} is stale"
        else:
            assert content == committed[path], f"solutions/assignment2/{path} is stale"


def test_solution_notebooks_were_executed():
    for name in NOTEBOOKS:
        cells = json.loads((SOLUTIONS / f"{name}.ipynb").read_text())["cells"]
        code = [cell for cell in cells if cell["cell_type"] == "code" and "".join(cell["source"]).strip()]
        unrun = [cell["id"] for cell in code if cell["execution_count"] is None]
        assert code and not unrun, f"{name}: cells {unrun} were not executed: rerun python -m generate"
        errors = [cell["id"] for cell in code for out in cell["outputs"] if out["output_type"] == "error"]
        assert not errors, f"{name}: cells {errors} raised"


# ---------------------------------------------------------------------------------------------------------
# (b) leaks: nothing secret reaches release/


def _py_regions(text: str) -> tuple[list[str], list[str]]:
    """(lines inside solution regions, lines outside) of an annotated .py file."""
    inside, outside, in_region = [], [], False
    for line in text.splitlines():
        marker = line.strip()
        if marker in ("### BEGIN SOLUTION", "### END SOLUTION"):
            in_region = marker == "### BEGIN SOLUTION"
        else:
            (inside if in_region else outside).append(line)
    return inside, outside


def _cell_regions(cell: nbformat.NotebookNode) -> tuple[list[str], list[str]]:
    """(secret lines, public lines) of a source notebook cell, as nbgrader's generate_assignment treats it."""
    lines = cell.source.splitlines()
    meta = cell.metadata.get("nbgrader", {})
    has_region = any("BEGIN SOLUTION" in line for line in lines)
    if meta.get("solution") and not has_region:
        return lines, []  # nbgrader replaces the whole cell
    inside, outside, in_region = [], [], False
    for line in lines:
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            in_region = True
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            in_region = False
        else:
            (inside if in_region else outside).append(line)
    return inside, outside


def _secret_lines() -> set[str]:
    secret: list[str] = []
    public: set[str] = set()
    for path in sorted((ROOT / "cs231n").rglob("*.py")):
        inside, outside = _py_regions(path.read_text(encoding="utf-8"))
        secret += inside
        public |= {line.strip() for line in outside}
    for path in sorted(SOURCE.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            inside, outside = _cell_regions(cell)
            secret += inside
            public |= {line.strip() for line in outside}
    return {line.strip() for line in secret
            if len(line.strip()) >= MIN_SECRET_LENGTH and line.strip() not in public}


def _strings(value) -> list[str]:
    """Every string inside a JSON value (notebook sources, outputs, metadata)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _release_lines() -> dict[str, set[str]]:
    """The stripped lines of every file under release/ (for notebooks: of every string in the JSON too)."""
    found = {}
    for path, content in _files(RELEASE).items():
        texts = [content.decode("utf-8", errors="replace")]
        if path.endswith(".ipynb"):
            texts += _strings(json.loads(content))
        found[path] = {line.strip() for text in texts for line in text.splitlines()}
    return found


def test_secret_extraction_finds_the_regions():
    secrets = _secret_lines()
    assert "out = x.reshape(x.shape[0], -1) @ w + b" in secrets  # a .py solution line (affine_forward)
    assert any(line.startswith("**Rubric (") for line in secrets)  # answer keys and rubrics
    assert any(line.startswith("assert") for line in secrets)  # hidden tests
    assert len(secrets) > 200


def test_no_solution_hidden_test_or_answer_key_in_release():
    assert RELEASE.is_dir(), "run python -m generate first"
    secrets = _secret_lines()
    leaks = {path: sorted(secrets & lines) for path, lines in _release_lines().items() if secrets & lines}
    assert not leaks, f"secret lines in release/: {leaks}"


def test_no_rubric_item_in_release():
    """The Gradescope rubric's descriptions (one line each, `$$` math) are in no file of release/, whatever the
    line breaks or the math delimiters there."""
    descriptions = re.findall(r"```text\n  (.+)\n  ```", (SOLUTIONS / "gradescope_rubric.md").read_text())
    assert len(descriptions) >= 20
    texts = {path: " ".join(" ".join(_strings(json.loads(content)) if path.endswith(".ipynb")
                                     else [content.decode("utf-8", errors="replace")]).split())
             for path, content in _files(RELEASE).items()}
    for description in descriptions:
        for form in {description, description.replace("$$", "$")}:
            leaks = [path for path, text in texts.items() if " ".join(form.split()) in text]
            assert not leaks, f"rubric item {form!r} in release/{leaks}"


def test_no_instructor_files_in_release():
    release_root = ROOT / "release"
    names = {path.name for path in release_root.rglob("*")}
    assert not names & {"gradebook.db", "inline_questions.md", "best_model.npz", "gradescope_rubric.md"}
    assert not list(release_root.rglob("*SOLUTION*")) and not list(release_root.rglob("*.pdf"))
    package = _files(RELEASE / "cs231n")
    assert "layers.py" in package and not any(b"BEGIN SOLUTION" in content for content in package.values())
    assert not [path for path in package if "cifar-10-batches-py" in path]


def test_release_carries_only_the_public_checker():
    from generate.checker import PUBLIC_FILES

    shipped = {path.relative_to(RELEASE / "autograder").as_posix()
               for path in (RELEASE / "autograder").rglob("*") if path.is_file()}
    assert shipped == set(PUBLIC_FILES)
    for secret in ("hidden", "reference.py", "rubric.toml", "gradients.py", "grade.py"):
        assert not list(RELEASE.rglob(secret)), secret


@pytest.mark.parametrize(("folder", "passed"), [(SOLUTIONS, "10 of 10"), (RELEASE, "1 of 10")])
def test_students_check_runs_from_the_release_alone(folder: Path, passed: str, tmp_path: Path) -> None:
    """`python -m autograder check` in a copy of the release, with nothing of the course on the path."""
    student = tmp_path / "assignment2"
    shutil.copytree(RELEASE, student, ignore=shutil.ignore_patterns("cs231n"))
    shutil.copytree(folder / "cs231n", student / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "-m", "autograder", "check", "."], cwd=student, env=env,
                         capture_output=True, text=True, timeout=300)
    assert f"{passed} public checks passed" in run.stdout, run.stdout + run.stderr
    grade = subprocess.run([sys.executable, "-m", "autograder", "grade", "."], cwd=student, env=env,
                           capture_output=True, text=True, timeout=60)
    assert grade.returncode != 0 and "only the public checks" in grade.stderr


def test_release_package_is_stubbed_and_solutions_package_is_clean():
    stub = (RELEASE / "cs231n" / "layers.py").read_text()
    clean = (SOLUTIONS / "cs231n" / "layers.py").read_text()
    annotated = (ROOT / "cs231n" / "layers.py").read_text()
    assert 'raise NotImplementedError("affine_forward: not implemented yet;' in stub
    assert "### BEGIN SOLUTION" not in clean and "START OF YOUR CODE" not in clean
    assert clean == "".join(line for line in annotated.splitlines(keepends=True)
                            if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


# ---------------------------------------------------------------------------------------------------------
# the generator end to end on a tiny course (fast: one small notebook)


@pytest.fixture
def fake_data(tmp_path) -> Path:
    folder = tmp_path / "cifar"
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (folder / name).write_bytes(b"")
    return folder


def test_generator_on_tiny_course(tmp_path, fake_data):
    course = helpers.tiny_course(tmp_path / "course")
    stale = course / "release" / "assignment2" / "cs231n" / "stale.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("x = 1\n")

    result = helpers.generate(course, "--data", str(fake_data))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FullyConnectedNets.ipynb executed" in result.stdout
    release, solutions = course / "release" / "assignment2", course / "solutions" / "assignment2"
    from generate.checker import PUBLIC_FILES

    students = ["FullyConnectedNets.ipynb", "README.md", "collect_submission.py", "cs231n/__init__.py",
                "cs231n/layers.py", "requirements.txt", "environment.yml", *_inline_pdf_files()]
    assert sorted(_files(release)) == sorted([*students, *(f"autograder/{f}" for f in PUBLIC_FILES)])
    assert "NotImplementedError" in (release / "cs231n" / "layers.py").read_text()
    released = (release / "FullyConnectedNets.ipynb").read_text()
    assert "add(a, a)" not in released and "twice(-21)" not in released and "sums are useful" not in released
    assert (course / "gradebook.db").is_file() and not (release / "gradebook.db").exists()

    key = (solutions / "inline_questions.md").read_text()
    assert "`q1` (2 points)" in key and "**Answer key:** Because sums are useful." in key
    assert "**Inline Question 1:**" in key and "Your Answer" not in key
    executed = nbformat.read(solutions / "FullyConnectedNets.ipynb", as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert code[0].outputs[0]["text"].strip() == str(fake_data)  # the data folder reached the kernel
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
    assert "removed what the execution created: by_product.txt" in result.stdout
    instructors = ["inline_questions.md", "a2_inline_template.pdf", "gradescope_rubric.md"]
    assert sorted(_files(solutions)) == sorted([*students, *instructors])
    assert len(PdfReader(solutions / "a2_inline_template.pdf").pages) == 1  # the course's one question
    rubric = (solutions / "gradescope_rubric.md").read_text()
    assert "## Question 1 (2 points, page 1)" in rubric and "- `-1`\n\n  ```text\n  no reason\n  ```" in rubric


def test_generator_refuses_to_execute_without_data(tmp_path, monkeypatch, capsys):
    course = helpers.tiny_course(tmp_path / "course")
    monkeypatch.chdir(course)
    monkeypatch.delenv("CS231N_CIFAR10_DIR", raising=False)
    assert generate_main([]) == 1
    assert "--data DIR or set CS231N_CIFAR10_DIR" in capsys.readouterr().err
    assert generate_main(["--data", str(tmp_path)]) == 1
    assert "does not hold CIFAR-10" in capsys.readouterr().err
    assert not (course / "release").exists()


def test_generator_reports_malformed_annotation(tmp_path, monkeypatch, capsys):
    course = helpers.tiny_course(tmp_path / "course")
    (course / "cs231n" / "optim.py").write_text("def f():\n    ### BEGIN SOLUTION\n    return 1\n")
    monkeypatch.chdir(course)
    assert generate_main(["--no-execute"]) == 1
    error = capsys.readouterr().err
    assert "cs231n/optim.py:2: ### BEGIN SOLUTION without a matching ### END SOLUTION" in error
    assert not (course / "release").exists()


# ---------------------------------------------------------------------------------------------------------
# (c) collect_submission.py


def _student_folder(root: Path) -> Path:
    """An assignment folder as a student has it when done: every notebook run, the code, the data set."""
    root.mkdir()
    shutil.copy2(SOURCE / "collect_submission.py", root / "collect_submission.py")
    shutil.copytree(SOURCE / "inline_pdf", root / "inline_pdf", ignore=NOT_COPIED)
    for name in NOTEBOOKS:
        cells = [new_markdown_cell("# Title"), new_code_cell("x = 1", execution_count=1),
                 new_code_cell(""), new_code_cell("print(x)", execution_count=2)]
        nbformat.write(new_notebook(cells=cells), root / f"{name}.ipynb")
    for name in ("__init__.py", "layers.py", "optim.py", "layer_utils.py", "pytorch_models.py",
                 "classifiers/__init__.py", "classifiers/fc_net.py", "classifiers/cnn.py", "datasets/get_cifar10.py"):
        (root / "cs231n" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "cs231n" / name).write_text("# student code\n")
    data = root / "cs231n" / "datasets" / "cifar-10-batches-py"
    data.mkdir()
    (data / "data_batch_1").write_bytes(b"\x00" * 1000)
    (root / "best_model.npz").write_bytes(b"npz")
    (root / "best_model.pt").write_bytes(b"pt")
    return root


def _collect(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "collect_submission.py"], cwd=folder, capture_output=True,
                          text=True, timeout=60)


def test_collect_submission_builds_the_zip(tmp_path):
    folder = _student_folder(tmp_path / "a2")
    result = _collect(folder)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(folder / "a2_submission.zip") as zf:
        names = sorted(zf.namelist())
    code = ["__init__.py", "layers.py", "layer_utils.py", "optim.py", "pytorch_models.py", "classifiers/__init__.py",
            "classifiers/cnn.py", "classifiers/fc_net.py"]
    expected = ([f"{name}.ipynb" for name in NOTEBOOKS] + [f"cs231n/{name}" for name in code]
                + ["best_model.npz", "best_model.pt"])
    assert names == sorted(expected)
    assert "cs231n/classifiers/fc_net.py" in result.stdout and "a2_submission.zip" in result.stdout


def test_collect_submission_without_best_model(tmp_path):
    folder = _student_folder(tmp_path / "a2")
    (folder / "best_model.npz").unlink()
    assert _collect(folder).returncode == 0
    with zipfile.ZipFile(folder / "a2_submission.zip") as zf:
        assert "best_model.npz" not in zf.namelist()


def test_collect_submission_refuses_a_notebook_never_run(tmp_path):
    folder = _student_folder(tmp_path / "a2")
    nb = nbformat.read(folder / "Dropout.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count = None
    nbformat.write(nb, folder / "Dropout.ipynb")
    result = _collect(folder)
    assert result.returncode == 1
    assert "Dropout.ipynb was not run" in result.stderr
    assert not (folder / "a2_submission.zip").exists()


def test_collect_submission_refuses_a_partly_run_notebook(tmp_path):
    folder = _student_folder(tmp_path / "a2")
    nb = nbformat.read(folder / "ConvolutionalNetworks.ipynb", as_version=4)
    nb.cells[-1].execution_count = None
    nbformat.write(nb, folder / "ConvolutionalNetworks.ipynb")
    result = _collect(folder)
    assert result.returncode == 1
    assert "ConvolutionalNetworks.ipynb: 1 of its 2 code cells were never run" in result.stderr
    assert not (folder / "a2_submission.zip").exists()


@pytest.mark.parametrize("missing", ["BatchNormalization.ipynb", "cs231n/classifiers/cnn.py", "best_model.pt"])
def test_collect_submission_refuses_a_missing_file(tmp_path, missing):
    folder = _student_folder(tmp_path / "a2")
    (folder / missing).unlink()
    result = _collect(folder)
    assert result.returncode == 1
    assert f"{missing} is missing" in result.stderr
    assert not (folder / "a2_submission.zip").exists()


# ---------------------------------------------------------------------------------------------------------
# (d) slow: nbgrader itself on the generated trees


def _validate(tree: Path, tmp_path: Path, *flags: str) -> str:
    """`nbgrader validate` (with the course's config) of the notebooks of a copy of `tree`, so that what
    the notebooks write (a saved model) stays out of the repository."""
    copy = tmp_path / "assignment2"
    shutil.copytree(tree, copy, ignore=NOT_COPIED)
    return helpers.nbgrader(ROOT, "validate", *flags, *[str(copy / f"{name}.ipynb") for name in NOTEBOOKS])


@pytest.mark.slow
def test_nbgrader_validate_passes_the_solutions(tmp_path):
    output = _validate(SOLUTIONS, tmp_path)
    assert output.count("Success! Your notebook passes all the tests.") == len(NOTEBOOKS), output


@pytest.mark.slow
def test_nbgrader_validate_invert_passes_the_release(tmp_path):
    output = _validate(RELEASE, tmp_path, "--invert")
    assert output.count("Success! The notebook does not pass any tests.") == len(NOTEBOOKS), output


def _submit(course: Path, student: str, tree: str) -> Path:
    """submitted/<student>/assignment2 = a copy of the course's `tree` (solutions or release) whose package
    carries the student's own edit and whose notebooks name a kernel that does not exist here."""
    submission = course / "submitted" / student / "assignment2"
    shutil.copytree(course / tree / "assignment2", submission,
                    ignore=shutil.ignore_patterns("inline_questions.md", "best_model.npz"))
    layers = submission / "cs231n" / "layers.py"
    layers.write_text(layers.read_text() + f"\n# {student}'s own edit\n")
    for notebook in submission.glob("*.ipynb"):
        nb = nbformat.read(notebook, as_version=4)
        nb.metadata["kernelspec"] = {"name": "bogus-kernel", "display_name": "Bogus", "language": "python"}
        nbformat.write(nb, notebook)
    return submission


def _autograde(course: Path, student: str) -> tuple[float, float]:
    """Runs `nbgrader autograde` for one student; checks their package was kept; (code score, max)."""
    from nbgrader.api import Gradebook

    submitted = (course / "submitted" / student / "assignment2" / "cs231n" / "layers.py").read_text()
    helpers.nbgrader(course, "autograde", "assignment2", "--student", student)
    autograded = course / "autograded" / student / "assignment2" / "cs231n" / "layers.py"
    assert autograded.read_text() == submitted  # the student's own file, edit included
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cs231n") as gb:
        submission = gb.find_submission("assignment2", student)
        failed = [(grade.notebook.name, grade.name, grade.auto_score, grade.max_score)
                  for notebook in submission.notebooks for grade in notebook.grades
                  if grade.auto_score is not None and grade.auto_score < grade.max_score]
        print(f"{student}: tests below full marks: {failed}")
        return submission.code_score, submission.max_code_score


@pytest.mark.slow
def test_nbgrader_validate_and_autograde_on_tiny_course(tmp_path):
    course = helpers.tiny_course(tmp_path / "course")
    assert helpers.generate(course, "--no-execute").returncode == 0
    alice = _submit(course, "alice", "solutions")
    output = helpers.nbgrader(course, "validate", str(alice / "FullyConnectedNets.ipynb"))
    assert "Success! Your notebook passes all the tests." in output  # the bogus kernel was not used
    _submit(course, "bob", "release")
    assert _autograde(course, "alice") == (1.0, 1.0)
    assert _autograde(course, "bob") == (0.0, 1.0)


@pytest.mark.slow
def test_nbgrader_autograde_keeps_the_student_package(tmp_path):
    course = _copy_course(tmp_path / "course")
    result = helpers.generate(course, "--no-execute")
    assert result.returncode == 0, result.stdout + result.stderr
    _submit(course, "alice", "solutions")
    score, max_score = _autograde(course, "alice")
    assert max_score > 0 and score == max_score
