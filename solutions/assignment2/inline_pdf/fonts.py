"""The PDF's fonts: the TrueType fonts that matplotlib ships (DejaVu Sans and DejaVu Sans Mono, with STIX for
further mathematical symbols), so that the text students write prints without installing a font.

A character that none of them has (Chinese, Japanese, Korean, ...) prints as an empty box; `unprintable` finds
those characters so that the student is told. (matplotlib's "last resort" font, which draws any character as a
labelled box, is left out: fpdf2 would read its table of all of Unicode for every document, which takes seconds.)
"""

import logging
from pathlib import Path

import matplotlib
from fpdf import FPDF

SANS = "dejavu"
MONO = "dejavu-mono"
_SYMBOLS = "stix"
_STYLES = {"": "", "B": "-Bold", "I": "-Oblique", "BI": "-BoldOblique"}
_FILES = {
    **{(SANS, style): f"DejaVuSans{suffix}.ttf" for style, suffix in _STYLES.items()},
    **{(MONO, style): f"DejaVuSansMono{suffix}.ttf" for style, suffix in _STYLES.items()},
    (_SYMBOLS, ""): "STIXGeneral.ttf",
}
logging.getLogger("fpdf.output").setLevel(logging.ERROR)  # its list of missing glyphs: unprintable() tells the student


def _font_folder() -> Path:
    """matplotlib's folder of TrueType fonts."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def add_fonts(pdf: FPDF) -> None:
    """Registers the fonts on `pdf`, STIX as the fallback for characters the DejaVu fonts lack."""
    folder = _font_folder()
    for (family, style), name in _FILES.items():
        pdf.add_font(family, style, str(folder / name))
    pdf.set_fallback_fonts([_SYMBOLS], exact_match=False)


def unprintable(pdf: FPDF, text: str) -> list[str]:
    """The distinct characters of `text` (besides white space) that no font of `pdf` has."""
    return sorted({char for char in text
                   if not char.isspace() and not any(ord(char) in font.cmap for font in pdf.fonts.values())})
