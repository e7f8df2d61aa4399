"""The shared key model's training command on a small real subset: a card the engine loads,
whose checksum, decisions and figures are real."""

import json
import shutil

import numpy as np
import pytest

from harmonizer.key_finding import KeyModel, estimate_key
from harmonizer.scorer import KEY_MODEL_FILE, MODELS_DIR, STYLES, key_model_digest, load_model
from harmonizer.training.key_model import BLANK_SHARES, main
from harmonizer.training.song_keys import accuracy, fit_minor_bias

from ..conftest import SHARED_DATA

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "nottingham").is_dir(),
                                reason="needs ../shared/data beside the checkout")


def test_the_command_writes_a_key_model_card_the_styles_load(tmp_path):
    corpus = str(SHARED_DATA / "nottingham")
    assert main(["--corpus", f"nottingham={corpus}", "--limit", "80", "--out", str(tmp_path)]) == 0
    card = json.loads((tmp_path / KEY_MODEL_FILE).read_text(encoding="utf-8"))
    assert card["command"] == f"python -m harmonizer.training.key_model --corpus nottingham={corpus} " \
                              f"--limit 80 --out {tmp_path}"
    data = card["data"]["corpora"]["nottingham"]
    assert data["style"] == "folk" and data["train"] > data["validation"] > 0
    assert data["train"] + data["validation"] + data["test"] == 80
    pooled = card["metrics"]["pooled"]
    assert card["fit"]["converged"] and card["fit"]["training_examples"] > data["train"]
    # One fit per share of default (blank) signatures; the kept one finds the most keys with the
    # validation songs' own signatures and with blank ones, counted alike (ties: the smaller share).
    trials = card["fit"]["blank_share_trials"]
    assert [t["blank_share"] for t in trials] == sorted(BLANK_SHARES)
    if any(t["kept"] for t in trials):
        best = max((t for t in trials if t["kept"]),
                   key=lambda t: round(t["own_signature"] + t["blank_signature"], 4))
        assert card["fit"]["blank_share"] == best["blank_share"]
        assert pooled["validation_with_openings"]["learned"] == best["own_signature"]
    # Only folk has its corpus here: it decides, blues follows jazz, the others keep the profiles.
    assert set(card["styles"]) == set(STYLES)
    assert {s for s, used in card["styles"].items() if used} <= {"folk"}
    if card["model"] is None:
        assert pooled["validation_with_openings"]["learned"] < pooled["validation_with_openings"]["profiles"]
        return
    model, folk = KeyModel.from_card(card["model"]), KeyModel.from_card(card["model"], "folk")
    assert card["sha256"] == key_model_digest(card["model"])
    # Folk decides with its own minor bias, on its corpus's validation songs and openings.
    decision = card["metrics"]["by_style_validation_with_openings"]["folk"]
    assert card["styles"]["folk"] == (decision["learned"] >= decision["profiles"])
    assert card["metrics"]["by_corpus"]["nottingham"]["validation_with_openings"]["learned"] \
        == decision["learned"]
    # The figures are what the model does: the pooled training accuracy is recomputed here.
    from harmonizer.training.corpora import load_corpus
    from harmonizer.training.dataset import split_of
    from harmonizer.training.train import SEED
    train = [s for s in load_corpus("nottingham", corpus, limit=80) if split_of(s, SEED) == "train"]
    assert accuracy(train, model) == pooled["train"]["learned"]
    assert accuracy(train, None) == pooled["train"]["profiles"]
    # ...and folk's minor bias is the one fitted to its training songs; the styles with no
    # corpus here learn none.
    biases = card["model"]["minor_bias"]
    # (to 1e-5: the card rounds the weights the bias is refitted on to 6 decimals)
    assert folk.minor_bias == biases["folk"] == pytest.approx(fit_minor_bias(model, train), abs=1e-5)
    assert biases["folk"] != 0.0 and all(biases[s] == 0.0 for s in STYLES if s != "folk")
    # Beside the shipped folk model, the engine finds keys with it when folk uses it.
    for name in ("folk.onnx", "folk.json"):
        shutil.copy(MODELS_DIR / name, tmp_path / name)
    bundle = load_model("folk", tmp_path)
    if card["styles"]["folk"]:
        assert np.array_equal(bundle.key_model.weights, model.weights)
        assert bundle.key_model.minor_bias == folk.minor_bias
        song = train[0]
        assert estimate_key(song.melody.notes, song.key_signature, model=bundle.key_model,
                            meter=song.melody.meter).key_model == "folk"
    else:
        assert bundle.key_model is None


def test_a_corpus_too_small_to_split_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="no songs in its train or validation split"):
        main(["--corpus", f"nottingham={SHARED_DATA / 'nottingham'}", "--limit", "2", "--out", str(tmp_path)])
    assert not (tmp_path / KEY_MODEL_FILE).exists()
