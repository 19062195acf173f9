"""The written part for instructors: the blank template PDF and the Gradescope outline and rubrics.

The template is made by the release's own inline_pdf package (the code students run in collect_submission.py)
from the release's notebooks, in the order of the release's collect_submission.py, with the answers left out:
the same pages, in the same places, as every student's a2_inline_submission.pdf.
"""

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from generate.answer_key import inline_questions
from generate.gradescope import GRADESCOPE_RUBRIC, TemplatePage, gradescope_markdown
from generate.layout import Course, notebook_order, ordered_notebooks

PDF_PACKAGE = "inline_pdf"


def load_pdf_package(assignment: Path) -> ModuleType:
    """The inline_pdf package of the assignment folder `assignment`, imported (once) under a name of its own."""
    init = assignment / PDF_PACKAGE / "__init__.py"
    if not init.is_file():
        raise FileNotFoundError(f"{init} is missing: the template PDF is made with the students' own "
                                f"{PDF_PACKAGE} package (source/assignment2/{PDF_PACKAGE})")
    name = f"_{PDF_PACKAGE}_{hashlib.sha1(str(init.resolve()).encode()).hexdigest()[:12]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(init.parent)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def render_written_part(course: Course) -> dict[str, bytes]:
    """{file name: content} of the template PDF and gradescope_rubric.md, for the solutions folder.

    Needs the release (notebooks, collect_submission.py, inline_pdf/) generated; raises ValueError when a
    template page's question has no rubric in the source notebooks.
    """
    package = load_pdf_package(course.release)
    template = package.build(course.release, notebook_order(course.release), blank=True)
    pages = [TemplatePage(number, question.label, question.title, question.points or 0.0, question.grade_id)
             for number, question in enumerate(template.questions, start=1)]
    keys = {question.grade_id: question for notebook in ordered_notebooks(course.source)
            for question in inline_questions(notebook)}
    rubric = gradescope_markdown(pages, keys, package.TEMPLATE_NAME)
    return {package.TEMPLATE_NAME: template.content, GRADESCOPE_RUBRIC: rubric.encode("utf-8")}
