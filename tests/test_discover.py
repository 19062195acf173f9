"""Finding submissions (autograder/submission.py's `discover`) in every layout `autograder grade PATH` accepts: one
student's folder, one zip, nbgrader's submitted/ (or a course folder holding it), a folder of students' folders and
zips, a student's package nested in its folder; archives that cannot be graded are submissions (reported, not
skipped); ids are the names as given; the submission time comes only from nbgrader's timestamp.txt or the zip.

Each layout is also staged (`stage`) where what is found depends on it: that is what the runner gets."""

from __future__ import annotations

import os
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.submission import MAX_DEPTH, Submission, SubmissionError, clashes, discover, folder_name, stage

NBGRADER_TIME = "2026-02-10 12:00:00.000000 UTC"
ZIP_TIME = datetime(2026, 2, 9, 18, 30, tzinfo=UTC)


def package(folder: Path, marker: str = "x") -> Path:
    """FOLDER holding a minimal cs231n/ whose layers.py says MARKER; returns FOLDER."""
    (folder / "cs231n").mkdir(parents=True)
    (folder / "cs231n" / "__init__.py").write_text("")
    (folder / "cs231n" / "layers.py").write_text(f"MARKER = {marker!r}\n")
    return folder


def zipped(path: Path, members: dict[str, str], when: datetime = ZIP_TIME) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def found(path: Path) -> list[tuple[str, Path, str | None]]:
    return [(s.student, s.source, s.timestamp) for s in discover(path)]


def staged_marker(sub: Submission, scratch: Path) -> str:
    return (stage(sub, scratch / sub.folder) / "cs231n" / "layers.py").read_text()


# -- one student -------------------------------------------------------------------------------------------------
def test_one_students_folder_is_one_submission_named_after_it(tmp_path: Path) -> None:
    alice = package(tmp_path / "alice")
    (alice / "FullyConnectedNets.ipynb").write_text("{}")
    (alice / "timestamp.txt").write_text(NBGRADER_TIME)  # the student's own file: not the course's record
    assert found(alice) == [("alice", alice, None)]


def test_one_students_folder_given_as_dot_is_named_after_the_folder(tmp_path: Path, monkeypatch) -> None:
    package(tmp_path / "alice")
    monkeypatch.chdir(tmp_path / "alice")
    assert [s.student for s in discover(Path("."))] == ["alice"]


def test_one_students_folder_holding_its_assignment2_is_named_after_the_students_folder(tmp_path: Path) -> None:
    alice = tmp_path / "alice"
    package(alice / "assignment2")
    assert found(alice) == [("alice", alice / "assignment2", None)]


def test_macos_zip_metadata_beside_the_upload_is_no_submission(tmp_path: Path) -> None:
    """A zip made with macOS's Archive Utility unpacks (on Gradescope, into /autograder/submission) with __MACOSX/
    beside what was zipped, holding ._ metadata files in the same tree."""
    upload = tmp_path / "submission"
    package(upload / "assignment2", marker="real")
    (upload / "__MACOSX" / "assignment2" / "cs231n").mkdir(parents=True)
    (upload / "__MACOSX" / "assignment2" / "cs231n" / "._layers.py").write_bytes(b"\x00\x05\x16\x07")
    assert found(upload) == [("submission", upload / "assignment2", None)]
    assert staged_marker(discover(upload)[0], tmp_path / "scratch") == "MARKER = 'real'\n"
    students = tmp_path / "students"
    package(students / "bob")
    (students / "__MACOSX" / "bob").mkdir(parents=True)
    assert [s.student for s in discover(students)] == ["bob"]


def test_one_zip_is_one_submission_named_without_its_suffix_and_timed_by_its_date(tmp_path: Path) -> None:
    archive = zipped(tmp_path / "Alice_Smith.ZIP", {"cs231n/__init__.py": "", "cs231n/layers.py": "MARKER = 'z'\n"})
    assert found(archive) == [("Alice_Smith", archive, ZIP_TIME.isoformat())]
    assert staged_marker(discover(archive)[0], tmp_path / "scratch") == "MARKER = 'z'\n"


def test_an_empty_folder_is_one_submission_with_nothing_to_grade(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (sub,) = discover(empty)
    assert (sub.student, sub.source) == ("empty", empty)
    root = stage(sub, tmp_path / "scratch")
    assert sorted(p.name for p in (root / "cs231n").iterdir()) == [".missing"]
    assert sub.notes == ["no cs231n/ folder was found in the submission: nothing of the code can be graded"]


def test_a_path_that_does_not_exist_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match=f"^{tmp_path / 'nobody'} does not exist$"):
        discover(tmp_path / "nobody")


# -- nbgrader's submitted/ ----------------------------------------------------------------------------------------
@pytest.fixture
def course(tmp_path: Path) -> Path:
    """An nbgrader course: alice and bob submitted assignment2 (alice's time recorded by nbgrader), carol only
    assignment1, and the course has its own folders beside submitted/."""
    course = tmp_path / "course"
    package(course / "submitted" / "alice" / "assignment2", "alice")
    (course / "submitted" / "alice" / "assignment2" / "timestamp.txt").write_text(NBGRADER_TIME + "\n")
    package(course / "submitted" / "bob" / "assignment2", "bob")
    package(course / "submitted" / "carol" / "assignment1", "carol")
    package(course / "source" / "assignment2")
    (course / "autograded").mkdir()
    return course


def test_nbgraders_submitted_folder_gives_the_students_that_submitted_this_assignment(course: Path) -> None:
    submitted = course / "submitted"
    expected = [("alice", submitted / "alice" / "assignment2", NBGRADER_TIME),
                ("bob", submitted / "bob" / "assignment2", None)]
    assert found(submitted) == expected
    assert found(course) == expected  # the course folder holding it: the same


def test_a_timestamp_that_is_not_a_small_regular_file_is_no_time(course: Path) -> None:
    bob = course / "submitted" / "bob" / "assignment2"
    (bob / "timestamp.txt").symlink_to(course / "submitted" / "alice" / "assignment2" / "timestamp.txt")
    (course / "submitted" / "alice" / "assignment2" / "timestamp.txt").write_text("9" * 300)
    assert [s.timestamp for s in discover(course)] == [None, None]


# -- a folder of students ---------------------------------------------------------------------------------------
def test_a_folder_of_students_gives_each_folder_and_archive_once_sorted_by_output_folder(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    package(subs / "bob")
    package(subs / "a+b")
    zipped(subs / "alice.zip", {"cs231n/layers.py": ""})
    zipped(subs / "dave.tar.gz", {"x": ""})  # any archive counts, to be reported
    (subs / "notes.txt").write_text("not a submission")
    (subs / ".git").mkdir()
    (subs / ".DS_Store").write_text("")
    (subs / "eve").symlink_to(subs / "bob")  # a link is not a student
    got = found(subs)
    assert [(student, source.name) for student, source, _ in got] == [
        ("a+b", "a+b"), ("alice", "alice.zip"), ("bob", "bob"), ("dave", "dave.tar.gz")]
    assert [s.folder for s in discover(subs)] == ["a%2Bb", "alice", "bob", "dave"]
    times = {student: when for student, _, when in got}
    assert times == {"a+b": None, "alice": ZIP_TIME.isoformat(), "bob": None, "dave": ZIP_TIME.isoformat()}


def test_a_folder_of_students_takes_an_assignment2_folder_inside_a_students(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    package(subs / "alice" / "assignment2", "alice")
    (subs / "alice" / "assignment2" / "timestamp.txt").write_text(NBGRADER_TIME)  # not nbgrader's submitted/
    package(subs / "bob", "bob")
    assert found(subs) == [("alice", subs / "alice" / "assignment2", None), ("bob", subs / "bob", None)]


def test_a_students_package_nested_in_its_folder_is_graded_from_where_it_is(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    package(subs / "alice" / "Downloads" / "a2", "alice")
    package(subs / "bob" / "a" / "b" / "c" / "d", "bob")  # one level deeper than MAX_DEPTH
    assert MAX_DEPTH == 3
    alice, bob = discover(subs)
    assert (alice.student, alice.source, bob.student, bob.source) == ("alice", subs / "alice", "bob", subs / "bob")
    assert staged_marker(alice, tmp_path / "scratch") == "MARKER = 'alice'\n"
    assert alice.notes == ["found cs231n/ in Downloads/a2/ and graded it from there"]
    root = stage(bob, tmp_path / "scratch" / "bob")
    assert not (root / "cs231n" / "layers.py").exists()
    assert bob.notes == ["no cs231n/ folder was found in the submission: nothing of the code can be graded"]


def test_a_package_nested_in_a_zip_is_graded_from_the_shallowest_place(tmp_path: Path) -> None:
    archive = zipped(tmp_path / "alice.zip", {
        "assignment2/cs231n/layers.py": "MARKER = 'top'\n",
        "assignment2/old/cs231n/layers.py": "MARKER = 'old'\n",
        "assignment2/notes.md": ""})
    (sub,) = discover(archive)
    assert staged_marker(sub, tmp_path / "scratch") == "MARKER = 'top'\n"
    assert sub.notes == ["found cs231n/ in assignment2/ inside the zip and graded it from there"]


@pytest.mark.parametrize(("name", "content", "why"), [
    ("dave.tar.gz", None, "dave.tar.gz is not a zip file"),
    ("erin.rar", b"Rar!\x1a\x07\x00", "erin.rar is not a zip file"),
    ("frank.zip", b"this is text, not a zip", "frank.zip is not a zip file"),
])
def test_an_archive_that_cannot_be_graded_is_a_submission_refused_at_staging(
        tmp_path: Path, name: str, content: bytes | None, why: str) -> None:
    path = tmp_path / "class" / name
    path.parent.mkdir(parents=True)
    if content is None:  # a real tar of a real package
        with tarfile.open(path, "w:gz") as tf:
            tf.add(package(tmp_path / "src") / "cs231n", "cs231n")
    else:
        path.write_bytes(content)
    (sub,) = discover(tmp_path / "class")
    assert sub.student == name.split(".")[0]
    with pytest.raises(SubmissionError, match=f"^{why}$"):
        stage(sub, tmp_path / "scratch")


# -- ids ---------------------------------------------------------------------------------------------------------
def test_ids_are_the_names_as_given_and_their_folders_are_distinct(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    names = ["José", "a b", "Bob", "bob", "x.y", "grades.csv"]
    for name in names:
        package(subs / name)
    got = discover(subs)
    assert sorted(s.student for s in got) == sorted(names)
    assert {s.student: s.folder for s in got} == {name: folder_name(name) for name in names}
    assert folder_name("x.y") == "x%2Ey" and folder_name("José") == "Jos%C3%A9" and folder_name("a b") == "a%20b"
    kept, errors = clashes(got)
    assert kept == got and errors == []  # "Bob" and "bob" are two students


def test_two_submissions_of_one_id_are_both_withheld_with_one_error_naming_both(tmp_path: Path) -> None:
    subs = tmp_path / "class"
    package(subs / "bob")
    zipped(subs / "bob.zip", {"cs231n/layers.py": ""})
    package(subs / "alice")
    kept, errors = clashes(discover(subs))
    assert [s.student for s in kept] == ["alice"]
    assert errors == [f"{subs / 'bob'} and {subs / 'bob.zip'} are all submissions of 'bob': none of them was graded "
                      "(keep one, or rename the others)"]
