"""Every original message of every track survives harmonization, on a sample of real corpus
files and of music21's corpus converted to MIDI (the whole corpora: scripts/preservation.py)."""

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


MUSIC21_SAMPLE = ["bach/bwv66.6", "essenFolksong/teste", "palestrina/Agnus_01",
                  "monteverdi/madrigal.3.1.rntxt"]


@pytest.mark.filterwarnings("ignore::harmonizer.errors.InputWarning")
@pytest.mark.parametrize("work", MUSIC21_SAMPLE)
def test_music21_corpus_converted_to_midi_keeps_every_message(work, tmp_path):
    corpus = pytest.importorskip("music21.corpus")
    from music21 import stream

    parsed = corpus.parse(work)
    score = parsed.scores[0] if isinstance(parsed, stream.Opus) else parsed
    source = tmp_path / "work.mid"
    score.write("midi", fp=str(source))
    target = tmp_path / "out.mid"
    harmonize_file(source, target, alternatives=1)
    original, written = mido.MidiFile(source), mido.MidiFile(target)
    assert len(written.tracks) == len(original.tracks) + 1
    for old, new in zip(original.tracks, written.tracks):
        assert list(old) == list(new)
