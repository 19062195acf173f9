"""The machine the figures come from."""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
from pathlib import Path

import numpy as np

BLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# OpenBLAS's own report of its build and the kernel it chose at run time, under the names of its usual builds.
OPENBLAS_CONFIG = ("scipy_openblas_get_config64_", "scipy_openblas_get_config", "openblas_get_config64_",
                   "openblas_get_config")


def _cpuinfo_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def _openblas_runtime() -> str | None:
    """The loaded OpenBLAS's configuration string (it names the CPU kernel in use), when numpy uses OpenBLAS."""
    libraries = {line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if "openblas" in line}
    for path in sorted(libraries):
        lib = ctypes.CDLL(path)
        for name in OPENBLAS_CONFIG:
            function = getattr(lib, name, None)
            if function is not None:
                function.restype = ctypes.c_char_p
                return function().decode()
    return None


def _blas() -> dict[str, object]:
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    info: dict[str, object] = {"name": blas.get("name"), "version": blas.get("version"),
                               "runtime": _openblas_runtime()}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return info
    info["threadpoolctl"] = threadpool_info()
    return info


def _version(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "absent"


def describe() -> dict[str, object]:
    """CPU, cores, memory, software versions, BLAS and the load average now."""
    import nbgrader

    return {
        "cpu": _cpuinfo_model(),
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "blas_environment": {key: os.environ[key] for key in BLAS_ENV if key in os.environ},
        "nbgrader": nbgrader.__version__,
        "bubblewrap": _version(["bwrap", "--version"]),
        "loadavg_start": Path("/proc/loadavg").read_text().split()[:3],
    }
