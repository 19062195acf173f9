"""The similarity corpus: independent solutions and disguised copies, made by program (nothing of it is stored).

- `independent(seed)`: a complete solution as a student would submit it: the release's files with every TODO
  region filled by a structural choice (the reference's own code or one of variants.py's), spelled in a Style
  drawn for this student (styles.py).
- `copy_of(files, seed, which)`: FILES disguised (disguise.py).
- `write(files, dest)`: a submission folder DEST/cs231n/ (the release's package with these files).
"""

from __future__ import annotations

import random
import re
import shutil
from functools import cache
from pathlib import Path
from textwrap import indent

from generate.stubber import find_regions
from tests.similarity_corpus.disguise import DISGUISES, Files, disguise
from tests.similarity_corpus.styles import Style, restyle
from tests.similarity_corpus.variants import VARIANTS

ROOT = Path(__file__).resolve().parents[2]
RELEASE = ROOT / "release" / "assignment2" / "cs231n"
SOURCE = ROOT / "cs231n"
FILES = ("layers.py", "optim.py", "classifiers/fc_net.py", "classifiers/cnn.py", "layer_utils.py")
_STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError\(\"(?P<name>[\w.]+): not implemented yet.*$",
                   re.MULTILINE)


@cache
def reference_regions() -> dict[str, tuple[str, ...]]:
    """The annotated source's solution regions: {file:function: (region body from column 0, ...)}."""
    found: dict[str, list[str]] = {}
    for rel in FILES:
        text = (SOURCE / rel).read_text()
        lines = text.splitlines()
        for region in find_regions(text, rel):
            body = "\n".join(line[len(region.indent):] for line in lines[region.begin + 1 : region.end])
            found.setdefault(f"{rel}:{region.function}", []).append(body)
    return {label: tuple(bodies) for label, bodies in found.items()}


def release_files() -> Files:
    return {rel: (RELEASE / rel).read_text() for rel in FILES}


def fill(files: Files, choose) -> Files:
    """FILES with every stub (the `raise NotImplementedError` line of a TODO region) replaced by the body
    choose(label, region number) returns."""
    out = {}
    for rel, text in files.items():
        seen: dict[str, int] = {}

        def body(match: re.Match, rel: str = rel, seen: dict = seen) -> str:
            label = f"{rel}:{match['name']}"
            number = seen.get(label, 0)
            seen[label] = number + 1
            return indent(choose(label, number), match["indent"], lambda _: True)

        out[rel] = _STUB.sub(body, text)
    return out


def independent(seed: int, fixed: dict[str, str] | None = None) -> Files:
    """A complete solution of its own: per function a structural choice, spelled in this student's Style; the
    functions of FIXED ({label: body} of one-region functions) written exactly so."""
    rng = random.Random(seed)
    style = Style.draw(rng)
    references = reference_regions()
    picked: dict[str, list[str]] = {}

    def choose(label: str, number: int) -> str:
        if fixed and label in fixed:
            return fixed[label]
        if label not in picked:
            options = [list(references[label])] + VARIANTS.get(label, [])
            picked[label] = [restyle(body, style, rng) for body in rng.choice(options)]
        return picked[label][number]

    return fill(release_files(), choose)


def copy_of(files: Files, seed: int, which: tuple[str, ...] = tuple(DISGUISES)) -> Files:
    return disguise(files, random.Random(seed), which)


def write(files: Files, dest: Path) -> Path:
    """DEST/cs231n: the release's package with FILES in it; returns DEST."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(RELEASE, dest / "cs231n", ignore=shutil.ignore_patterns("__pycache__", "datasets"))
    for rel, text in files.items():
        (dest / "cs231n" / rel).write_text(text)
    return dest
