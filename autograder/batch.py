"""Grading many submissions: serially, on a local process pool, or on a Dask distributed cluster.

Whatever the engine, results come back to this (the calling) process, which is the only writer: each result is
handed to ON_RESULT as soon as it is graded (the CLI writes it atomically), so an interrupted run loses nothing
that finished, and a rerun grades only what is missing. With Dask, the workers must see the same paths (the
submissions, the scratch folder's parent and the prepared data) — a shared file system, as on a cluster.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from autograder.grade import GradeOptions, grade
from autograder.scores import SubmissionResult
from autograder.submission import Submission


@dataclass
class Progress:
    """done/total, failures so far and an ETA; drawn on one line when attached to a terminal, silent otherwise."""

    total: int
    done: int = 0
    failed: int = 0
    start: float = 0.0
    enabled: bool = False

    @classmethod
    def for_stream(cls, total: int, stream=sys.stderr) -> Progress:
        return cls(total, start=time.monotonic(), enabled=stream.isatty())

    def update(self, result: SubmissionResult) -> None:
        self.done += 1
        self.failed += bool(result.error)
        if self.enabled:
            sys.stderr.write("\r" + self.line() + " " * 8)
            sys.stderr.flush()

    def line(self) -> str:
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        bar = "#" * int(30 * self.done / max(1, self.total))
        return (f"[{bar:<30}] {self.done}/{self.total} graded, {self.failed} failed, "
                f"elapsed {_clock(elapsed)}, ETA {_clock(eta)}")

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run(todo: list[Submission], options: GradeOptions, on_result: Callable[[SubmissionResult], None], *,
        workers: int = 1, scheduler: str | None = None) -> int:
    """Grade TODO, calling ON_RESULT (in this process) for each result as it arrives; returns how many finished."""
    if scheduler:
        results = _dask(todo, options, scheduler)
    elif workers > 1 and len(todo) > 1:
        results = _pool(todo, options, workers)
    else:
        results = (grade(sub, options) for sub in todo)
    count = 0
    for result in results:
        on_result(result)
        count += 1
    return count


def _pool(todo: list[Submission], options: GradeOptions, workers: int) -> Iterator[SubmissionResult]:
    # forkserver: workers start from a clean process, not a fork of one that may hold threads (the gradebook, dask).
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future] = {pool.submit(grade, sub, options) for sub in todo}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def _dask(todo: list[Submission], options: GradeOptions, scheduler: str) -> Iterator[SubmissionResult]:
    from distributed import Client, as_completed

    with Client(scheduler, timeout="30s") as client:
        futures = [client.submit(grade, sub, options, key=f"grade-{sub.student}-{time.time_ns()}", pure=False)
                   for sub in todo]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            client.cancel([f for f in futures if not f.done()])
