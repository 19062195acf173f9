"""Puts CIFAR-10 (python version) where the assignment's loader looks for it.

Usage:
    python cs231n/datasets/get_cifar10.py              download the archive from the CIFAR-10 site
    python cs231n/datasets/get_cifar10.py --from PATH  use a local copy instead: a folder holding the
                                                       batches (or holding cifar-10-batches-py/), or a
                                                       cifar-10-python.tar.gz archive
    python cs231n/datasets/get_cifar10.py --dest DIR   put the batches in DIR instead of
                                                       cs231n/datasets/cifar-10-batches-py

The batches (data_batch_1 .. data_batch_5, test_batch, and batches.meta when present) are staged in a
temporary folder beside the destination, checked (every batch is read), then moved into place, so an
interrupted run leaves no half-written file behind. A destination that already holds valid data is left
as it is, so running the script again is harmless. Archive members are read, never extracted by name,
and an archive with absolute or '..' member paths is rejected. Exit status: 0 on success, 1 on error
(message on stderr).
"""

import argparse
import hashlib
import importlib.util
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path, PurePosixPath

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
ARCHIVE_MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
DEFAULT_DEST = Path(__file__).resolve().parent / FOLDER
OPTIONAL_FILES = ("batches.meta",)


def _load_data_utils():
    """Imports cs231n/data_utils.py by path (the script runs outside the package, and importing the
    package would run more of it than the data needs)."""
    path = Path(__file__).resolve().parent.parent / "data_utils.py"
    spec = importlib.util.spec_from_file_location("cs231n_data_utils", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


data_utils = _load_data_utils()
REQUIRED_FILES = (*data_utils.TRAIN_BATCHES, data_utils.TEST_BATCH)


class GetCifarError(Exception):
    """A problem the user can fix (no network, wrong folder, bad archive); the message says how."""


def _progress(done: int, total: int) -> None:
    """Prints the download progress on one line of stderr."""
    size = f"{done / 1e6:.1f} / {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
    print(f"\rdownloading {URL}: {size}", end="", file=sys.stderr, flush=True)


def download(target: Path) -> None:
    """Downloads the CIFAR-10 archive to target and checks its MD5 sum."""
    md5, done = hashlib.md5(), 0
    try:
        with urllib.request.urlopen(URL, timeout=60) as response, open(target, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0)
            while chunk := response.read(1 << 20):
                out.write(chunk)
                md5.update(chunk)
                done += len(chunk)
                _progress(done, total)
    except OSError as e:  # urllib.error.URLError and timeouts are OSErrors
        raise GetCifarError(
            f"could not download {URL}: {getattr(e, 'reason', e)}\n"
            "Without network access, use a local copy: --from PATH, where PATH is a cifar-10-batches-py "
            "folder or the cifar-10-python.tar.gz archive."
        ) from e
    finally:
        if done:
            print(file=sys.stderr)
    if md5.hexdigest() != ARCHIVE_MD5:
        raise GetCifarError(f"the download of {URL} is corrupt (MD5 {md5.hexdigest()}, expected {ARCHIVE_MD5})")


def _batch_folder(source: Path) -> Path:
    """Returns source, or its cifar-10-batches-py subfolder, whichever holds the batches."""
    for folder in (source, source / FOLDER):
        if all((folder / name).is_file() for name in REQUIRED_FILES):
            return folder
    raise GetCifarError(
        f"no CIFAR-10 batches in {source}: expected {', '.join(REQUIRED_FILES)} in it or in {source / FOLDER}"
    )


def copy_folder(source: Path, staged: Path) -> int:
    """Copies the batches of a local folder into staged; returns the number of files copied."""
    folder = _batch_folder(source)
    names = [*REQUIRED_FILES, *(name for name in OPTIONAL_FILES if (folder / name).is_file())]
    for name in names:
        shutil.copyfile(folder / name, staged / name)
    return len(names)


def extract_archive(archive: Path, staged: Path) -> int:
    """Copies the batches out of a tar archive into staged; returns the number of files extracted.

    The batches may sit at the top of the archive or in one folder (cifar-10-batches-py/ in the official
    archive). Raises GetCifarError for an unreadable archive, unsafe member paths or missing batches.
    """
    wanted = (*REQUIRED_FILES, *OPTIONAL_FILES)
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = tar.getmembers()
            unsafe = [m.name for m in members if PurePosixPath(m.name).is_absolute() or ".." in m.name.split("/")]
            if unsafe:
                raise GetCifarError(f"{archive} has unsafe member paths ({', '.join(unsafe[:3])}): not extracted")
            batches = {}
            for m in members:
                path = PurePosixPath(m.name)
                if m.isfile() and path.name in wanted and len(path.parts) <= 2:
                    if path.name in batches:
                        raise GetCifarError(f"{archive} holds {path.name} more than once")
                    batches[path.name] = m
            missing = [name for name in REQUIRED_FILES if name not in batches]
            if missing:
                raise GetCifarError(f"{archive} is not a CIFAR-10 archive: no {', '.join(missing)}")
            for name, member in batches.items():
                with tar.extractfile(member) as src, open(staged / name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise GetCifarError(f"cannot read the archive {archive}: {e}") from e
    return len(batches)


def _verified_counts(folder: Path) -> dict[str, int]:
    """Reads every batch of folder; returns {'train': N_train, 'test': N_test} or raises GetCifarError."""
    try:
        return data_utils.verify_cifar10(folder)
    except ValueError as e:
        raise GetCifarError(f"invalid CIFAR-10 data: {e}") from e


def fetch(source: Path | None, dest: Path) -> str:
    """Installs CIFAR-10 into dest from source (None: download); returns what was done, in words."""
    try:
        counts = data_utils.verify_cifar10(dest)
        return f"CIFAR-10 is already in {dest} ({counts['train']} training, {counts['test']} test images)"
    except (FileNotFoundError, ValueError):
        pass
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".get_cifar10-") as tmp:
        staged = Path(tmp) / FOLDER
        staged.mkdir()
        if source is not None and not source.exists():
            raise GetCifarError(f"--from {source}: no such file or folder")
        if source is None:
            archive = Path(tmp) / "cifar-10-python.tar.gz"
            download(archive)
            action = f"downloaded {URL} and extracted {extract_archive(archive, staged)} files"
        elif source.is_dir():
            action = f"copied {copy_folder(source, staged)} files from {_batch_folder(source)}"
        elif source.is_file() and tarfile.is_tarfile(source):
            action = f"extracted {extract_archive(source, staged)} files from {source}"
        else:
            raise GetCifarError(f"--from {source}: not a folder nor a tar archive")
        counts = _verified_counts(staged)
        dest.mkdir(exist_ok=True)
        for path in staged.iterdir():
            path.replace(dest / path.name)
    return f"{action} into {dest} ({counts['train']} training, {counts['test']} test images, all batches read)"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description="Put CIFAR-10 (python version) where cs231n looks for it.")
    parser.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="local copy to use instead of downloading: a folder holding the batches (or holding "
        "cifar-10-batches-py/), or a .tar.gz archive",
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=DEFAULT_DEST,
        help=f"folder to put the batches in (default: {DEFAULT_DEST})",
    )
    args = parser.parse_args(argv)
    try:
        print(fetch(args.source, args.dest.resolve()))
    except (GetCifarError, OSError) as e:
        print(f"get_cifar10.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
