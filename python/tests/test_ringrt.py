"""The Python package against the double-precision NumPy reference (reference.py)."""
import numpy as np
import pytest

import reference
import ringrt

TOL = 2e-4  # the runtime's float32 against the double reference, as in the C++ suites


def test_version_is_the_librarys():
    assert ringrt.version() == ringrt.__version__ == "0.1.0"


def test_attention_kernel_is_named():
    assert ringrt.attention_kernel_name() in ("avx512", "avx2", "sse2", "neon", "reference")


def test_info_and_plan(small_model):
    path, config, _, _ = small_model
    model = ringrt.load(path)
    assert (model.info.embed_dim, model.info.hidden_size, model.info.num_heads, model.info.num_layers) == (12, 16, 2, 2)
    assert model.info.file_bytes == path.stat().st_size
    plan = model.plan(workers=2, chunk=8, max_context=90)
    assert plan.kv_in_arena and plan.workers == 2 and plan.chunk == 8 and plan.max_context == 90
    kv = 2 * 2 * 90 * 16 * 4  # layers x (K, V) x positions x hidden x float32
    assert kv <= plan.kv_bytes <= kv + 256  # plus alignment
    assert sum(e.bytes for e in plan.entries) <= plan.arena_bytes
    with model.session(workers=2, chunk=8, max_context=90) as s:
        assert s.plan.arena_bytes == plan.arena_bytes
    file_plan = model.plan(workers=2, chunk=8, max_context=90, kv_store="file:/nonexistent/kv")
    assert not file_plan.kv_in_arena and file_plan.arena_bytes < plan.arena_bytes


@pytest.mark.parametrize("piece", [1, 7, 90])
def test_stream_equals_the_reference(small_model, piece):
    path, config, weights, x = small_model
    want = reference.forward(config, weights, x)
    model = ringrt.load(path)
    with model.session(workers=2, chunk=8, max_context=90) as s:
        assert s.output is None and s.length == 0
        got = []
        for t in range(0, 90, piece):
            got.append(s.append(x[t:t + piece], all_timesteps=True))
            assert s.length == min(t + piece, 90)
        got = np.concatenate(got)
        assert got.shape == (90, 16) and got.dtype == np.float32
        assert np.max(np.abs(got - want)) <= TOL
        assert np.max(np.abs(s.output - want[-1])) <= TOL
        s.reset()
        assert s.length == 0 and s.output is None
        last = s.append(x.astype(np.float64))  # other float dtypes are converted
        assert last.shape == (16,) and np.max(np.abs(last - want[-1])) <= TOL


def test_file_store_streams_and_resumes(small_model, tmp_path):
    path, config, weights, x = small_model
    want = reference.forward(config, weights, x)
    model = ringrt.load(path)
    store = f"file:{tmp_path / 'kv'}"
    tag = ringrt.hash_bytes(x)
    first = model.session(workers=2, chunk=8, max_context=90, kv_store=store, stream_tag=tag)
    first.append(x[:50])
    assert first.kv_bytes_stored > 0
    with pytest.raises(ringrt.RingrtError, match="is in use by another process or session"):
        model.session(workers=2, chunk=8, max_context=90, kv_store=store, stream_tag=tag)
    first.close()
    with pytest.raises(ringrt.RingrtError, match="resume"):
        model.session(workers=2, chunk=8, max_context=90, kv_store=store, stream_tag=tag)
    with model.session(workers=2, chunk=8, max_context=90, kv_store=store, stream_tag=tag, resume=True) as s:
        assert s.length == 50
        y = s.append(x[50:])
        assert np.max(np.abs(y - want[-1])) <= TOL
    with pytest.raises(ringrt.RingrtError):  # another tag: not this stream
        model.session(workers=2, chunk=8, max_context=90, kv_store=store, stream_tag=tag + 1, resume=True)


@pytest.mark.parametrize("dtype,tol,bytes_per_piece", [("f16", 5e-3, 8 * 2), ("int8", 5e-2, 8 + 4)])
def test_kv_dtypes_through_a_file_store(small_model, tmp_path, dtype, tol, bytes_per_piece):
    path, config, weights, x = small_model
    want = reference.forward(config, weights, x)
    model = ringrt.load(path)
    plan = model.plan(workers=2, chunk=8, max_context=90, kv_dtype=dtype)
    assert plan.kv_dtype == dtype
    kv = 2 * 2 * 2 * 90 * bytes_per_piece  # layers x (K, V) x heads x positions x (head_dim 8 numbers [+ scale])
    assert kv <= plan.kv_bytes <= kv + 256
    store = f"file:{tmp_path / 'kv'}"
    with model.session(workers=2, chunk=8, max_context=90, kv_store=store, kv_dtype=dtype) as s:
        got = s.append(x[:50], all_timesteps=True)
        assert np.max(np.abs(got - want[:50])) <= tol
    with pytest.raises(ringrt.RingrtError, match=f"keeps its KV history as {dtype}, this session as f32"):
        model.session(workers=2, chunk=8, max_context=90, kv_store=store, resume=True)
    with model.session(workers=2, chunk=8, max_context=90, kv_store=store, kv_dtype=dtype, resume=True) as s:
        assert s.length == 50
        got = s.append(x[50:], all_timesteps=True)
        assert np.max(np.abs(got - want[50:])) <= tol


def test_errors_carry_the_runtimes_message(small_model, tmp_path):
    path, _, _, x = small_model
    with pytest.raises(ringrt.RingrtError, match="nope.rrt") as e:
        ringrt.load(tmp_path / "nope.rrt")
    assert e.value.code == 4 and e.value.status == "I/O error"
    model = ringrt.load(path)
    s = model.session(chunk=8, max_context=60)
    with pytest.raises(ringrt.RingrtError, match=r"float32 array \[T, 12\]"):
        s.append(np.zeros((5, 13), np.float32))
    with pytest.raises(ringrt.RingrtError, match="dtype int64"):
        s.append(np.zeros((5, 12), np.int64))
    bad = x[:5].copy()
    bad[3, 2] = np.nan
    with pytest.raises(ringrt.RingrtError, match="NaN") as e:
        s.append(bad)
    assert e.value.code == 1 and s.length == 0
    with pytest.raises(ringrt.RingrtError, match="max_context") as e:
        s.append(x[:61])
    assert e.value.code == 6
    s.append(x[:60])  # the session stays usable
    assert s.length == 60
    with pytest.raises(ringrt.RingrtError, match="kv_dtype 'bf16' is not a KV dtype"):
        model.session(kv_dtype="bf16")
    with pytest.raises(ringrt.RingrtError, match="workers must be a non-negative integer"):
        model.session(workers=-1)
    s.close()
    with pytest.raises(ringrt.RingrtError, match="closed"):
        s.append(x[:1])
