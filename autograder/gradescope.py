"""`autograder gradescope -o autograder.zip`: the zip Gradescope's "zip file upload" autograder expects.

It holds setup.sh and run_autograder at its root and the grader under source/ (the autograder package with its
hidden tests, the reference cs231n/, requirements). On Gradescope, setup.sh installs Python, bubblewrap, libseccomp
and the runner's packages and fetches CIFAR-10 into source/cs231n/datasets/; run_autograder checks the sandbox, then
`python -m autograder.gradescope` (grade_upload) grades /autograder/submission with the steps of `autograder grade`
(pipeline.select and pipeline.grade: the same hidden tests, sandbox and preflight) and writes
/autograder/results/results.json.

Gradescope's container may forbid the user namespaces bubblewrap needs. run_autograder then grades with
--unsandboxed, which as root (Gradescope runs it as root) runs student code as an unprivileged user of its own,
without network and under the seccomp filter, after doing what Gradescope advises: `chmod -R o=` of the grader's
source (hidden tests, reference, rubric) and of the results folder, so that this user can neither read nor write
them. The runner's Python (/autograder/venv) stays readable. Not root and no bubblewrap: it refuses (no results, so
Gradescope reports an autograder failure instead of a score). The results say when the sandbox was not used.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path

from autograder.packages import TORCH_INDEX, runtime_requirements

ROOT = Path(__file__).resolve().parents[1]
INCLUDE = ["autograder", "cs231n", "requirements.txt"]


SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when the autograder is built.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-venv bubblewrap libseccomp2 util-linux >/dev/null
cd /autograder/source
python3 -m venv /autograder/venv
chmod -R a+rX /autograder/venv
/autograder/venv/bin/pip install -q --upgrade pip
/autograder/venv/bin/pip install -q {requirements} --extra-index-url {torch_index}
/autograder/venv/bin/python cs231n/datasets/get_cifar10.py  # into cs231n/datasets/, where the grader looks for it
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT (default /autograder) is for testing it elsewhere.
set -uo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${AUTOGRADER_PYTHON:-$root/venv/bin/python}"
cd "$root/source"
mkdir -p "$root/results"
mode=()
if ! bwrap --unshare-all --ro-bind / / true 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "refusing to grade: bubblewrap cannot create namespaces here, and without root student code cannot run" \\
         "as another user" >&2
    exit 1
  fi
  echo "bubblewrap cannot create namespaces in this container: student code runs as an unprivileged user" >&2
  chmod -R o= "$root/source" "$root/results"  # nothing of the grader's or the results for that user
  mode=(--unsandboxed)
fi
work="$(mktemp -d)"
chmod 711 "$work"  # the runner's user may reach the prepared data in it, not list or read the results
PYTHONPATH="$root/source" exec "$python" -m autograder.gradescope "$root/submission" "$work" \
  "$root/results/results.json" "${mode[@]}"
"""


def build(dest: Path) -> Path:
    """Write the Gradescope autograder zip to DEST."""
    from generate.package import ignored  # the course's tools: never part of a copy of the package (caches, data)

    dest.parent.mkdir(parents=True, exist_ok=True)
    setup = SETUP_SH.replace("{requirements}", " ".join(runtime_requirements())).replace("{torch_index}", TORCH_INDEX)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("setup.sh", setup), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            zf.writestr(info, text)
        for top in INCLUDE:
            path = ROOT / top
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                rel = file.relative_to(ROOT)
                if not any(ignored(part) for part in rel.parts):
                    zf.write(file, f"source/{rel.as_posix()}")
    return dest


def results_for_gradescope(out: Path, target: Path, unsandboxed: bool) -> None:
    """Copy the single student's results.json from OUT to TARGET in Gradescope's keys only."""
    from autograder.results import gradescope_json, read_all, write_atomic

    found = read_all(out)
    if len(found) != 1:
        data = {"score": 0, "output": f"the grader found {len(found)} submissions in the upload, expected one",
                "tests": []}
    else:
        data = gradescope_json(found[0])
        data.pop("autograder", None)
        if unsandboxed:
            data["output"] = (data["output"] + "\n" if data["output"] else "") + (
                "graded without bubblewrap (this container forbids it): your code ran as an unprivileged user")
    write_atomic(target, json.dumps(data, indent=2))


def grade_upload(submission: Path, work: Path, target: Path, sandboxed: bool) -> int:
    """Grade the upload SUBMISSION in the folder WORK with the steps of `autograder grade` (pipeline.select and
    pipeline.grade, CIFAR-10 from $CS231N_CIFAR10_DIR, else where setup.sh put it: the
    reference's cs231n/datasets/) and write Gradescope's
    results.json to TARGET; returns 1, writing nothing to TARGET, when the submission could not be graded."""
    from autograder import pipeline

    request = pipeline.Request(submission, work, data_default=True, sandboxed=sandboxed)
    try:
        run = pipeline.grade(pipeline.select(request), quiet=True)
    except pipeline.Refused as exc:
        sys.exit(f"autograder: {exc}")
    if pipeline.exit_status(run.problems):
        return 1
    results_for_gradescope(work, target, not sandboxed)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope",
                                     description="run_autograder's grading step (see this module's doc)")
    parser.add_argument("submission", type=Path, help="the upload (/autograder/submission)")
    parser.add_argument("work", type=Path, help="a folder for the grading data and the student's results")
    parser.add_argument("target", type=Path, help="Gradescope's results.json to write")
    parser.add_argument("--unsandboxed", action="store_true", help="grade without bubblewrap (see the module's doc)")
    args = parser.parse_args(argv)
    return grade_upload(args.submission, args.work, args.target, sandboxed=not args.unsandboxed)


if __name__ == "__main__":
    sys.exit(main())
