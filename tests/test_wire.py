"""The judge/runner encoding (autograder/runner/wire.py): every tagged type survives a round trip through a real pipe,
and everything a hostile runner could send instead (objects, pickles, lying sizes, cut frames, absurd headers) is
refused with WireError, without ever unpickling."""

from __future__ import annotations

import json
import os
import pickle
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograder.runner import wire
from autograder.runner.wire import Handle, WireError


def _feed(frame: bytes, close: bool = True) -> tuple[int, threading.Thread]:
    """A pipe whose read end receives FRAME (written by a thread, so that frames larger than the pipe fit)."""
    r, w = os.pipe()

    def writer() -> None:
        try:
            wire.write_frame(w, frame)
        except BrokenPipeError:
            pass
        finally:
            if close:
                os.close(w)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    return r, thread


def decode(frame: bytes, *, max_bytes: int = 4 << 30, timeout: float | None = 5.0) -> Any:
    """Read one frame from a pipe that holds exactly FRAME (then end of file)."""
    r, thread = _feed(frame)
    try:
        return wire.FrameReader(r, max_bytes=max_bytes).read(timeout=timeout)
    finally:
        os.close(r)
        thread.join(5)


def roundtrip(value: Any, to_handle=None) -> Any:
    return decode(wire.encode(value, to_handle))


def raw_frame(header: dict | bytes, payload: bytes = b"", length: int | None = None) -> bytes:
    """A frame built by hand: HEADER (a dict, or already-encoded bytes), then PAYLOAD as the blob bytes."""
    data = header if isinstance(header, bytes) else json.dumps(header).encode()
    return wire.MAGIC + struct.pack("<Q", len(data) if length is None else length) + data + payload


def assert_same(got: Any, want: Any) -> None:
    """Equal values of exactly the same types, recursively (arrays: same dtype, shape and bytes)."""
    assert type(got) is type(want), (got, want)
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape and got.flags.c_contiguous
        assert got.tobytes() == np.ascontiguousarray(want).tobytes()
    elif isinstance(want, list | tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for key in want:
            assert type(next(k for k in got if k == key)) is type(key)
            assert_same(got[key], want[key])
    elif isinstance(want, float) and want != want:
        assert got != got
    else:
        assert got == want


@pytest.fixture(autouse=True)
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test here fails if anything calls pickle (or numpy's pickle-capable loader) while it runs."""

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the wire decoder unpickled something")

    for name in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    yield


# -- round trips -----------------------------------------------------------------------------------------------
NUMERIC_DTYPES = ["?", "i1", "i2", "<i4", ">i8", "u1", "u2", "u4", "u8", "f2", "<f4", ">f8", "g", "c8", "<c16"]


@pytest.mark.parametrize("dtype", NUMERIC_DTYPES)
def test_arrays_of_every_numeric_dtype_round_trip(dtype: str) -> None:
    rng = np.random.default_rng(0)
    arr = (rng.standard_normal((2, 3, 4)) * 50).astype(dtype)
    assert_same(roundtrip(arr), arr)


@pytest.mark.parametrize("arr", [
    np.arange(24.0).reshape(2, 3, 4)[:, ::2, 1:],  # a strided view
    np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    np.arange(12.0).reshape(3, 4).T,
    np.zeros((0, 5)),
    np.zeros((3, 0, 2), dtype=np.int64),
    np.array(2.5),  # 0-d
    np.ones((1,) * 32),  # the most dimensions allowed
], ids=["strided", "fortran", "transposed", "empty", "empty-middle", "0d", "32-dims"])
def test_array_layouts_arrive_c_contiguous_with_the_same_values(arr: np.ndarray) -> None:
    got = roundtrip(arr)
    assert type(got) is np.ndarray and got.flags.c_contiguous and got.flags.writeable
    assert got.shape == arr.shape and got.dtype == arr.dtype
    np.testing.assert_array_equal(got, arr)


def test_plain_values_and_containers_round_trip_with_their_types() -> None:
    value = {
        "none": None, "true": True, "false": False, "int": -7, "big": 2**62, "float": 0.1, "neg0": -0.0,
        "inf": float("inf"), "-inf": float("-inf"), "nan": float("nan"), "str": "héllo \u2603 \"quoted\"",
        "list": [1, [2.0, "x"], []], "tuple": (1, ("a", None), ()), 3: "int key", 2.5: "float key",
        "nested": {"a": ({"b": [np.arange(3)]},)}, "empty": {},
    }
    assert_same(roundtrip(value), value)


def test_handles_and_dtype_types_round_trip() -> None:
    value = [Handle(1_000_000_001, "FullyConnectedNet"), Handle(5), np.float32, np.dtype("<f8"), np.int64]
    assert roundtrip(value) == [Handle(1_000_000_001, "FullyConnectedNet"), Handle(5, "object"), np.float32,
                                np.float64, np.int64]


def test_numpy_scalars_arrive_as_0d_arrays_and_subclasses_as_plain_arrays() -> None:
    class Sneaky(np.ndarray):
        def __eq__(self, other: object) -> bool:  # type: ignore[override]
            return True

    sneaky = np.arange(4.0).view(Sneaky)
    got = roundtrip([np.float32(1.5), np.int16(-3), np.bool_(True), sneaky, np.ma.masked_array([1.0, 2.0])])
    assert [type(g) for g in got] == [np.ndarray] * 5
    assert got[0].dtype == np.float32 and got[0].shape == () and got[0] == 1.5
    assert got[1].dtype == np.int16 and got[2].dtype == np.bool_
    np.testing.assert_array_equal(got[3], np.arange(4.0))


def test_several_frames_back_to_back_are_read_one_at_a_time() -> None:
    frames = b"".join(wire.encode(v) for v in ([1, 2], {"a": np.ones(3)}, None))
    r, thread = _feed(frames)
    reader = wire.FrameReader(r)
    assert reader.read(timeout=5) == [1, 2]
    np.testing.assert_array_equal(reader.read(timeout=5)["a"], np.ones(3))
    assert reader.read(timeout=5) is None
    with pytest.raises(wire.ChannelClosed):
        reader.read(timeout=5)
    os.close(r)
    thread.join(5)


def test_a_frame_dribbled_one_byte_at_a_time_is_reassembled() -> None:
    frame = wire.encode({"x": np.arange(100.0), "s": "abc"})
    r, w = os.pipe()

    def dribble() -> None:
        for i in range(len(frame)):
            os.write(w, frame[i:i + 1])
        os.close(w)

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    got = wire.FrameReader(r).read(timeout=10)
    thread.join(5)
    os.close(r)
    np.testing.assert_array_equal(got["x"], np.arange(100.0))


# -- what the encoder refuses ----------------------------------------------------------------------------------
UNSENDABLE = [
    np.array([object(), 1], dtype=object),
    np.zeros(3, dtype=[("a", "<f8"), ("b", "<i4")]),
    np.array(["abc"]),
    np.array([b"abc"]),
    np.array(["2020-01-01"], dtype="datetime64[D]"),
    np.array([1], dtype="timedelta64[s]"),
    np.void(b"abcd"),
    {1, 2},
    object(),
    {("tuple", "key"): 1},
    {True: 1},
    type("Tup", (tuple,), {})((1, 2)),
    type("Flt", (float,), {})(1.0),
    b"bytes",
    lambda: 0,
]


@pytest.mark.parametrize("value", UNSENDABLE, ids=lambda v: type(v).__name__)
def test_the_encoder_refuses_what_it_cannot_carry_and_hands_it_to_to_handle(value: Any) -> None:
    with pytest.raises(WireError):
        wire.encode([value])
    stored = []

    def to_handle(obj: Any) -> Handle:
        stored.append(obj)
        return Handle(41, type(obj).__name__)

    assert roundtrip([value], to_handle) == [Handle(41, type(value).__name__)]
    assert len(stored) == 1 and stored[0] is value


# -- what the decoder refuses ----------------------------------------------------------------------------------
def _blob(dtype: str, shape: list, payload: bytes = b"") -> bytes:
    return raw_frame({"msg": {"__nd__": 0}, "blobs": [{"dtype": dtype, "shape": shape}]}, payload)


BAD_FRAMES = {
    "bad magic": b"PKL1" + wire.encode([1])[4:],
    "pickle instead of a frame": pickle.dumps([1, 2]),
    "header too long": raw_frame(b"{}", length=wire.MAX_HEADER_BYTES + 1),
    "header not JSON": raw_frame(b"\x80\x04not json"),
    "header not UTF-8": raw_frame(b'{"msg": "\xff\xfe"}'),
    "header a list": raw_frame(b"[1, 2]"),
    "object dtype": _blob("|O", [1], pickle.dumps(object())[:8]),
    "structured dtype": _blob("[('a', '<f8')]", [1], bytes(8)),
    "void dtype": _blob("|V8", [1], bytes(8)),
    "unicode dtype": _blob("<U2", [1], bytes(8)),
    "datetime dtype": _blob("<M8[s]", [1], bytes(8)),
    "subarray dtype": _blob("(2,)f8", [1], bytes(16)),
    "unknown dtype": _blob("not-a-dtype", [1]),
    "negative shape": _blob("<f8", [-1]),
    "too many dims": _blob("<f8", [1] * 33, bytes(8)),
    "infinite dim": raw_frame(b'{"msg": {"__nd__": 0}, "blobs": [{"dtype": "<f8", "shape": [Infinity]}]}'),
    "impossible empty shape": _blob("<f8", [0, 10**30]),
    "blob table not a list": raw_frame({"msg": None, "blobs": {"dtype": "<f8"}}),
    "blob without shape": raw_frame({"msg": None, "blobs": [{"dtype": "<f8"}]}),
    "array index out of range": raw_frame({"msg": {"__nd__": 1}, "blobs": []}),
    "array index not an int": raw_frame({"msg": {"__nd__": "0"}, "blobs": []}),
    "untagged object": raw_frame({"msg": {"__reduce__": ["os.system", ["true"]]}}),
    "dict entry malformed": raw_frame({"msg": {"__dict__": [["a"]]}}),
    "dict key a list": raw_frame({"msg": {"__dict__": [[["a"], 1]]}}),
    "dict key a bool": raw_frame({"msg": {"__dict__": [[True, 1]]}}),
    "dtype tag object": raw_frame({"msg": {"__dtype__": "O"}}),
    "dtype tag structured": raw_frame({"msg": {"__dtype__": "f8,i4"}}),
    "dtype tag nonsense": raw_frame({"msg": {"__dtype__": "(-1)f8"}}),
    "handle id not an int": raw_frame({"msg": {"__handle__": "1"}}),
    "deep nesting": raw_frame(b'{"msg": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
    "deep tagged nesting": raw_frame(b'{"msg": ' + b'{"__tuple__": [' * 5_000 + b"]}" * 5_000 + b"}"),
    "integer too long": raw_frame(b'{"msg": ' + b"7" * 5_000 + b"}"),
}


@pytest.mark.parametrize("frame", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_the_decoder_refuses_malformed_and_hostile_frames(frame: bytes) -> None:
    with pytest.raises(WireError) as refused:
        decode(frame)
    assert type(refused.value) is WireError  # refused for what it says, not for ending early (ChannelClosed)


def test_a_malicious_pickle_in_a_frame_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple:
            return (Path.touch, (marker,))

    payload = pickle.dumps(Exploit())
    attempts = [
        _blob("|O", [1], payload),
        _blob("|u1", [len(payload)], payload),  # arrives as plain bytes, as numbers
        raw_frame(payload),
        raw_frame({"msg": payload.decode("latin-1")}),
    ]
    results = []
    for frame in attempts:
        try:
            results.append(decode(frame))
        except WireError:
            results.append("refused")
    assert not marker.exists()
    assert results[0] == results[2] == "refused"
    assert isinstance(results[1], np.ndarray) and results[1].tobytes() == payload
    assert results[3] == payload.decode("latin-1")


def test_frames_over_the_size_limit_are_refused_before_reading_the_data() -> None:
    # The blob table claims 1 MB but nothing follows: the limit is checked first, so this fails at once.
    frame = _blob("<f8", [1 << 17])
    with pytest.raises(WireError, match="larger than the limit"):
        decode(frame, max_bytes=1 << 16)
    # Many small blobs count together.
    many = raw_frame({"msg": None, "blobs": [{"dtype": "<f8", "shape": [1000]}] * 10})
    with pytest.raises(WireError, match="larger than the limit"):
        decode(many, max_bytes=40_000)
    # A claim of 2**60 bytes in one blob, with the default limit.
    with pytest.raises(WireError, match="larger than the limit"):
        decode(_blob("<f8", [1 << 57]))


def test_lying_blob_sizes_end_in_a_closed_channel_or_a_timeout_never_a_hang() -> None:
    short = _blob("<f8", [100], bytes(80))  # claims 800 bytes, sends 80
    with pytest.raises(wire.ChannelClosed):
        decode(short)
    r, thread = _feed(short, close=False)  # the writer keeps the channel open and never sends the rest
    with pytest.raises(wire.ReadTimeout):
        wire.FrameReader(r).read(timeout=0.3)
    os.close(r)
    thread.join(5)


def test_a_blob_shorter_than_what_is_sent_leaves_garbage_that_the_next_read_refuses() -> None:
    long = _blob("<f8", [1], bytes(8) + b"trailing garbage")
    r, thread = _feed(long)
    reader = wire.FrameReader(r)
    np.testing.assert_array_equal(reader.read(timeout=5), np.zeros(1))
    with pytest.raises(WireError):
        reader.read(timeout=5)
    os.close(r)
    thread.join(5)


def test_a_frame_truncated_anywhere_is_a_closed_channel() -> None:
    frame = wire.encode({"a": np.arange(5.0), "b": [1, "two"]})
    for cut in sorted({0, 1, 4, 11, 12, 20, len(frame) - 41, len(frame) - 1}):
        with pytest.raises(wire.ChannelClosed):
            decode(frame[:cut])


def test_no_frame_before_the_deadline_is_a_read_timeout() -> None:
    r, w = os.pipe()
    try:
        with pytest.raises(wire.ReadTimeout):
            wire.FrameReader(r).read(timeout=0.2)
    finally:
        os.close(r)
        os.close(w)


def test_writing_to_a_reader_that_never_reads_times_out_instead_of_blocking() -> None:
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        with pytest.raises(wire.WriteTimeout):
            wire.write_frame(w, wire.encode(np.zeros(1 << 20)), timeout=0.3)
        wire.write_frame(w, b"", timeout=0.3)  # nothing to write is no wait
    finally:
        os.close(r)
        os.close(w)
