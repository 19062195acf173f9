"""`autograder similarity`: disguised copies of a classmate and of a known solution are flagged, independent
solutions are not, starter code alone scores 0; the CSV is stable; hostile files are read safely; the pages are
checked in headless Chromium; the report's section. The corpus is made by program (tests/similarity_corpus)."""

from __future__ import annotations

import csv
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import report
from autograder.scores import SubmissionResult, TestResult
from autograder.similarity import command, extract, section
from autograder.similarity.settings import Settings
from autograder.similarity.tokens import Normalizer
from autograder.submission import discover
from tests.similarity_corpus import build
from tests.similarity_corpus.disguise import DISGUISES, move

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
INDEPENDENT = range(100, 108)
MOVED = ("conv_backward_naive", "max_pool_backward_naive")  # moved to layer_utils.py by copier_move
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _similarity(path: Path, out: Path, *extra: str, hash_seed: str = "0") -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder", "similarity", str(path), "-o", str(out), "--workers", "2", *extra]
    return subprocess.run(cmd, cwd=ROOT, env={**ENV, "PYTHONHASHSEED": hash_seed}, capture_output=True, text=True,
                          check=True)


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "similarity.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A class: eight independent solutions; a copy of s100 with every disguise; one copy per disguise alone
    (of s101..s106); a copy of the known solution public_a with every disguise, zipped; the untouched release
    twice. Beside it, the known solutions (public_a, public_b). Graded once into OUT."""
    tmp = tmp_path_factory.mktemp("similarity")
    students, known = tmp / "class", tmp / "known"
    solutions = {seed: build.independent(seed) for seed in INDEPENDENT}
    for seed, files in solutions.items():
        build.write(files, students / f"s{seed}")
    build.write(build.copy_of(solutions[100], seed=1), students / "copier_all")
    for offset, disguise in enumerate(DISGUISES, 1):
        build.write(build.copy_of(solutions[100 + offset], seed=offset, which=(disguise,)),
                    students / f"copier_{disguise}")
    moved = move(solutions[100 + list(DISGUISES).index("move") + 1], random.Random(0), names=MOVED)
    build.write(moved, students / "copier_move")
    public = build.independent(900)
    build.write(public, known / "public_a")
    build.write(build.independent(901), known / "public_b")
    folder = build.write(build.copy_of(public, seed=7), tmp / "zipped")
    with zipfile.ZipFile(students / "from_public.zip", "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, Path("assignment2") / path.relative_to(folder))
    build.write({}, students / "release_1")
    build.write({}, students / "release_2")
    out = tmp / "out"
    _similarity(students, out, "--against", str(known))
    return students, known, out


def _pairs(out: Path) -> set[tuple[str, str]]:
    return {(r["student_a"], r["student_b"] or "known:" + r["known_solution"]) for r in _rows(out)}


def test_disguised_copies_are_flagged_and_nothing_else(course: tuple[Path, Path, Path]) -> None:
    expected = {("copier_all", "s100"), ("from_public", "known:public_a")}
    expected |= {(f"copier_{d}", f"s{100 + i}") for i, d in enumerate(DISGUISES, 1)}
    assert _pairs(course[2]) == expected
    for row in _rows(course[2]):
        assert float(row["score"]) >= Settings().threshold
        assert "layers.py:" in row["matched_functions"] and row["view"].startswith("similarity.pairs/pair-")


def test_functions_moved_to_another_file_are_matched_there(course: tuple[Path, Path, Path]) -> None:
    students = course[0]
    source = f"s{100 + list(DISGUISES).index('move') + 1}"
    items = [(s, False) for s in discover(students) if s.student in ("copier_move", source)]
    (pair,) = command.compare(command.fingerprint_all(items, Settings()), Settings()).pairs
    runs_a = {pair.a.functions[r.func].label for r in pair.runs_a}
    runs_b = {pair.b.functions[r.func].label for r in pair.runs_b}
    for name in MOVED:
        assert f"layer_utils.py:{name}" in runs_a and f"layers.py:{name}" in runs_b, (runs_a, runs_b)


def test_starter_code_alone_scores_zero(tmp_path: Path) -> None:
    for name in ("a", "b"):
        build.write({}, tmp_path / "class" / name)
    items = [(s, False) for s in discover(tmp_path / "class")]
    found = command.compare(command.fingerprint_all(items, Settings()), Settings(), at_least=0.0)
    assert found.pairs == [] and found.index.mass.tolist() == [0.0, 0.0]


def test_what_every_solution_writes_alike_is_not_a_copy(tmp_path: Path) -> None:
    """Two independent students who also wrote the short functions and the vectorized affine layer token for token
    alike (the reference's one-liners) are not flagged."""
    short = ("affine_forward", "affine_backward", "relu_forward", "relu_backward", "dropout_backward")
    refs = build.reference_regions()
    same = {f"layers.py:{name}": refs[f"layers.py:{name}"][0] for name in short}
    for seed in (300, 301):
        build.write(build.independent(seed, fixed=same), tmp_path / "class" / f"s{seed}")
    items = [(s, False) for s in discover(tmp_path / "class")]
    found = command.compare(command.fingerprint_all(items, Settings()), Settings(), at_least=0.0)
    assert all(p.score < Settings().threshold for p in found.pairs), [(p.score, p.functions) for p in found.pairs]


def test_csv_is_the_same_for_the_same_input(course: tuple[Path, Path, Path], tmp_path: Path) -> None:
    students, known, out = course
    _similarity(students, tmp_path / "again", "--against", str(known), hash_seed="12345")
    assert (tmp_path / "again" / "similarity.csv").read_bytes() == (out / "similarity.csv").read_bytes()


def test_normalized_tokens_ignore_names_layout_and_comments() -> None:
    normalizer = Normalizer(frozenset({"affine_forward"}), frozenset({"params"}))
    one = "mu = np.mean(x, axis=0)  # mean\nout = affine_forward(x - mu, self.params['W1'], b)\n"
    two = ("avg=np.mean( inputs,\n    axis = 0 ) ;\n\n# shift\n'''\nold code\n'''\n"
           "result = affine_forward(inputs-avg , self.params[\"W1\"] , bias , )\n")
    assert normalizer.tokens(one).text == normalizer.tokens(two).text
    assert normalizer.tokens("y = np.sum(x, axis=0)").text != normalizer.tokens("y = np.mean(x, axis=1)").text


def test_regions_are_found_in_every_starter_style() -> None:
    new_style = ("def f(x):\n    out = None\n    # TODO: do it\n    # *****START OF YOUR CODE (DO NOT DELETE)*****\n"
                 "    out = x + 1\n    # *****END OF YOUR CODE (DO NOT DELETE)*****\n    return out\n")
    old_style = ("def f(x):\n    out = None\n    #####\n    # TODO: do it   #\n    #####\n    out = x + 1\n"
                 "    #####\n    #     END OF YOUR CODE     #\n    #####\n    return out\n")
    python2 = "def f(x):\n    print 'hi'\n    out = x + 1\n    return out\n\nclass A:\n    def g(self):\n        pass\n"
    for text in (new_style, old_style):
        (found,) = extract.functions(text, "layers.py")
        code = [line.strip() for line in found.text.splitlines() if not line.strip().startswith("#")]
        assert code == ["out = x + 1"], found.text
    found = extract.functions(python2, "layers.py")
    assert [f.name for f in found] == ["f", "A.g"] and "print 'hi'" in found[0].text


def test_hostile_files_are_read_as_text(tmp_path: Path) -> None:
    """Undecodable bytes, Python 2, a syntax error, code that would run at import, a symlink, a tarball: all read
    (or refused) as text, none executed, the run finishes with notes."""
    students = tmp_path / "class"
    build.write(build.independent(400), students / "normal")
    odd = build.write(build.independent(401), students / "odd")
    layers = odd / "cs231n" / "layers.py"
    layers.write_bytes(b"\xff\xfe\x00 garbage \x80\n" + layers.read_bytes() + b"\ndef broken(:\n    print 'x'\n")
    marker = tmp_path / "executed"
    (odd / "cs231n" / "optim.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(3)\n")
    (odd / "cs231n" / "classifiers" / "cnn.py").unlink()
    (odd / "cs231n" / "classifiers" / "cnn.py").symlink_to("/etc/passwd")
    (students / "archive.tar.gz").write_bytes(b"not really")
    out = tmp_path / "out"
    _similarity(students, out)
    assert not marker.exists()
    page = (out / "similarity.html").read_text()
    assert "odd" in page and "symbolic links are not followed" in page and "archive" in page
    names = [f.name for f in extract.functions(layers.read_text(errors="replace"), "layers.py")]
    assert "batchnorm_backward" in names and names[-1] == "broken", "a file that does not parse is still read"


def _chromium(tmp_path: Path) -> tuple[str, list[str]]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("the page tests need Debian's chromium (bin/setup installs it)")
    return chromium, [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]


def test_pages_in_a_browser(course: tuple[Path, Path, Path], tmp_path: Path) -> None:
    chromium, flags = _chromium(tmp_path)
    out = course[2]

    def dom(page: Path) -> str:
        return subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                              timeout=120).stdout

    index = dom(out / "similarity.html")
    rows = _rows(out)
    assert index.count("class=\"pair\"") == len(rows) and "known solution public_a" in index
    assert index.count("side by side</a>") == len(rows)
    top = rows[0]
    page = dom(out / top["view"])
    assert top["student_a"] in page and "<mark class=\"g0\">" in page and "all pairs" in page
    first_function = top["matched_functions"].split("; ")[0].split("=")[0]
    assert first_function in page
    shot = tmp_path / "pair.png"
    subprocess.run([chromium, *flags, "--window-size=1400,1200", f"--screenshot={shot}", (out / top["view"]).as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000, "the side-by-side page renders"


def _result(student: str) -> SubmissionResult:
    return SubmissionResult(student, 1.0, 1.0, [TestResult("layers.relu", 1.0, 1.0, "passed", "PASS", 0.1)], [], 1.0)


def test_report_section_whichever_command_runs_last(course: tuple[Path, Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(course[2], out)
    report.write(out, [_result("s100")], {"engine": "test"})
    page = (out / "report.html").read_text()
    assert page.count(section.BEGIN) == 1 and "copier_all" in page and "similarity.html" in page
    section.update_report(out)  # `autograder similarity` again on the same OUT: replaced, not repeated
    assert (out / "report.html").read_text().count("<h2>Similarity</h2>") == 1
    plain = tmp_path / "plain"
    report.write(plain, [_result("s100")])
    assert section.BEGIN not in (plain / "report.html").read_text()
