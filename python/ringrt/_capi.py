"""ctypes declarations of libringrt's C API (runtime/include/ringrt/ringrt.h).

The structs mirror the header field for field; each starts with struct_size, which
the library checks, so a mismatch is an error message, never a silent misread.
"""
import ctypes
import ctypes.util
import os
import pathlib

c_size_t = ctypes.c_size_t
c_u16, c_u32, c_u64, c_int = ctypes.c_uint16, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_int
c_char_p, c_float_p = ctypes.c_char_p, ctypes.POINTER(ctypes.c_float)

MAX_PLAN_ENTRIES = 32
HASH_SEED = 0xCBF29CE484222325


class LoadOptions(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("verify_checksum", c_int)]


class SessionOptions(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("workers", c_u32), ("chunk", c_u32), ("max_context", c_u64),
                ("kv_store", c_char_p), ("resume", c_int), ("stream_tag", c_u64), ("kv_dtype", c_u32)]


class ModelInfo(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("embed_dim", c_u32), ("hidden_size", c_u32), ("num_heads", c_u32),
                ("num_layers", c_u32), ("schema_major", c_u16), ("schema_minor", c_u16), ("weights_f16", c_int),
                ("file_bytes", c_u64)]


class PlanEntry(ctypes.Structure):
    _fields_ = [("name", c_char_p), ("bytes", c_u64), ("offset", c_u64)]


class MemoryPlan(ctypes.Structure):
    _fields_ = [("struct_size", c_size_t), ("arena_bytes", c_u64), ("kv_bytes", c_u64), ("kv_in_arena", c_int),
                ("workers", c_u32), ("chunk", c_u32), ("max_context", c_u64), ("kv_positions", c_u64),
                ("kv_window_buffer", c_int), ("layer_by_layer", c_int), ("residual_bytes", c_u64),
                ("xnnpack_in_arena", c_int), ("entry_count", c_size_t), ("entries", PlanEntry * MAX_PLAN_ENTRIES),
                ("kv_dtype", c_u32)]


def _find_library():
    """The library bundled at install, else RINGRT_LIBRARY, else the system's libringrt."""
    bundled = pathlib.Path(__file__).resolve().parent / "_lib" / "libringrt.so"
    if bundled.is_file():
        return str(bundled)
    env = os.environ.get("RINGRT_LIBRARY")
    if env:
        return env
    found = ctypes.util.find_library("ringrt")
    if found:
        return found
    raise ImportError("ringrt: libringrt.so not found: install the package with "
                      "'python3 -m pip install --no-build-isolation ./python' from the ringrt repository, "
                      "or set RINGRT_LIBRARY to the library's path")


def _declare(lib):
    err = (ctypes.c_char_p, c_size_t)
    sigs = {
        "ringrt_load_options_init": (None, [ctypes.POINTER(LoadOptions)]),
        "ringrt_session_options_init": (None, [ctypes.POINTER(SessionOptions)]),
        "ringrt_model_info_init": (None, [ctypes.POINTER(ModelInfo)]),
        "ringrt_memory_plan_init": (None, [ctypes.POINTER(MemoryPlan)]),
        "ringrt_model_load_with_options": (c_int, [c_char_p, ctypes.POINTER(LoadOptions), ctypes.POINTER(ctypes.c_void_p), *err]),
        "ringrt_model_free": (None, [ctypes.c_void_p]),
        "ringrt_model_get_info": (c_int, [ctypes.c_void_p, ctypes.POINTER(ModelInfo), *err]),
        "ringrt_plan_session": (c_int, [ctypes.c_void_p, ctypes.POINTER(SessionOptions), ctypes.POINTER(MemoryPlan), *err]),
        "ringrt_session_create": (c_int, [ctypes.c_void_p, ctypes.POINTER(SessionOptions), ctypes.POINTER(ctypes.c_void_p), *err]),
        "ringrt_session_append": (c_int, [ctypes.c_void_p, c_float_p, c_size_t, c_size_t, c_float_p, *err]),
        "ringrt_session_append_deferred": (c_int, [ctypes.c_void_p, c_float_p, c_size_t, c_size_t, *err]),
        "ringrt_session_output": (c_float_p, [ctypes.c_void_p]),
        "ringrt_session_length": (c_u64, [ctypes.c_void_p]),
        "ringrt_session_truncate": (c_int, [ctypes.c_void_p, c_u64, *err]),
        "ringrt_session_kv_bytes_stored": (c_u64, [ctypes.c_void_p]),
        "ringrt_session_get_plan": (c_int, [ctypes.c_void_p, ctypes.POINTER(MemoryPlan), *err]),
        "ringrt_session_reset": (None, [ctypes.c_void_p]),
        "ringrt_session_free": (None, [ctypes.c_void_p]),
        "ringrt_hash_bytes": (c_u64, [ctypes.c_void_p, c_size_t, c_u64]),
        "ringrt_version": (c_char_p, []),
        "ringrt_attention_kernel_name": (c_char_p, []),
    }
    for name, (restype, argtypes) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


LIBRARY_PATH = _find_library()
lib = _declare(ctypes.CDLL(LIBRARY_PATH))
