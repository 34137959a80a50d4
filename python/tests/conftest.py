"""Fixtures: a small model made by the build's ringrt-synth and ringrt-convert
(RINGRT_SYNTH, RINGRT_CONVERT: their paths; default build/converter/ of the repository)."""
import os
import pathlib
import subprocess

import numpy as np
import pytest

import reference

REPO = pathlib.Path(__file__).resolve().parents[2]


def _tool(env, name):
    path = os.environ.get(env) or str(REPO / "build" / "converter" / name)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{name} not found at {path} (set {env})")
    return path


@pytest.fixture(scope="session")
def small_model(tmp_path_factory):
    """(path to model.rrt, config, weights in double, input [90, 12] float32)."""
    d = tmp_path_factory.mktemp("model")
    subprocess.run([_tool("RINGRT_SYNTH", "ringrt-synth"), "--out-dir", str(d), "--embed-dim", "12",
                    "--hidden-size", "16", "--num-heads", "2", "--num-layers", "2", "--tokens", "90", "--seed", "7"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([_tool("RINGRT_CONVERT", "ringrt-convert"), "--config", str(d / "config.json"), "--weights",
                    str(d / "params.safetensors"), "--output", str(d / "model.rrt")], check=True,
                   stdout=subprocess.DEVNULL)
    config = reference.read_config(d / "config.json")
    weights = reference.read_safetensors(d / "params.safetensors")
    x = np.load(d / "input.npy")
    return d / "model.rrt", config, weights, x
