"""Every original message of every track survives harmonization, on a sample of real corpus
files (the whole corpora: scripts/preservation.py)."""

import mido
import pytest

from harmonizer import harmonize_file

from .conftest import SHARED_DATA

SAMPLE = sorted((SHARED_DATA / "nottingham" / "MIDI").glob("*.mid"))[::100] + sorted(
    (SHARED_DATA / "pop909" / "POP909").glob("*/*.mid"))[::150]


@pytest.mark.filterwarnings("ignore::harmonizer.errors.InputWarning")  # POP909 overlaps notes
@pytest.mark.skipif(not SAMPLE, reason="needs ../shared/data beside the checkout")
@pytest.mark.parametrize("path", SAMPLE, ids=[p.name for p in SAMPLE])
def test_corpus_file_keeps_every_message(path, tmp_path):
    target = tmp_path / "out.mid"
    harmonize_file(path, target, style="folk", alternatives=1)
    original = mido.MidiFile(path)
    written = mido.MidiFile(target)
    assert len(written.tracks) == len(original.tracks) + 1
    for old, new in zip(original.tracks, written.tracks):
        assert list(old) == list(new)
    assert written.tracks[-1].name == "Harmony"
