"""The training pipeline end to end on a small real subset: it must produce a model the
engine loads, with a model card whose checksum and metrics are real."""

import hashlib
import json

import pytest

from harmonizer.scorer import load_model
from harmonizer.training.train import train

from ..conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "nottingham").is_dir(),
                                reason="needs ../shared/data beside the checkout")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_retraining_a_small_model_gives_a_loadable_model_with_a_true_card(tmp_path):
    lines = []
    card = train("folk", [("nottingham", str(SHARED_DATA / "nottingham"))], tmp_path, limit=60,
                 model_names=("logistic",), command="test", log=lines.append)
    onnx_bytes = (tmp_path / "folk.onnx").read_bytes()
    on_disk = json.loads((tmp_path / "folk.json").read_text())
    assert on_disk["sha256"] == hashlib.sha256(onnx_bytes).hexdigest() == card["sha256"]
    assert on_disk["metrics"]["onnx_vs_sklearn_max_abs_difference"] < 1e-4
    split = on_disk["data"]["split"]
    assert split["train"]["songs"] > split["test"]["songs"] > 0
    nottingham = on_disk["metrics"]["test_per_corpus"]["nottingham"]
    # Even a tiny model beats always answering the most frequent chord.
    assert nottingham["given_key"]["exact"] > nottingham["most_frequent_chord_baseline_exact"]
    bundle = load_model("folk", directory=tmp_path)
    from harmonizer import harmonize_degrees

    result = harmonize_degrees([1, 2, 3, 4, 5, 4, 3, 2, 1], key="G", style="folk", model=bundle)
    assert result.harmonization[-1] == "I"
    assert bundle.card["features"] == on_disk["features"]


def test_a_corrupted_model_is_refused_by_its_checksum(tmp_path):
    from harmonizer.errors import ModelError
    from harmonizer.scorer import MODELS_DIR

    for suffix in (".onnx", ".json"):
        (tmp_path / f"classical{suffix}").write_bytes((MODELS_DIR / f"classical{suffix}").read_bytes())
    data = bytearray((tmp_path / "classical.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "classical.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256"):
        load_model("classical", directory=tmp_path)
