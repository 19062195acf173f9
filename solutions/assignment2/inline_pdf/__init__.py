"""The PDF of the inline questions: one page per question, in the assignment's order, with your answers.

`python collect_submission.py` writes it as a2_inline_submission.pdf beside the zip. Page i always holds
question i (the notebooks in the order collect_submission.py lists them, each notebook's questions in order),
so that Gradescope finds every answer on its page without any tagging. An answer that is missing ("YOUR ANSWER
HERE") gets a page that says so. The instructors' blank template is the same PDF without answers.

Needs fpdf2, mistune, pylatexenc and matplotlib (for its fonts): `pip install -r requirements.txt`.
"""

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .questions import InlineQuestion, NotebookUnreadable, find_questions

PDF_NAME = "a2_inline_submission.pdf"
TEMPLATE_NAME = "a2_inline_template.pdf"


@dataclass(frozen=True)
class InlinePdf:
    """A rendered PDF, its questions (page i holds questions[i - 1]) and what the student should be told."""

    content: bytes
    questions: list[InlineQuestion]
    warnings: list[str]


def build(folder: Path, notebooks: Sequence[str], blank: bool = False) -> InlinePdf:
    """The PDF of the inline questions of the notebooks in `folder`.

    Inputs:
    - folder: the assignment folder
    - notebooks: the notebooks' file names in the assignment's order
    - blank: True for the template (no answers), False for the answers written in the notebooks

    Returns the PDF; raises NotebookUnreadable for a missing or invalid notebook, ImportError when a package
    the PDF needs is not installed.
    """
    from .pages import render  # fpdf2 and the fonts are needed from here on only

    found = find_questions(folder, notebooks)
    content, fits = render(found.questions, blank)
    warnings = list(found.warnings)
    for fit in fits:
        where = f"page {fit.page} ({fit.question.label})"
        if not blank and not fit.question.answered:
            warnings.append(f"{where} has no answer (YOUR ANSWER HERE): the page says so")
        if fit.words_cut:
            warnings.append(f"{where}: the answer is too long for one page even in small print; its last "
                            f"{fit.words_cut} words are cut. Shorten it")
        if fit.unprintable:
            shown = " ".join(fit.unprintable[:10]) + (" ..." if len(fit.unprintable) > 10 else "")
            warnings.append(f"{where}: no font of the PDF has the characters {shown}; they print as boxes")
    return InlinePdf(content, found.questions, warnings)


def write_submission_pdf(folder: Path, notebooks: Sequence[str]) -> int:
    """collect_submission.py's step: writes PDF_NAME in `folder`, prints what it holds and any warnings.

    Returns the exit status: 0 when the PDF was written (warnings or not), 1 when it could not be.
    """
    target = folder / PDF_NAME
    try:
        pdf = build(folder, notebooks)
    except ImportError as err:
        print(f"Could not write {PDF_NAME}: the package {err.name} is missing. Install the assignment's "
              "packages with `pip install -r requirements.txt`, then run collect_submission.py again.",
              file=sys.stderr)
        return 1
    except NotebookUnreadable as err:
        print(f"Could not write {PDF_NAME}: {err}.", file=sys.stderr)
        return 1
    if not pdf.questions:
        print(f"No inline questions in the notebooks: {PDF_NAME} not written.")
        return 0
    target.write_bytes(pdf.content)
    for page, question in enumerate(pdf.questions, start=1):
        state = "" if question.answered else "  (no answer)"
        print(f"  page {page}: {question.label}{state}")
    print(f"Wrote {PDF_NAME}: {len(pdf.questions)} pages, one per inline question. Upload it as it is (do not "
          "add, remove or reorder pages) where your course collects the written answers.")
    for warning in pdf.warnings:
        print(f"Warning: {warning}.", file=sys.stderr)
    return 0
