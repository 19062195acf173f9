"""The students' `autograder check`: the public part of the autograder, copied into the release.

Only what the public checks need goes out: the runner and its wire format, the sandbox and session, the test
framework, the public checks and the command line. The hidden tests, the reference, the rubric and the gradients
helper (which uses the reference) stay in the course's autograder/; tests/test_generate.py proves none of them
reaches release/ and that the copy runs on its own.
"""

from pathlib import Path

PUBLIC_FILES = (
    "__init__.py",
    "__main__.py",
    "cli.py",
    "framework.py",
    "checks.py",
    "public.py",
    "session.py",
    "sandbox.py",
    "cgroups.py",
    "identity.py",
    "syscalls.py",
    "submission.py",
    "runner/__init__.py",
    "runner/runner.py",
    "runner/wire.py",
)


def render_checker(autograder: Path) -> dict[str, bytes]:
    """{path relative to the assignment folder: content} of the public checker, read from AUTOGRADER."""
    return {f"autograder/{name}": (autograder / name).read_bytes() for name in PUBLIC_FILES}
