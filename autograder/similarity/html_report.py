"""OUT/similarity.html: the pairs ranked by score, each opening OUT/similarity.pairs/pair-NNNN.html, where the matching
functions of the two sides stand side by side with the matching runs highlighted (the same colour on both sides).
Static pages, no script; everything a student wrote is escaped."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.results import write_atomic
from autograder.similarity.csv_report import matched_functions
from autograder.similarity.fingerprint import SubmissionPrint
from autograder.similarity.outputs import HTML, PAGES, pair_page
from autograder.similarity.score import PairMatch, Run

if TYPE_CHECKING:
    from autograder.similarity.command import Comparison

COLOURS = ("#ffd54f", "#81d4fa", "#a5d6a7", "#f48fb1", "#ce93d8", "#ffab91", "#b0bec5", "#e6ee9c")
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:90rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;"
    "vertical-align:top}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".bar{display:inline-block;height:.7rem;background:#c0392b;margin-right:.4rem;vertical-align:middle}"
    ".sides{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}.sides>div{min-width:0}"
    "pre{background:#fafafa;border:1px solid #ddd;padding:.5rem;overflow-x:auto;font-size:.8rem;line-height:1.35}"
    ".ln{color:#999;user-select:none;display:inline-block;width:3.5em}mark{padding:0}.gap{color:#999}"
    + "".join(f"mark.g{i}{{background:{c}}}" for i, c in enumerate(COLOURS))
)
esc = html.escape


def _page(title: str, body: list[str]) -> str:
    return "\n".join([f"<!doctype html><html><head><meta charset='utf-8'><title>{esc(title)}</title>"
                      f"<style>{STYLE}</style></head><body>", *body, "</body></html>"])


def _other(pair: PairMatch) -> str:
    return f"known solution {esc(pair.b.id)}" if pair.b.known else esc(pair.b.id)


def index_page(found: Comparison) -> str:
    prints: list[SubmissionPrint] = found.prints
    students = [p for p in prints if not p.known]
    empty = [p for p in prints if not len(p.distinct)]
    s = found.settings
    figures = {"submissions compared": len(students), "known solutions (--against)": len(prints) - len(students),
               "pairs at or above the threshold": len(found.pairs), "threshold": f"{s.threshold:g}",
               "time (s)": f"{found.seconds:.1f}"}
    body = [
        "<h1>Assignment 2: similarity</h1>",
        "<p>Pairs of submissions (or a submission and a known solution) that share long runs of code the rest of "
        "the class did not write, after renaming, reformatting and comments are set aside. The score is the "
        "weight of the matched code over the smaller side's own code (1 = all of it); each side's share is over "
        "its own code. Code of the release and what most of the class writes alike weigh nothing. A high score "
        "is a reason to read the two side by side, not a verdict.</p>",
        "<table>", *(f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in figures.items()), "</table>",
        "<h2>Pairs</h2>",
    ]
    if found.pairs:
        body += ["<table><tr><th>#</th><th>student</th><th>matches</th><th>score</th><th>share of each side</th>"
                 "<th>matched functions</th><th></th></tr>"]
        for rank, pair in enumerate(found.pairs, 1):
            body.append(
                f"<tr class='pair'><td class='num'>{rank}</td><td>{esc(pair.a.id)}</td><td>{_other(pair)}</td>"
                f"<td class='num'><span class='bar' style='width:{4 * pair.score:.2f}rem'></span>"
                f"{pair.score:.2f}</td><td class='num'>{pair.share_a:.0%} / {pair.share_b:.0%}</td>"
                f"<td>{esc(matched_functions(pair))}</td>"
                f"<td><a href='{pair_page(rank)}'>side by side</a></td></tr>")
        body.append("</table>")
    else:
        body.append("<p>No pair reaches the threshold.</p>")
    noted = [p for p in prints if p.notes or p in empty]
    if noted:
        body += ["<h2>Notes on the submissions</h2><table><tr><th>submission</th><th>note</th></tr>"]
        for p in noted:
            notes = list(p.notes) + (["nothing of its own to compare (only the release's code, or no code)"]
                                     if p in empty else [])
            body += [f"<tr><td>{esc(p.id)}</td><td>{'<br>'.join(esc(n) for n in notes)}</td></tr>"]
        body.append("</table>")
    return _page("Assignment 2: similarity", body)


def _highlighted(side: SubmissionPrint, func: int, runs: list[Run]) -> str:
    """The code of SIDE's function FUNC with line numbers, the RUNS in it marked with their group's colour."""
    code, tokens = side.functions[func], side.tokens[func]
    ranges = sorted((int(tokens.start[r.start]), int(tokens.end[r.end - 1]), r.group) for r in runs if r.func == func)
    out, offset, previous = [], 0, None
    for number, line in zip(code.lines, code.text.split("\n"), strict=False):
        if previous is not None and number != previous + 1:
            out.append("<span class='gap'>\u22ee (starter code between the TODO regions)</span>")
        previous = number
        begin, end = offset, offset + len(line)
        pieces, at = [], begin
        for start, stop, group in ranges:
            start, stop = max(start, at), min(stop, end)
            if start >= stop:
                continue
            pieces.append(esc(code.text[at:start]))
            pieces.append(f"<mark class='g{group % len(COLOURS)}'>{esc(code.text[start:stop])}</mark>")
            at = stop
        pieces.append(esc(code.text[at:end]))
        out.append(f"<span class='ln'>{number}</span>{''.join(pieces)}")
        offset = end + 1
    return "<pre>" + "\n".join(out) + "</pre>"


def pair_html(rank: int, pair: PairMatch) -> str:
    a, b = pair.a, pair.b
    title = f"{a.id} and {b.id}"
    body = [f"<p><a href='../{HTML}'>all pairs</a></p>",
            f"<h1>#{rank}: {esc(a.id)} and {_other(pair)}</h1>",
            f"<p>score {pair.score:.2f}; matched share of {esc(a.id)}: {pair.share_a:.0%}, of {esc(b.id)}: "
            f"{pair.share_b:.0%}. Matching runs have the same colour on both sides.</p>"]
    labels_a = {f.label: i for i, f in enumerate(a.functions)}
    labels_b = {f.label: i for i, f in enumerate(b.functions)}
    for fp in pair.functions:
        fa, fb = labels_a[fp.a], labels_b[fp.b]
        body += [f"<h2 class='function'>{esc(fp.a)}" + ("" if fp.a == fp.b else f" = {esc(fp.b)}") + "</h2>",
                 "<div class='sides'>",
                 f"<div><h3>{esc(a.id)}</h3>{_highlighted(a, fa, pair.runs_a)}</div>",
                 f"<div><h3>{esc(b.id)}</h3>{_highlighted(b, fb, pair.runs_b)}</div>", "</div>"]
    return _page(title, body)


def write(out: Path, found: Comparison) -> Path:
    pages = out / PAGES
    if pages.is_dir():
        for old in pages.glob("pair-*.html"):
            old.unlink()
    for rank, pair in enumerate(found.pairs, 1):
        write_atomic(out / pair_page(rank), pair_html(rank, pair))
    path = out / HTML
    write_atomic(path, index_page(found))
    return path
