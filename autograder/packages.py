"""The course's pinned packages: requirements.txt at the project's root pins each package (`name==version`) at the
version the grader runs. Gradescope's setup.sh installs the RUNTIME share of it and the students' environment files
(generate/student_env.py) another share, both read from there.

torch is pinned as its CPU build (`torch==2.13.0+cpu`), which PyTorch serves from TORCH_INDEX, not from PyPI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
RUNTIME = ("numpy", "matplotlib", "pyseccomp", "torch")  # what the grader and the runner import
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;#]+)")


@dataclass(frozen=True)
class Pin:
    """One package at one version."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def public(self) -> Pin:
        """The same version without its local label (`2.13.0+cpu` -> `2.13.0`): it matches the CPU build where
        TORCH_INDEX serves one (Linux, Windows) and the plain build elsewhere (macOS)."""
        return Pin(self.name, self.version.split("+", 1)[0])


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned(names: tuple[str, ...], requirements: Path = REQUIREMENTS) -> list[Pin]:
    """The pins of NAMES in the `requirements` file, in NAMES' order.

    Raises ValueError naming the packages that the file does not pin with `==`.
    """
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            pins[_normalized(match["name"])] = Pin(match["name"], match["version"])
    missing = [name for name in names if _normalized(name) not in pins]
    if missing:
        raise ValueError(f"{requirements}: {', '.join(missing)} not pinned (name==version)")
    return [pins[_normalized(name)] for name in names]


def runtime_requirements() -> list[str]:
    """RUNTIME's pins ('numpy==2.4.6', ...), for `pip install` with TORCH_INDEX as an extra index."""
    return [str(pin) for pin in pinned(RUNTIME)]
