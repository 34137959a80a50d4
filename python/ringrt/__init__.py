"""ringrt from Python: load a .rrt model, stream NumPy arrays through a session.

    import numpy as np, ringrt
    model = ringrt.load("model.rrt")
    print(model.info.embed_dim, model.plan(max_context=65536).arena_bytes)
    with model.session(max_context=65536, kv_store="file:/data/kv") as s:
        y = s.append(np.zeros((100, model.info.embed_dim), np.float32))   # last timestep, [hidden_size]
        ys = s.append(x, all_timesteps=True)                              # every timestep, [T, hidden_size]

Every call goes to libringrt's C API (ctypes). Errors are RingrtError with the
runtime's message; `code` is the C API's ringrt_status.
"""
import ctypes
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from . import _capi
from ._capi import lib as _lib

__all__ = ["load", "Model", "Session", "ModelInfo", "MemoryPlan", "PlanEntry", "RingrtError", "hash_bytes",
           "version", "attention_kernel_name", "__version__"]

__version__ = "0.1.0"

_STATUS_NAMES = {1: "invalid argument", 2: "invalid model", 3: "unsupported version", 4: "I/O error",
                 5: "out of memory", 6: "capacity exceeded", 7: "internal error", 8: "peer failed",
                 9: "non-finite value"}


class RingrtError(RuntimeError):
    """A ringrt call failed: str(e) is the runtime's message, e.code its ringrt_status."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.status = _STATUS_NAMES.get(code, f"status {code}")


def _check(code: int, err) -> None:
    if code != 0:
        raise RingrtError(code, err.value.decode("utf-8", "replace"))


def _err():
    return ctypes.create_string_buffer(1024)


def version() -> str:
    """The version of the libringrt in use."""
    return _lib.ringrt_version().decode()


def attention_kernel_name() -> str:
    """The attention kernel this process runs: "avx512", "avx2", "sse2", "neon" or
    "reference" (RINGRT_ATTENTION_KERNEL in the environment picks one of those)."""
    return _lib.ringrt_attention_kernel_name().decode()


def hash_bytes(data, seed: int = _capi.HASH_SEED) -> int:
    """FNV-1a 64 of an array's (or bytes') contents: a stream_tag for a file store (ringrt-run tags with it)."""
    buf = np.ascontiguousarray(data) if not isinstance(data, (bytes, bytearray)) else np.frombuffer(data, np.uint8)
    return int(_lib.ringrt_hash_bytes(buf.ctypes.data_as(ctypes.c_void_p), buf.nbytes, seed))


@dataclass(frozen=True)
class ModelInfo:
    embed_dim: int
    hidden_size: int
    num_heads: int
    num_layers: int
    schema_version: str
    weights_f16: bool
    file_bytes: int


@dataclass(frozen=True)
class PlanEntry:
    name: str
    bytes: int
    offset: int


@dataclass(frozen=True)
class MemoryPlan:
    """Every buffer a session allocates, known before it is created."""
    arena_bytes: int
    kv_bytes: int
    kv_in_arena: bool
    workers: int
    chunk: int
    max_context: int
    kv_positions: int
    kv_window_buffer: bool
    layer_by_layer: bool
    residual_bytes: int
    xnnpack_in_arena: bool
    entries: List[PlanEntry]
    kv_dtype: str = "f32"


def _plan(c: _capi.MemoryPlan) -> MemoryPlan:
    entries = [PlanEntry(c.entries[i].name.decode(), c.entries[i].bytes, c.entries[i].offset)
               for i in range(c.entry_count)]
    return MemoryPlan(c.arena_bytes, c.kv_bytes, bool(c.kv_in_arena), c.workers, c.chunk, c.max_context,
                      c.kv_positions, bool(c.kv_window_buffer), bool(c.layer_by_layer), c.residual_bytes,
                      bool(c.xnnpack_in_arena), entries, _KV_DTYPES[c.kv_dtype])


# ringrt.h's RINGRT_KV_* values, by position.
_KV_DTYPES = ("f32", "f16", "int8")


def _session_options(workers, chunk, max_context, kv_store, kv_dtype, resume, stream_tag):
    if kv_dtype is None:
        kv_dtype = "f32"
    if kv_dtype not in _KV_DTYPES:
        raise RingrtError(1, f"kv_dtype {kv_dtype!r} is not a KV dtype: use 'f32', 'f16' or 'int8'")
    o = _capi.SessionOptions()
    _lib.ringrt_session_options_init(ctypes.byref(o))
    o.kv_dtype = _KV_DTYPES.index(kv_dtype)
    for name, value in (("workers", workers), ("chunk", chunk), ("max_context", max_context)):
        if value is not None:
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise RingrtError(1, f"{name} must be a non-negative integer, got {value!r}")
            setattr(o, name, int(value))
    if kv_store is not None:
        o.kv_store = str(kv_store).encode()
    o.resume = 1 if resume else 0
    o.stream_tag = int(stream_tag)
    return o


class Model:
    """A verified, memory-mapped .rrt model; shared by any number of sessions."""

    def __init__(self, path, verify_checksum: bool = True):
        opts = _capi.LoadOptions()
        _lib.ringrt_load_options_init(ctypes.byref(opts))
        opts.verify_checksum = 1 if verify_checksum else 0
        handle = ctypes.c_void_p()
        err = _err()
        _check(_lib.ringrt_model_load_with_options(str(path).encode(), ctypes.byref(opts), ctypes.byref(handle),
                                                   err, len(err)), err)
        self._handle = handle
        self.path = str(path)
        c = _capi.ModelInfo()
        _lib.ringrt_model_info_init(ctypes.byref(c))
        err = _err()
        _check(_lib.ringrt_model_get_info(self._handle, ctypes.byref(c), err, len(err)), err)
        self.info = ModelInfo(c.embed_dim, c.hidden_size, c.num_heads, c.num_layers,
                              f"{c.schema_major}.{c.schema_minor}", bool(c.weights_f16), c.file_bytes)

    def plan(self, workers: int = 0, chunk: int = 256, max_context: int = 8192, kv_store: Optional[str] = None,
             kv_dtype: str = "f32") -> MemoryPlan:
        """The memory plan of a session with these options, computed without allocating it."""
        o = _session_options(workers, chunk, max_context, kv_store, kv_dtype, False, 0)
        c = _capi.MemoryPlan()
        _lib.ringrt_memory_plan_init(ctypes.byref(c))
        err = _err()
        _check(_lib.ringrt_plan_session(self._handle, ctypes.byref(o), ctypes.byref(c), err, len(err)), err)
        return _plan(c)

    def session(self, workers: int = 0, chunk: int = 256, max_context: int = 8192, kv_store: Optional[str] = None,
                kv_dtype: str = "f32", resume: bool = False, stream_tag: int = 0) -> "Session":
        """A session: workers (0: one per core), chunk, max_context, kv_store ("memory" or "file:PATH"),
        kv_dtype ("f32", "f16" or "int8": how the KV history keeps its numbers), resume (continue the
        stream a file store holds), stream_tag (checked on resume)."""
        return Session(self, _session_options(workers, chunk, max_context, kv_store, kv_dtype, resume, stream_tag))

    def close(self) -> None:
        if getattr(self, "_handle", None):
            _lib.ringrt_model_free(self._handle)
            self._handle = None

    def __del__(self):
        self.close()

    def __repr__(self):
        i = self.info
        return f"<ringrt.Model {self.path!r}: embed_dim {i.embed_dim}, hidden_size {i.hidden_size}, {i.num_layers} layers>"


class Session:
    """A stream of tokens through a model; every buffer is allocated when it is created."""

    def __init__(self, model: Model, options: _capi.SessionOptions):
        if not model._handle:
            raise RingrtError(1, "the model is closed")
        handle = ctypes.c_void_p()
        err = _err()
        _check(_lib.ringrt_session_create(model._handle, ctypes.byref(options), ctypes.byref(handle), err, len(err)),
               err)
        self._handle = handle
        self.model = model  # keeps the model alive as long as the session
        self._embed, self._hidden = model.info.embed_dim, model.info.hidden_size

    def _live(self):
        if not self._handle:
            raise RingrtError(1, "the session is closed")
        return self._handle

    def _rows(self, x) -> np.ndarray:
        a = np.asarray(x)
        if a.dtype != np.float32:
            if not np.issubdtype(a.dtype, np.floating):
                raise RingrtError(1, f"append takes a float32 array [T, {self._embed}], got dtype {a.dtype}")
            a = a.astype(np.float32)
        if a.ndim != 2 or a.shape[1] != self._embed:
            raise RingrtError(1, f"append takes a float32 array [T, {self._embed}] (T tokens of embed_dim "
                                 f"{self._embed}), got shape {list(a.shape)}")
        return np.ascontiguousarray(a)

    def append(self, x, all_timesteps: bool = False) -> np.ndarray:
        """Appends the rows of x ([T, embed_dim], float32) to the sequence. Returns the last
        timestep's output [hidden_size], or every appended timestep's [T, hidden_size]."""
        h = self._live()
        a = self._rows(x)
        out = np.empty((a.shape[0], self._hidden), np.float32) if all_timesteps else None
        err = _err()
        _check(_lib.ringrt_session_append(h, a.ctypes.data_as(_capi.c_float_p), a.shape[0], a.shape[1],
                                          out.ctypes.data_as(_capi.c_float_p) if out is not None else None,
                                          err, len(err)), err)
        return out if all_timesteps else self.output

    def append_deferred(self, x) -> None:
        """Bidirectional models: stores the rows; the whole sequence runs at the next append()."""
        h = self._live()
        a = self._rows(x)
        err = _err()
        _check(_lib.ringrt_session_append_deferred(h, a.ctypes.data_as(_capi.c_float_p), a.shape[0], a.shape[1],
                                                   err, len(err)), err)

    @property
    def output(self) -> Optional[np.ndarray]:
        """The last timestep's output (a copy, [hidden_size]), or None before the first append."""
        p = _lib.ringrt_session_output(self._live())
        return np.ctypeslib.as_array(p, shape=(self._hidden,)).copy() if p else None

    @property
    def length(self) -> int:
        """Tokens in the current sequence (after resume: those the store held)."""
        return int(_lib.ringrt_session_length(self._live()))

    @property
    def kv_bytes_stored(self) -> int:
        return int(_lib.ringrt_session_kv_bytes_stored(self._live()))

    @property
    def plan(self) -> MemoryPlan:
        c = _capi.MemoryPlan()
        _lib.ringrt_memory_plan_init(ctypes.byref(c))
        err = _err()
        _check(_lib.ringrt_session_get_plan(self._live(), ctypes.byref(c), err, len(err)), err)
        return _plan(c)

    def truncate(self, length: int) -> None:
        """Drops the tokens after the first `length`."""
        err = _err()
        _check(_lib.ringrt_session_truncate(self._live(), int(length), err, len(err)), err)

    def reset(self) -> None:
        """Forgets the sequence (a file store's too); keeps every buffer."""
        _lib.ringrt_session_reset(self._live())

    def close(self) -> None:
        """Frees the session (and unlocks its file store)."""
        if getattr(self, "_handle", None):
            _lib.ringrt_session_free(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()


def load(path, verify_checksum: bool = True) -> Model:
    """Loads and verifies a .rrt model (ringrt-convert makes them)."""
    return Model(path, verify_checksum)
