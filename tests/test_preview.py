"""Tests of harmonizer.preview: lead-sheet pictures (verovio + resvg) and audio (fluidsynth)."""

from __future__ import annotations

import re
import shutil
import sys
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from harmonizer.errors import InputError, OptionError
from harmonizer.preview import find_soundfont, render_audio, render_preview

from .conftest import EXAMPLES

#: Bars of (chord symbol or None, note, beats).
Bars = Sequence[Sequence[tuple[str | None, str, float]]]


def lead_sheet(tmp_path: Path, name: str, key_name: str, bars: Bars,
               title: str = "Test lead sheet") -> Path:
    """Write a one-part MusicXML lead sheet; ``bars`` holds (chord symbol or None, note, beats)."""
    from music21 import clef, harmony, key, metadata, meter, note, stream

    part = stream.Part()
    for number, content in enumerate(bars, start=1):
        measure = stream.Measure(number=number)
        if number == 1:
            measure.append([clef.TrebleClef(), key.Key(key_name), meter.TimeSignature("4/4")])
        for symbol, pitch_name, beats in content:
            if symbol is not None:
                measure.append(harmony.ChordSymbol(symbol))
            measure.append(note.Note(pitch_name, quarterLength=beats))
        part.append(measure)
    score = stream.Score()
    score.metadata = metadata.Metadata(title=title)
    score.append(part)
    path = tmp_path / f"{name}.musicxml"
    score.write("musicxml", fp=path)
    return path


# D major: F# is in the key signature, the C natural needs its own accidental.
D_MAJOR: Bars = [[("D", "D4", 1), (None, "F#4", 1), ("A7", "A4", 1), (None, "C5", 1)],
           [("G", "B4", 2), ("D", "D5", 2)]]
# F major: the key signature's flat, and B-flat in the chord symbol (music21 writes "B-").
F_MAJOR: Bars = [[("F", "F4", 2), ("B-", "B-4", 2)], [("C7", "E4", 2), ("F", "F4", 2)]]


def ink(png: Path) -> tuple[tuple[int, int], float]:
    """The PNG's size and its share of dark pixels."""
    pixels = grey(png)
    return (pixels.shape[1], pixels.shape[0]), float((pixels < 128).mean())


def dark_pixels(png: Path) -> int:
    return int((grey(png) < 128).sum())


def grey(png: Path) -> np.ndarray:
    from PIL import Image  # in the test extra: a missing Pillow must fail, not skip

    with Image.open(png) as picture:
        return np.asarray(picture.convert("L"))


class TestRenderPreview:
    @pytest.fixture(autouse=True)
    def _verovio(self) -> None:
        pytest.importorskip("verovio")
        pytest.importorskip("music21")

    @pytest.mark.parametrize("key_name, bars", [("D", D_MAJOR), ("F", F_MAJOR)], ids=["D-major", "F-major"])
    def test_png_is_a_picture_of_the_music(self, tmp_path: Path, key_name: str, bars: Bars) -> None:
        score = lead_sheet(tmp_path, "song", key_name, bars)
        out = render_preview(score, tmp_path / "song.png")
        assert out == tmp_path / "song.png"
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        (width, height), dark = ink(out)
        assert 400 <= width <= 1800 and 150 <= height <= 800  # cut to the music
        assert 0.01 < dark < 0.3  # staff, notes and text, on a white page
        assert sorted(p.name for p in tmp_path.iterdir()) == ["song.musicxml", "song.png"]  # no temp left

    def test_svg_holds_chord_symbols_and_accidentals(self, tmp_path: Path) -> None:
        svg = render_preview(lead_sheet(tmp_path, "d", "D", D_MAJOR), tmp_path / "d.svg").read_text()
        assert svg.startswith("<svg")
        for text in (">D<", ">A7<", ">G<", "Test lead sheet"):
            assert text in svg
        # SMuFL glyphs drawn as paths: sharp (key signature) and natural (the C natural).
        assert 'id="E262-' in svg and 'id="E261-' in svg

    def test_svg_of_f_major_has_flat(self, tmp_path: Path) -> None:
        svg = render_preview(lead_sheet(tmp_path, "f", "F", F_MAJOR), tmp_path / "f.svg").read_text()
        assert ">C7<" in svg
        assert 'id="E260-' in svg  # the flat of the key signature, a glyph drawn as a path
        # The flat of "B♭" is a character of the music font (a SMuFL private-use code point).
        assert re.search(r'>B</tspan><tspan font-family="Leipzig"[^>]*>[\ue000-\uf8ff]</tspan>', svg)

    def test_chord_symbols_reach_the_png(self, tmp_path: Path) -> None:
        # resvg drops text whose font it lacks without a word: the chords must add ink.
        without: Bars = [[(None, p, b) for _, p, b in bar] for bar in D_MAJOR]
        bare = render_preview(lead_sheet(tmp_path, "bare", "D", without, title=""), tmp_path / "bare.png")
        chords = render_preview(lead_sheet(tmp_path, "chords", "D", D_MAJOR, title=""),
                                tmp_path / "chords.png")
        assert dark_pixels(chords) > dark_pixels(bare) + 400  # "D A7 G D" are about 700 pixels

    def test_sharp_in_a_chord_symbol_is_drawn(self, tmp_path: Path) -> None:
        # The sharp of "F♯m" is a music-font character: it shows only if that font reaches resvg.
        def picture(symbol: str) -> int:
            path = lead_sheet(tmp_path, symbol, "D", [[(symbol, "D4", 4)]], title="")
            return dark_pixels(render_preview(path, tmp_path / f"{symbol}.png"))

        assert picture("F#m") > picture("Fm") + 40  # the sharp is about 80 dark pixels

    def test_natural_chord_root_has_no_natural_sign(self, tmp_path: Path) -> None:
        # music21 writes <root-alter>0</root-alter> for the F of Fm in D major; no "F♮m" wanted.
        path = lead_sheet(tmp_path, "fm", "D", [[("Fm", "D4", 4)]])
        assert "<root-alter>0</root-alter>" in path.read_text()
        svg = render_preview(path, tmp_path / "fm.svg").read_text()
        assert ">Fm<" in svg

    def test_accepts_text_and_bytes(self, tmp_path: Path) -> None:
        score = lead_sheet(tmp_path, "s", "D", D_MAJOR)
        from_path = render_preview(score, tmp_path / "a.svg").read_text()
        assert ">A7<" in render_preview(score.read_text(), tmp_path / "b.svg").read_text()
        assert ">A7<" in render_preview(score.read_bytes(), tmp_path / "c.svg").read_text()
        assert from_path.count("<use") > 10

    def test_accepts_compressed_mxl(self, tmp_path: Path) -> None:
        from music21 import converter

        mxl = tmp_path / "s.mxl"
        converter.parse(lead_sheet(tmp_path, "s", "D", D_MAJOR)).write("mxl", fp=mxl)
        assert mxl.read_bytes()[:2] == b"PK"
        assert ">A7<" in render_preview(mxl, tmp_path / "s.svg").read_text()

    @pytest.mark.parametrize("score, problem", [
        pytest.param(b"just words", "not MusicXML", id="not-xml"),
        pytest.param(b"<score-partwise version='4.0'><part-list/></score-partwise>", "no measures",
                     id="no-measures"),
        pytest.param(b"\xff\xfe\x00\xd8<", "neither UTF-8 nor UTF-16", id="bad-encoding"),
    ])
    def test_bad_score_is_an_input_error(self, tmp_path: Path, score: bytes, problem: str) -> None:
        with pytest.raises(InputError, match=problem):
            render_preview(score, tmp_path / "out.svg")
        assert list(tmp_path.iterdir()) == []

    def test_long_score_stacks_its_pages(self, tmp_path: Path) -> None:
        from music21 import meter, note, stream

        part = stream.Part([meter.TimeSignature("4/4")])
        part.append([note.Note("C5") for _ in range(4 * 220)])
        path = tmp_path / "long.musicxml"
        stream.Score([part]).write("musicxml", fp=path)
        svg = render_preview(path, tmp_path / "long.svg").read_text()
        assert svg.count("<svg ") > 2  # the outer document and one per page
        (_, height), _ = ink(render_preview(path, tmp_path / "long.png"))
        assert height > 3000

    def test_unknown_suffix_is_an_option_error(self, tmp_path: Path) -> None:
        with pytest.raises(OptionError, match=r"\.png or \.svg"):
            render_preview(b"<score-partwise/>", tmp_path / "out.pdf")

    def test_missing_score_is_an_input_error(self, tmp_path: Path) -> None:
        with pytest.raises(InputError, match="missing.musicxml"):
            render_preview(tmp_path / "missing.musicxml", tmp_path / "out.svg")
        assert not (tmp_path / "out.svg").exists()


def test_missing_verovio_names_the_install_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "verovio", None)  # import verovio now raises ImportError
    with pytest.raises(OptionError, match=r"pip install 'harmonizer\[preview\]'"):
        render_preview(b"<score-partwise/>", tmp_path / "out.png")


def test_missing_fluidsynth_names_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(OptionError, match="apt-get install fluidsynth fluid-soundfont-gm"):
        render_audio(EXAMPLES / "ode_to_joy.mid", tmp_path / "out.wav")


@pytest.mark.skipif(shutil.which("fluidsynth") is None or find_soundfont() is None,
                    reason="needs fluidsynth and a soundfont: apt-get install fluidsynth fluid-soundfont-gm")
def test_audio_of_ode_to_joy(tmp_path: Path) -> None:
    out = render_audio(EXAMPLES / "ode_to_joy.mid", tmp_path / "ode.wav")
    assert out == tmp_path / "ode.wav"
    assert [p.name for p in tmp_path.iterdir()] == ["ode.wav"]  # the temporary file was renamed
    with wave.open(str(out), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (2, 2, 44100)
        seconds = reader.getnframes() / reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    assert 32 <= seconds <= 45  # 16 bars of 4/4 at 120 bpm, plus the reverb's tail
    assert np.abs(samples.astype(np.int32)).max() > 1000
