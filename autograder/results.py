"""Writing results: one Gradescope results.json and one feedback page per student, grades.csv for the class.

Every file is written atomically (a temporary file renamed into place, readable by its owner only), so an
interrupted run never leaves a half-written result, and a result on disk is always a finished one. A student's files
are in OUT/<folder_name(student)>/, which never has the name of a class-level file (see submission.folder_name).
Text that UTF-8 cannot encode (a lone surrogate in a message) is written escaped, never fatal.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from pathlib import Path

from autograder.scores import SubmissionResult, shown
from autograder.submission import folder_name

RESULTS = "results.json"
FEEDBACK = "feedback.html"
GRADES = "grades.csv"


def write_atomic(path: Path, text: str) -> None:
    """Write TEXT to PATH so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def gradescope_json(result: SubmissionResult) -> dict:
    """The result in Gradescope's results.json format (plus our own keys, which Gradescope ignores)."""
    notes = "\n".join(result.notes)
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": result.execution_time,
        "output": notes,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": t.name,
                "score": t.score,
                "max_score": t.max_score,
                "status": t.status,
                "output": t.output,
                "visibility": "visible",
            }
            for t in result.tests
        ],
        "autograder": result.to_dict(),
    }


def write_student(out: Path, result: SubmissionResult) -> Path:
    """Write OUT/<folder>/feedback.html and then results.json (the latter marks the student as graded)."""
    folder = student_folder(out, result.student)
    write_atomic(folder / FEEDBACK, feedback_html(result))
    write_atomic(folder / RESULTS, json.dumps(gradescope_json(result), indent=2))
    return folder


def student_folder(out: Path, student: str) -> Path:
    return out / folder_name(student)


def read_student(folder: Path) -> SubmissionResult | None:
    """The result saved in FOLDER, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((folder / RESULTS).read_text())
        return SubmissionResult.from_dict(data["autograder"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_all(out: Path) -> list[SubmissionResult]:
    """Every student's saved result under OUT, sorted by student."""
    if not out.is_dir():
        return []
    found = (read_student(p) for p in sorted(out.iterdir()) if p.is_dir())
    return [r for r in found if r is not None]


def grades_csv(results: list[SubmissionResult], extra: dict[str, dict[str, float]] | None = None) -> str:
    """One row per student, one column per test; EXTRA adds columns per student (e.g. manual points)."""
    tests = list(dict.fromkeys(t.name for r in results for t in r.tests))
    extra = extra or {}
    extra_cols = sorted({c for cols in extra.values() for c in cols})
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "score", "max_score", *tests, *extra_cols, "late_days", "late_penalty",
                     "execution_time", "notes"])
    for r in results:
        by_name = {t.name: shown(t.score) for t in r.tests}
        row = [r.student, shown(r.score), r.max_score, *(by_name.get(n, "") for n in tests)]
        row += [extra.get(r.student, {}).get(c, "") for c in extra_cols]
        late = "unknown" if r.late_unknown else r.late_days
        writer.writerow([*row, late, shown(r.late_penalty), r.execution_time, " | ".join(r.notes)])
    return buf.getvalue()


def write_grades(out: Path, extra: dict[str, dict[str, float]] | None = None) -> Path:
    """Rewrite OUT/grades.csv from every saved result under OUT."""
    path = out / GRADES
    write_atomic(path, grades_csv(read_all(out), extra))
    return path


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;
vertical-align:top}.passed{color:#186a1e}.failed{color:#a31515}pre{white-space:pre-wrap;margin:0;font-size:.85rem}
.total{font-size:1.4rem}
"""


def feedback_html(result: SubmissionResult) -> str:
    """A self-contained page the student can read: total, each test's verdict and what to look at."""
    esc = html.escape
    rows = "".join(
        f'<tr><td>{esc(t.name)}</td><td class="{t.status}">{shown(t.score)} / {t.max_score:g}</td>'
        f"<td><pre>{esc(t.output)}</pre></td></tr>"
        for t in result.tests
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in result.notes)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Feedback: {esc(result.student)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>Assignment 2 feedback: {esc(result.student)}</h1>"
        f"<p class='total'>Score: <b>{shown(result.score)} / {result.max_score:g}</b></p>"
        + (f"<h2>Notes</h2><ul>{notes}</ul>" if notes else "")
        + "<table><tr><th>test</th><th>points</th><th>what was checked</th></tr>"
        + rows
        + f"</table><p>Graded in {result.execution_time:.1f} s.</p></body></html>"
    )
