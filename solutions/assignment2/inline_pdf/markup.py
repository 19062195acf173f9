"""Markdown as the PDF prints it: the subset of HTML that fpdf2's write_html renders.

Parsed with mistune. Inline and display math become text with pylatexenc (`$\\sigma(x) \\le 1/4$` prints as
"σ(x) ≤ 1/4", in italics), code spans and blocks print in a monospaced font, headings as bold paragraphs,
images as "[image: ...]" (a notebook's attachments do not travel with the text), links as their text and
address, and raw HTML as the text it is (escaped).
"""

import mistune
from pylatexenc.latex2text import LatexNodes2Text

_LATEX = LatexNodes2Text(math_mode="text", strict_latex_spaces="based-on-source")
LINE_HEIGHT = 1.2  # of paragraphs and lists, in multiples of the font size
_SPACED = f' style="line-height: {LINE_HEIGHT}"'


def math_text(latex: str) -> str:
    """LaTeX math as plain unicode text, e.g. "\\frac{1}{\\sqrt{t}}" -> "1/√(t)"; the source when it fails."""
    try:
        return _LATEX.latex_to_text(latex).strip() or latex
    except Exception:  # pylatexenc parses leniently; anything it still rejects prints as written
        return latex


class _PdfRenderer(mistune.HTMLRenderer):
    """mistune's HTML renderer narrowed to what write_html renders well."""

    def paragraph(self, text: str) -> str:
        return f"<p{_SPACED}>{text}</p>\n"

    def list(self, text: str, ordered: bool, **attrs: object) -> str:
        html = super().list(text, ordered, **attrs)
        return html[:3] + _SPACED + html[3:]  # after "<ul" or "<ol"

    def inline_math(self, text: str) -> str:
        return f"<i>{mistune.escape(math_text(text))}</i>"

    def block_math(self, text: str) -> str:
        return self.paragraph(f"<i>{mistune.escape(math_text(text))}</i>")

    def heading(self, text: str, level: int, **attrs: object) -> str:
        return self.paragraph(f"<b>{text}</b>")

    def image(self, text: str, url: str, title: str | None = None) -> str:
        return f"[image: {text or url}]"

    def link(self, text: str, url: str, title: str | None = None) -> str:
        shown = mistune.escape(url)
        return text if text in (url, shown) else f"{text} ({shown})"

    def thematic_break(self) -> str:
        return self.paragraph("———")


_MARKDOWN = mistune.create_markdown(renderer=_PdfRenderer(escape=True), plugins=["math", "strikethrough"])


def to_html(markdown: str) -> str:
    """The HTML that write_html prints for `markdown` (a question or an answer)."""
    return str(_MARKDOWN(markdown))
