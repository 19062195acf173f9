"""Setting markdown in a box of the page at the largest size that fits: smaller print, never another page.

fpdf2's write_html sets the text (markup.to_html), breaking the page where the text passes the bottom margin;
the box's sides and bottom are made the page's margins. A trial document tells whether a size fits: it raises
where fpdf2 would break the page. Text that does not fit even at the smallest size is cut after the words that
do fit, with a note that says how many words were left out.
"""

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from fpdf import FPDF
from fpdf.fonts import FontFace, TextStyle

from .fonts import MONO, SANS
from .markup import to_html

PAD = 3.0  # mm between a box's edge and its text
STEP_PT = 0.25
DARK, GREY = (30, 30, 30), (110, 110, 110)
_WORD = re.compile(r"\S+\s*")


@dataclass(frozen=True)
class Box:
    """A rectangle of the page (mm)."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Fitted:
    """Text as it is set in its box: the HTML written, its size, and how many words were cut (0: none)."""

    html: str
    size_pt: float
    words_cut: int


def _tag_styles(size: float) -> dict[str, FontFace]:
    scale = size / 11
    return {
        "code": FontFace(family=MONO, size_pt=size * 0.92),
        "pre": TextStyle(font_family=MONO, font_size_pt=size * 0.9, t_margin=2 * scale, b_margin=2 * scale),
        "li": TextStyle(l_margin=5 * scale, t_margin=1 * scale),
        "ul": TextStyle(t_margin=1.5 * scale),
        "ol": TextStyle(t_margin=1.5 * scale),
        "blockquote": TextStyle(color=GREY, l_margin=4 * scale, t_margin=2 * scale, b_margin=2 * scale),
    }


def write(pdf: FPDF, html: str, size: float, box: Box) -> None:
    """Writes `html` at `size` pt inside `box`; past the box's bottom fpdf2 would break the page."""
    pdf.set_margins(box.left + PAD, box.top + PAD, pdf.w - box.right + PAD)
    pdf.set_auto_page_break(True, margin=pdf.h - box.bottom + PAD)
    pdf.set_xy(box.left + PAD, box.top + PAD)
    pdf.set_text_color(*DARK)
    pdf.set_font(SANS, size=size)
    pdf.write_html(html, font_family=SANS, tag_styles=_tag_styles(size), ul_bullet_char="•",
                   li_prefix_color=DARK, warn_on_tags_not_matching=False)


class _Overflow(Exception):
    """Raised by a trial document where fpdf2 would break the page: the text does not fit its box."""


class _TrialDocument(FPDF):
    @property
    def accept_page_break(self) -> bool:  # fpdf2's hook, asked whenever the text reaches the break trigger
        if self.auto_page_break:
            raise _Overflow
        return False


class Trial:
    """A scratch document, made like the real one by `make`, where text is set to see whether it fits a box.

    Setting stops at the first line past the box (fpdf2 lays out that line's whole paragraph first).
    """

    def __init__(self, make: Callable[[type[FPDF]], FPDF]) -> None:
        self.pdf = make(_TrialDocument)

    def fits(self, html: str, size: float, box: Box) -> bool:
        """Whether `html` set at `size` pt stays inside `box`."""
        self.pdf.add_page()
        try:
            write(self.pdf, html, size, box)
        except _Overflow:
            return False
        return True


def _largest_fitting(trial: Trial, html: str, box: Box, sizes: list[float]) -> float | None:
    """The largest of `sizes` (descending) at which `html` fits `box`, None when none does."""
    if trial.fits(html, sizes[0], box):
        return sizes[0]  # the common case: one trial
    if not trial.fits(html, sizes[-1], box):
        return None
    low, high = 1, len(sizes) - 1  # sizes[high] fits; find the first index that fits
    while low < high:
        middle = (low + high) // 2
        if trial.fits(html, sizes[middle], box):
            high = middle
        else:
            low = middle + 1
    return sizes[low]


def _capacity(box: Box, size: float) -> int:
    """More characters than `box` holds at `size` pt (no glyph of the fonts is narrower than 0.25 em)."""
    em = size * 25.4 / 72
    return int((box.right - box.left) / (0.25 * em) * (box.bottom - box.top) / em)


def fit(trial: Trial, markdown: str, box: Box, largest: float, smallest: float,
        cut_note: Callable[[int], str]) -> Fitted:
    """`markdown` set in `box` at the largest size from `largest` down to `smallest` pt (steps of STEP_PT) at
    which it fits whole; else at `smallest`, cut after the most words that fit followed by cut_note(words cut).

    Text beyond what the box could hold at `smallest` is never laid out, so a trial costs about one box of text.
    """
    capacity = _capacity(box, smallest)
    if len(markdown) <= capacity:
        html = to_html(markdown)
        sizes = [largest - index * STEP_PT for index in range(round((largest - smallest) / STEP_PT) + 1)]
        size = _largest_fitting(trial, html, box, sizes)
        if size is not None:
            return Fitted(html, size, 0)
    words = _WORD.findall(markdown)  # each word with the white space after it

    def cut(kept: int) -> str:
        return to_html("".join(words[:kept]).rstrip() + cut_note(len(words) - kept))

    lengths = list(accumulate(len(word) for word in words))
    low, high = 0, min(bisect_right(lengths, capacity), len(words) - 1)  # words[:low] fit, words[:high + 1] not
    while low < high:
        middle = (low + high + 1) // 2
        if trial.fits(cut(middle), smallest, box):
            low = middle
        else:
            high = middle - 1
    return Fitted(cut(low), smallest, len(words) - low)
