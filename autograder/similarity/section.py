"""The similarity section of OUT/report.html, made from OUT/similarity.csv: the number of pairs reported and the
highest ones, linking to similarity.html and their side-by-side pages. Whichever command runs last (`grade`, which
writes report.html, or `similarity`, which writes the CSV) puts it in; it sits between two markers, so that it is
replaced, not repeated."""

from __future__ import annotations

import html
from pathlib import Path

from autograder.report import REPORT
from autograder.results import write_atomic
from autograder.similarity.csv_report import read
from autograder.similarity.outputs import HTML

BEGIN, END = "<!-- similarity -->", "<!-- /similarity -->"
SHOWN = 10


def html_section(out: Path) -> str:
    """The section for OUT; empty when `autograder similarity` has not run on OUT."""
    rows = read(out)
    if rows is None:
        return ""
    esc = html.escape
    parts = [BEGIN, "<h2>Similarity</h2>",
             f"<p>{len(rows)} pair(s) at or above the threshold of <code>autograder similarity</code>; all of them, "
             f"with the matching code side by side, in <a href='{HTML}'>{HTML}</a>.</p>"]
    if rows:
        parts.append("<table><tr><th>student</th><th>matches</th><th>score</th><th>matched functions</th></tr>")
        for r in rows[:SHOWN]:
            other = r["student_b"] or f"known solution {r['known_solution']}"
            parts.append(f"<tr><td>{esc(r['student_a'])}</td><td>{esc(other)}</td>"
                         f"<td class='num'><a href='{esc(r['view'])}'>{esc(r['score'])}</a></td>"
                         f"<td>{esc(r['matched_functions'])}</td></tr>")
        parts.append("</table>")
    parts.append(END)
    return "\n".join(parts)


def embed(page: str, out: Path) -> str:
    """PAGE (the class report) with the similarity section of OUT in place of any previous one, before </body>."""
    if BEGIN in page and END in page:
        page = page[: page.index(BEGIN)] + page[page.index(END) + len(END):]
    head, tag, tail = page.rpartition("</body>")
    return head + html_section(out) + tag + tail if tag else page + html_section(out)


def update_report(out: Path) -> None:
    """Put the section into OUT/report.html, if `autograder grade` wrote one."""
    path = out / REPORT
    if path.is_file():
        write_atomic(path, embed(path.read_text(encoding="utf-8"), out))
