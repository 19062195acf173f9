"""The safe encoding of everything that crosses between the judge and the runner.

A message is one frame:

    b"AGW1" | header length (8 bytes, little endian) | header (UTF-8 JSON) | raw array bytes, one blob after another

The header is ``{"msg": VALUE, "blobs": [{"dtype": "<f8", "shape": [2, 3]}, ...]}``. VALUE is JSON in which a few
tagged objects stand for what JSON cannot say:

    {"__nd__": i}                   the i-th array blob
    {"__tuple__": [...]}            a tuple
    {"__dict__": [[key, value]...]} a dict (keys are str, int or float)
    {"__handle__": id, "type": s}   an object that stays in the runner (a cache, a model)
    {"__dtype__": "<f4"}            a numeric numpy scalar type such as np.float32 (a model's dtype argument)

Decoding never unpickles and never builds anything but lists, tuples, dicts, str, int, float, bool, None, plain numeric
numpy arrays and :class:`Handle`. Dtypes other than bool, integers, floats and complex are refused, and so are
frames larger than the reader allows. This module is imported by the judge and copied into the sandbox for the
runner, so it uses only the standard library and numpy.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

MAGIC = b"AGW1"
_LEN = struct.Struct("<Q")
ALLOWED_KINDS = set("biufc")
MAX_HEADER_BYTES = 64 << 20
MAX_TEXT = 4000  # characters of an error message, a traceback or printed output that reach the feedback
HEADER_SHARE = 16  # a frame's JSON header may take 1/16 of its size limit (parsed JSON takes many times its bytes)


class WireError(Exception):
    """A frame that is malformed, too large, or uses a type the encoding does not allow."""


class ChannelClosed(WireError):
    """The other side closed its end (the runner exited or was killed)."""


class ReadTimeout(WireError):
    """No complete frame arrived before the deadline."""


class WriteTimeout(WireError):
    """The other side did not take a whole frame before the deadline (it is not reading)."""


@dataclass(frozen=True)
class Handle:
    """A reference to an object that lives in the runner."""

    id: int
    type: str = "object"


def _is_json_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _tag(value: Any, blobs: list[np.ndarray], to_handle) -> Any:
    """Turn VALUE into taggable JSON; arrays go to BLOBS, other objects through TO_HANDLE (or are refused)."""
    if value is None or isinstance(value, bool | str):
        return value
    if type(value) is int or type(value) is float:
        return value
    if isinstance(value, Handle):
        return {"__handle__": value.id, "type": value.type}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        dtype = np.dtype(value)
        if dtype.kind in ALLOWED_KINDS:
            return {"__dtype__": dtype.str}
    if isinstance(value, np.ndarray | np.generic):
        arr = np.asarray(value)
        if type(arr) is not np.ndarray:
            arr = np.array(arr, copy=True).view(np.ndarray)
        if arr.dtype.kind not in ALLOWED_KINDS or arr.dtype.fields is not None:
            if to_handle is None:
                raise WireError(f"arrays of dtype {arr.dtype} cannot be sent")
            return _tag(to_handle(value), blobs, None)
        blobs.append(arr if arr.flags.c_contiguous else arr.copy(order="C"))
        return {"__nd__": len(blobs) - 1}
    if type(value) is tuple:
        return {"__tuple__": [_tag(v, blobs, to_handle) for v in value]}
    if type(value) is list:
        return [_tag(v, blobs, to_handle) for v in value]
    if type(value) is dict and all(type(k) in (str, int, float) for k in value):
        return {"__dict__": [[k, _tag(v, blobs, to_handle)] for k, v in value.items()]}
    if to_handle is not None:
        return _tag(to_handle(value), blobs, None)
    raise WireError(f"values of type {type(value).__name__} cannot be sent")


def encode(value: Any, to_handle=None) -> bytes:
    """Encode VALUE as one frame. TO_HANDLE(obj) -> Handle stores objects the encoding cannot carry."""
    blobs: list[np.ndarray] = []
    msg = _tag(value, blobs, to_handle)
    meta = [{"dtype": b.dtype.str, "shape": list(b.shape)} for b in blobs]
    header = json.dumps({"msg": msg, "blobs": meta}, allow_nan=True).encode()
    parts = [MAGIC, _LEN.pack(len(header)), header]
    parts.extend(b.tobytes() for b in blobs)
    return b"".join(parts)


def _untag(value: Any, blobs: list[np.ndarray]) -> Any:
    if isinstance(value, list):
        return [_untag(v, blobs) for v in value]
    if isinstance(value, dict):
        if "__nd__" in value:
            index = value["__nd__"]
            if type(index) is not int or not 0 <= index < len(blobs):
                raise WireError("array reference out of range")
            return blobs[index]
        if "__tuple__" in value:
            return tuple(_untag(v, blobs) for v in value["__tuple__"])
        if "__dict__" in value:
            out = {}
            for pair in value["__dict__"]:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise WireError("malformed dict entry")
                key = pair[0]
                if not (isinstance(key, str) or _is_json_number(key)):
                    raise WireError("dict keys must be str or numbers")
                out[key] = _untag(pair[1], blobs)
            return out
        if "__dtype__" in value:
            try:
                dtype = np.dtype(str(value["__dtype__"]))
            except TypeError:
                raise WireError("bad dtype") from None
            if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None:
                raise WireError(f"dtype {dtype} is not allowed")
            return dtype.type
        if "__handle__" in value:
            hid, htype = value["__handle__"], value.get("type", "object")
            if type(hid) is not int or not isinstance(htype, str):
                raise WireError("malformed handle")
            return Handle(hid, htype[:200])
        raise WireError("untagged JSON object in a frame")
    if value is None or isinstance(value, bool | str) or _is_json_number(value):
        return value
    raise WireError(f"unexpected JSON value of type {type(value).__name__}")


def _blob_layout(meta: Any, max_bytes: int) -> list[tuple[np.dtype, tuple[int, ...], int]]:
    if not isinstance(meta, list):
        raise WireError("malformed blob table")
    layout, total = [], 0
    for entry in meta:
        try:
            dtype = np.dtype(str(entry["dtype"]))
            shape = tuple(int(s) for s in entry["shape"])
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise WireError(f"malformed blob description: {exc}") from None
        if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None or dtype.hasobject:
            raise WireError(f"dtype {dtype} is not allowed")
        if any(s < 0 for s in shape) or len(shape) > 32:
            raise WireError(f"bad array shape {shape}")
        nbytes = dtype.itemsize * math.prod(shape)
        total += nbytes
        if total > max_bytes:
            raise WireError(f"frame larger than the limit of {max_bytes} bytes")
        layout.append((dtype, shape, nbytes))
    return layout


class FrameReader:
    """Reads frames from a file descriptor, with an optional deadline per frame."""

    def __init__(self, fd: int, max_bytes: int = 4 << 30) -> None:
        self.fd = fd
        self.max_bytes = max_bytes

    def _read_exact(self, n: int, deadline: float | None) -> bytes:
        chunks, need = [], n
        while need:
            if deadline is not None and not _ready(self.fd, deadline, write=False):
                raise ReadTimeout("no answer before the time limit")
            chunk = os.read(self.fd, min(need, 1 << 22))
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            chunks.append(chunk)
            need -= len(chunk)
        return b"".join(chunks)

    def _read_into(self, buffer: bytearray, deadline: float | None) -> None:
        """Fill BUFFER from the descriptor (no intermediate copies: a frame costs its own size in memory, once)."""
        view, done = memoryview(buffer), 0
        while done < len(buffer):
            if deadline is not None and not _ready(self.fd, deadline, write=False):
                raise ReadTimeout("no answer before the time limit")
            got = os.readv(self.fd, [view[done: done + (1 << 22)]])
            if not got:
                raise ChannelClosed("the other side closed the channel")
            done += got

    def read(self, timeout: float | None = None, max_bytes: int | None = None) -> Any:
        """Read and decode one frame; raise ReadTimeout after TIMEOUT seconds, ChannelClosed at EOF, WireError for a
        frame larger than MAX_BYTES (default: the reader's limit) before reading more than its header's length."""
        deadline = None if timeout is None else time.monotonic() + timeout
        limit = self.max_bytes if max_bytes is None else min(max_bytes, self.max_bytes)
        head = self._read_exact(len(MAGIC) + _LEN.size, deadline)
        if head[: len(MAGIC)] != MAGIC:
            raise WireError("bad frame magic")
        (hlen,) = _LEN.unpack(head[len(MAGIC) :])
        if hlen > min(MAX_HEADER_BYTES, limit // HEADER_SHARE):
            raise WireError(f"frame header of {hlen} bytes is larger than the limit of "
                            f"{min(MAX_HEADER_BYTES, limit // HEADER_SHARE)} bytes")
        raw = self._read_exact(hlen, deadline)
        with _malformed("frame header is not JSON"):
            header = json.loads(raw)
        if not isinstance(header, dict):
            raise WireError("frame header is not an object")
        blobs = []
        for dtype, shape, nbytes in _blob_layout(header.get("blobs", []), limit):
            data = bytearray(nbytes)
            self._read_into(data, deadline)
            with _malformed("bad array"):
                blobs.append(np.frombuffer(data, dtype=dtype).reshape(shape))
        with _malformed("malformed message"):
            return _untag(header.get("msg"), blobs)


@contextmanager
def _malformed(what: str) -> Iterator[None]:
    """Turn the errors that hostile input can provoke in json/numpy (nesting too deep, integers too long,
    impossible shapes) into WireError."""
    try:
        yield
    except (ValueError, RecursionError, OverflowError) as exc:
        raise WireError(f"{what}: {type(exc).__name__}: {str(exc)[:200]}") from None


def _ready(fd: int, deadline: float | None, write: bool) -> bool:
    """Wait until FD can be read (or written) without blocking; False if DEADLINE passes first."""
    left = None if deadline is None else deadline - time.monotonic()
    if left is not None and left <= 0:
        return False
    ready = select.select([], [fd], [], left)[1] if write else select.select([fd], [], [], left)[0]
    return bool(ready)


def write_frame(fd: int, frame: bytes, timeout: float | None = None) -> None:
    """Write one encoded frame completely to FD. On a non-blocking FD, raise WriteTimeout when the reader has not
    taken all of it within TIMEOUT seconds (a runner that stopped reading must not block the judge)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    view = memoryview(frame)
    while view:
        try:
            written = os.write(fd, view)
        except BlockingIOError:
            if not _ready(fd, deadline, write=True):
                raise WriteTimeout("the other side did not read the message before the time limit") from None
            continue
        view = view[written:]
