"""The PDF's pages: one US Letter page per inline question, every page laid out alike.

Each page has a header (page i of N, the question's number and title, its notebook and points), the question
in a grey box, and the answer in a framed box below it; the boxes sit at the same place on every page, in the
students' PDFs and in the blank template alike, so that Gradescope's regions drawn on the template fit every
submission. Text that does not fit its box at the normal size is set smaller (textbox.fit), never onto
another page.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from fpdf import FPDF

from .fonts import SANS, add_fonts, unprintable
from .markup import to_html
from .questions import InlineQuestion
from .textbox import DARK, GREY, Box, Trial, fit, write

PAGE_FORMAT = "letter"  # 215.9 x 279.4 mm; all lengths below are in mm
SIDE = 16.0
QUESTION_BOX = (41.0, 101.0)  # top and bottom of the question's box
ANSWER_LABEL_Y = 105.0
ANSWER_BOX = (111.0, 263.0)  # top and bottom of the answer's box
FOOTER_Y = 267.0
QUESTION_PT, MIN_QUESTION_PT = 10.0, 6.0
ANSWER_PT, MIN_ANSWER_PT = 11.0, 5.0
FRAME, SHADE = (150, 150, 150), (243, 243, 243)
_FIXED_DATE = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class PageFit:
    """How the answer of one page was set: its font size, the words left out, the characters no font has."""

    page: int
    question: InlineQuestion
    size_pt: float | None  # None: no answer printed (unanswered, or the blank template)
    words_cut: int
    unprintable: list[str]


def _document(kind: type[FPDF] = FPDF) -> FPDF:
    pdf = kind(format=PAGE_FORMAT, unit="mm")
    add_fonts(pdf)
    return pdf


def _line(pdf: FPDF, text: str, y: float, size: float, style: str = "", color: tuple[int, int, int] = DARK,
          align: str = "L") -> None:
    pdf.set_auto_page_break(False)
    pdf.set_font(SANS, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(SIDE, y)
    pdf.cell(pdf.w - 2 * SIDE, size * 0.45, text, align=align)


def _points(points: float | None) -> str:
    if points is None:
        return ""
    return f" · {points:g} point" + ("" if points == 1 else "s")


def _header(pdf: FPDF, question: InlineQuestion, page: int, total: int) -> None:
    _line(pdf, "CS231n Assignment 2 · inline questions", 10, 8, color=GREY)
    _line(pdf, f"page {page} of {total}", 10, 8, color=GREY, align="R")
    _line(pdf, f"Question {page}" + (f": {question.title}" if question.title else ""), 18, 15, "B")
    _line(pdf, question.label + _points(question.points), 28, 10, color=GREY)
    pdf.set_draw_color(*FRAME)
    pdf.line(SIDE, 36, pdf.w - SIDE, 36)


def _question(pdf: FPDF, trial: Trial, question: InlineQuestion) -> None:
    box = Box(SIDE, QUESTION_BOX[0], pdf.w - SIDE, QUESTION_BOX[1])
    pdf.set_fill_color(*SHADE)
    pdf.rect(box.left, box.top, box.right - box.left, box.bottom - box.top, style="F")
    text = question.question or "*(The question's text was removed from this cell.)*"
    fitted = fit(trial, text, box, QUESTION_PT, MIN_QUESTION_PT,
                 lambda cut: f" *[... {cut} more words: see {question.label}]*")
    write(pdf, fitted.html, fitted.size_pt, box)


def _cut_note(cut: int) -> str:
    return (f"\n\n**[{cut} more words are cut here: the answer is longer than one page holds. "
            "Shorten it in the notebook and run collect_submission.py again.]**")


def _answer(pdf: FPDF, trial: Trial, question: InlineQuestion, blank: bool) -> tuple[float | None, int]:
    _line(pdf, "Your answer", ANSWER_LABEL_Y, 11, "B")
    box = Box(SIDE, ANSWER_BOX[0], pdf.w - SIDE, ANSWER_BOX[1])
    pdf.set_draw_color(*FRAME)
    pdf.rect(box.left, box.top, box.right - box.left, box.bottom - box.top)
    if blank:
        return None, 0
    if not question.answered:
        write(pdf, to_html(f"**No answer.**\n\nThis question was left unanswered in {question.notebook}."),
              ANSWER_PT, box)
        return None, 0
    fitted = fit(trial, question.answer, box, ANSWER_PT, MIN_ANSWER_PT, _cut_note)
    write(pdf, fitted.html, fitted.size_pt, box)
    return fitted.size_pt, fitted.words_cut


def _footer(pdf: FPDF, question: InlineQuestion, page: int, total: int) -> None:
    _line(pdf, f"Question {page} is always on page {page}: upload all {total} pages as they are.", FOOTER_Y, 7.5,
          color=GREY)
    if question.grade_id:
        _line(pdf, question.grade_id, FOOTER_Y, 7.5, color=GREY, align="R")


def render(questions: Sequence[InlineQuestion], blank: bool) -> tuple[bytes, list[PageFit]]:
    """The PDF of `questions`, one page each, and how each answer was set.

    Inputs:
    - questions: the inline questions in the assignment's order (page i holds questions[i - 1])
    - blank: True for the template (answer boxes left empty), False for a student's answers

    Returns (the PDF's bytes, one PageFit per page).
    """
    pdf, trial = _document(), Trial(_document)
    pdf.set_title("CS231n Assignment 2: inline questions" + (" (template)" if blank else ""))
    pdf.set_creator("collect_submission.py")
    if blank:
        pdf.set_creation_date(_FIXED_DATE)  # the template is committed: the same questions give the same bytes
    fits = []
    for page, question in enumerate(questions, start=1):
        pdf.add_page()
        _header(pdf, question, page, len(questions))
        _question(pdf, trial, question)
        size, words_cut = _answer(pdf, trial, question, blank)
        _footer(pdf, question, page, len(questions))
        missing = [] if blank else unprintable(pdf, question.answer)
        fits.append(PageFit(page, question, size, words_cut, missing))
    return bytes(pdf.output()), fits
