"""The class report: OUT/report.html, one static page an instructor opens in a browser.

It shows the score histogram, the pass rate of every test (which functions the class struggled with), the
failures grouped by message, the slowest submissions and the grading run's own figures. Plots are drawn with
matplotlib and embedded as PNG data, so the page is a single file.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from autograder.scores import SubmissionResult, shown  # noqa: E402

REPORT = "report.html"
_NUMBER = re.compile(r"\d+(\.\d+)?(e[-+]?\d+)?")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def score_histogram(results: list[SubmissionResult]) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    scores = [r.score for r in results]
    top = max((r.max_score for r in results), default=100) or 100
    ax.hist(scores, bins=20, range=(0, top), color="#4a7ab5", edgecolor="white")
    ax.set_xlabel("score")
    ax.set_ylabel("students")
    ax.set_title(f"Scores of {len(results)} submissions")
    return _png(fig)


def pass_rates(results: list[SubmissionResult]) -> list[tuple[str, float, float]]:
    """[(test, share of students with full points, mean share of points)], hardest first."""
    full: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for t in r.tests:
            full[t.name].append(1.0 if t.status == "passed" else 0.0)
            full[t.name + "\0"].append(t.score / t.max_score if t.max_score else float(t.status == "passed"))
    rows = [(n, sum(v) / len(v), sum(full[n + "\0"]) / len(v)) for n, v in full.items() if not n.endswith("\0")]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def pass_rate_chart(rows: list[tuple[str, float, float]]) -> str:
    fig, ax = plt.subplots(figsize=(7, 0.26 * len(rows) + 1))
    names = [r[0] for r in rows]
    ax.barh(names, [100 * r[1] for r in rows], color="#5b9e5b")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("% of students with full points")
    ax.tick_params(axis="y", labelsize=8)
    return _png(fig)


def failure_groups(results: list[SubmissionResult], limit: int = 25) -> list[tuple[str, str, int]]:
    """[(test, message with numbers masked, students)], most common first: what the class got wrong, grouped."""
    counts: Counter[tuple[str, str]] = Counter()
    for r in results:
        for t in r.tests:
            if t.status != "passed":
                first = next((line for line in t.output.splitlines() if line.startswith("FAIL")), t.output[:200])
                counts[(t.name, _NUMBER.sub("#", first[:300]))] += 1
    return [(test, message, n) for (test, message), n in counts.most_common(limit)]


def build(results: list[SubmissionResult], run: dict[str, object] | None = None) -> str:
    """The report page for RESULTS; RUN holds the grading run's figures (workers, wall time, ...)."""
    esc = html.escape
    rows = pass_rates(results)
    slow = sorted(results, key=lambda r: r.execution_time, reverse=True)[:10]
    mean = sum(r.score for r in results) / len(results) if results else 0.0
    figures = {"submissions": len(results), "mean score": shown(mean),
               "grading time, sum over submissions (s)": f"{sum(r.execution_time for r in results):.1f}"}
    figures.update(run or {})
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Assignment 2: class report</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}",
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left}",
        "td.num{text-align:right}</style></head><body><h1>Assignment 2: class report</h1>",
        "<h2>Grading run</h2><table>",
        *(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in figures.items()),
        "</table>",
    ]
    if results:
        parts += [
            f"<h2>Scores</h2><img alt='score histogram' src='{score_histogram(results)}'>",
            "<h2>Pass rate per test</h2><p>Hardest first: the share of students with full points on each test.</p>",
            f"<img alt='pass rate per test' src='{pass_rate_chart(rows)}'>",
            "<table><tr><th>test</th><th>full points</th><th>mean share of points</th></tr>",
            *(f"<tr><td>{esc(n)}</td><td class='num'>{100 * p:.0f}%</td><td class='num'>{100 * m:.0f}%</td></tr>"
              for n, p, m in rows),
            "</table><h2>Failures, grouped by message</h2>",
            "<table><tr><th>students</th><th>test</th><th>message (numbers shown as #)</th></tr>",
            *(f"<tr><td class='num'>{n}</td><td>{esc(t)}</td><td>{esc(m)}</td></tr>"
              for t, m, n in failure_groups(results)),
            "</table><h2>Slowest submissions</h2><table><tr><th>student</th><th>seconds</th><th>score</th></tr>",
            *(f"<tr><td>{esc(r.student)}</td><td class='num'>{r.execution_time:.1f}</td>"
              f"<td class='num'>{shown(r.score)}</td></tr>" for r in slow),
            "</table>",
        ]
    else:
        parts.append("<p>No results yet.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write(out: Path, results: list[SubmissionResult], run: dict[str, object] | None = None) -> Path:
    from autograder.results import write_atomic
    from autograder.similarity.section import embed  # the similarity section, when OUT has one

    path = out / REPORT
    write_atomic(path, embed(build(results, run), out))
    return path
