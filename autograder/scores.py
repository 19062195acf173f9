"""The data model of a grading: what grading one submission produces (a SubmissionResult of TestResults), as the
results files, grades.csv, the class report and the gradebook read it.

It imports nothing of the grader: reading or writing a score never loads the hidden tests or the reference
(tests/test_layout.py checks that importing autograder.results, report or gradebook leaves autograder.hidden and
autograder.reference unloaded).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

DECIMALS = 2  # scores are rounded to this many decimals where they are computed and shown with them everywhere


def shown(score: float) -> str:
    """A score as people read it (results pages, grades.csv, the report, the console): two decimals."""
    return f"{score:.{DECIMALS}f}"


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_text(text: str) -> str:
    """TEXT as every output file can hold it: what UTF-8 cannot encode (lone surrogates) as \\u escapes, control
    characters other than tab and newline as U+FFFD."""
    return _UNPRINTABLE.sub("\ufffd", text.encode("utf-8", "backslashreplace").decode("utf-8"))


@dataclass
class TestResult:
    """One test's score for one submission: its points, "passed" or "failed", and the feedback lines."""

    __test__ = False  # not a pytest test class

    name: str
    score: float
    max_score: float
    status: str
    output: str
    seconds: float


@dataclass
class SubmissionResult:
    """One submission's grade: the total after the late penalty, each test's result and the notes for the student.

    A result with `infrastructure_error` set was not graded (the machine or the grader failed): it has no scores
    and is never saved, so that the next run grades the submission again."""

    student: str
    score: float
    max_score: float
    tests: list[TestResult]
    notes: list[str]
    execution_time: float
    timestamp: str | None = None
    error: str = ""
    late_days: int = 0
    late_penalty: float = 0.0
    late_unknown: bool = False  # the rubric has a deadline but the submission time is unknown: flagged, not on time
    infrastructure_error: str = ""  # not graded: the machine or the grader failed (graded again by the next run)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        tests = [TestResult(**t) for t in data.get("tests", [])]
        return cls(**{**data, "tests": tests})
