"""ringrt.torch_model: a PyTorch model saved in ringrt's layout, converted by the real
ringrt-convert and run by ringrt, equals the same module's forward in double."""
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ringrt  # noqa: E402
from conftest import _tool  # noqa: E402
from ringrt.torch_model import RingEncoder  # noqa: E402

TOL = 2e-4

CASES = {
    "edifice": dict(embed_dim=12, hidden_size=16, num_heads=2, num_layers=2),
    "gqa_window_softcap_sinks": dict(embed_dim=8, hidden_size=16, num_heads=4, num_layers=2, num_kv_heads=2,
                                     sliding_window=5, logit_softcap=3.0, attention_sinks=True),
    "bidirectional_window": dict(embed_dim=16, hidden_size=16, num_heads=2, num_layers=1, causal=False,
                                 sliding_window=7),
}


def _randomised(options, seed):
    torch.manual_seed(seed)
    m = RingEncoder(**options)
    with torch.no_grad():  # every parameter away from its initial value, so a misplaced tensor shows
        for name, p in m.named_parameters():
            p.add_(torch.randn_like(p) * (0.3 if name.endswith(("gamma", "beta", "bias", "sinks")) else 0.1))
    return m


@pytest.mark.parametrize("case", sorted(CASES))
def test_saved_model_runs_in_ringrt_as_in_torch(case, tmp_path):
    options = CASES[case]
    m = _randomised(options, seed=len(case))
    m.save_ringrt(tmp_path)
    subprocess.run([_tool("RINGRT_CONVERT", "ringrt-convert"), "--config", str(tmp_path / "config.json"), "--weights",
                    str(tmp_path / "params.safetensors"), "--output", str(tmp_path / "m.rrt")], check=True,
                   stdout=subprocess.DEVNULL)
    T = 45
    x = np.random.default_rng(3).standard_normal((T, options["embed_dim"])).astype(np.float32)
    with torch.no_grad():
        want = m.double()(torch.from_numpy(x.astype(np.float64))).numpy()
    model = ringrt.load(tmp_path / "m.rrt")
    assert model.info.num_layers == options["num_layers"]
    with model.session(workers=2, chunk=8, max_context=T) as s:
        if options.get("causal", True):  # streamed in pieces
            got = np.concatenate([s.append(x[t:t + 10], all_timesteps=True) for t in range(0, T, 10)])
        else:
            got = s.append(x, all_timesteps=True)
    assert np.max(np.abs(got - want)) <= TOL, case
    assert np.std(want) > 0.1  # not a trivial output


def test_edifice_defaults_need_no_architecture_key(tmp_path):
    import json
    RingEncoder(embed_dim=8, hidden_size=8, num_heads=2, num_layers=1).save_ringrt(tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    assert "architecture" not in config and config["embed_dim"] == 8
    RingEncoder(embed_dim=8, hidden_size=8, num_heads=2, num_layers=1, num_kv_heads=1).save_ringrt(tmp_path / "g")
    assert json.loads((tmp_path / "g" / "config.json").read_text())["architecture"] == "ring_encoder"
