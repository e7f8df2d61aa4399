"""Hostile and broken MusicXML: one clear line (file, what, where: line and column, or part and
measure), the documented exit code, refused before music21 sees it when it is unsafe, the input
untouched and nothing left behind.  Every bad file is built here as bytes."""

from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib

import pytest

from harmonizer import limits
from harmonizer.errors import InputError
from harmonizer.musicxml_in import read_score

from .hostile import accept, refuse

NOTE = ("<note><pitch><step>{step}</step><octave>4</octave></pitch><duration>1</duration>"
        "<type>quarter</type></note>")
TUNE = "".join(NOTE.format(step=s) for s in "CDEF")
ATTRIBUTES = ("<attributes><divisions>1</divisions><key><fifths>0</fifths></key>"
              "<time><beats>4</beats><beat-type>4</beat-type></time></attributes>")


def score(*measures: str, attributes: str = ATTRIBUTES, doctype: str = "", encoding: str = "UTF-8") -> bytes:
    """A one-part partwise score, a measure per argument (the first gets ``attributes``), one element
    per line so that line numbers in messages mean something."""
    body = "\n".join(f'<measure number="{n}">\n{attributes if n == 1 else ""}{m}\n</measure>'
                     for n, m in enumerate(measures, 1))
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n{doctype}'
            '<score-partwise version="4.0">\n<part-list>\n<score-part id="P1"><part-name>Melody</part-name>'
            f'</score-part>\n</part-list>\n<part id="P1">\n{body}\n</part>\n</score-partwise>\n'
            ).encode(encoding)


GOOD = score(TUNE, TUNE)


def two_parts(melody: str, bass: str) -> bytes:
    """A score of two one-measure parts, 'Melody' and 'Bass', an element per line."""
    parts = "".join(f'<part id="P{n}">\n<measure number="1">\n{ATTRIBUTES}{music}\n</measure>\n</part>\n'
                    for n, music in ((1, melody), (2, bass)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<score-partwise version="4.0">\n<part-list>\n'
            '<score-part id="P1"><part-name>Melody</part-name></score-part>\n'
            '<score-part id="P2"><part-name>Bass</part-name></score-part>\n</part-list>\n'
            f'{parts}</score-partwise>\n').encode()


def mxl(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def container(path: str) -> bytes:
    return (f'<?xml version="1.0"?><container><rootfiles><rootfile full-path="{path}" '
            'media-type="application/vnd.recordare.musicxml+xml"/></rootfiles></container>').encode()


BILLION_LAUGHS = ('<!DOCTYPE score-partwise [\n<!ENTITY a "lol">\n'
                  + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9))
                  + "]>\n")
QUADRATIC = f'<!DOCTYPE score-partwise [<!ENTITY big "{"x" * 100_000}">]>\n'
XXE = '<!DOCTYPE score-partwise [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
PARAMETER = '<!DOCTYPE score-partwise [<!ENTITY % remote SYSTEM "http://example.invalid/x.dtd"> %remote;]>\n'
UNPARSED = '<!DOCTYPE score-partwise [<!NOTATION n SYSTEM "x"><!ENTITY u SYSTEM "y" NDATA n>]>\n'
STANDARD = ('<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
            '"http://www.musicxml.org/dtds/partwise.dtd">\n')


def _with_reference(doctype: str, reference: str) -> bytes:
    return score(TUNE.replace("<type>quarter</type>", "<type>quarter</type>", 1), doctype=doctype).replace(
        b"<part-name>Melody</part-name>", f"<part-name>{reference}</part-name>".encode())


BAD = [
    # (bytes, name, exit code, words)
    pytest.param(GOOD.replace(b"</step>", b"</stop>", 1), "bad.musicxml", 3,
                 ["malformed XML (mismatched tag: line 8, column 153)"], id="malformed-xml"),
    pytest.param(GOOD[:200], "bad.musicxml", 3, ["malformed XML (unclosed token: line 8, column 0)"],
                 id="truncated-xml"),
    pytest.param(_with_reference(BILLION_LAUGHS, "&j;"), "bad.musicxml", 3,
                 ["line 3: MusicXML declares entities in its DOCTYPE (<!ENTITY); refused"],
                 id="billion-laughs"),
    pytest.param(_with_reference(QUADRATIC, "&big;" * 1000), "bad.musicxml", 3, ["<!ENTITY"],
                 id="quadratic-blowup"),
    pytest.param(_with_reference(XXE, "&xxe;"), "bad.musicxml", 3, ["<!ENTITY"], id="xxe-external-entity"),
    pytest.param(_with_reference(PARAMETER, ""), "bad.musicxml", 3, ["<!ENTITY"], id="xxe-parameter-entity"),
    pytest.param(_with_reference(UNPARSED, ""), "bad.musicxml", 3, ["<!ENTITY"], id="unparsed-entity"),
    pytest.param(_with_reference(XXE, "&xxe;").decode().replace("UTF-8", "UTF-16").encode("utf-16"),
                 "bad.musicxml", 3, ["<!ENTITY"], id="xxe-in-utf16"),
    pytest.param(_with_reference(XXE, "&xxe;").decode().replace("UTF-8", "UTF-16").encode("utf-16-be"),
                 "bad.musicxml", 3, ["<!ENTITY"], id="xxe-in-utf16-without-bom"),
    pytest.param(mxl({"META-INF/container.xml": container("s.xml"), "s.xml": _with_reference(XXE, "&xxe;")}),
                 "bad.mxl", 3, ["<!ENTITY"], id="xxe-inside-mxl"),
    pytest.param(mxl({"META-INF/container.xml": container("s.xml").replace(
        b"<container>", b'<!DOCTYPE c [<!ENTITY e SYSTEM "file:///etc/passwd">]><container>'),
        "s.xml": GOOD}),
        "bad.mxl", 3, ["META-INF/container.xml declares entities"], id="xxe-in-mxl-container"),
    pytest.param(b"PK\x03\x04" + b"\x00" * 60, "bad.mxl", 3, ["corrupt .mxl archive"], id="mxl-not-a-zip"),
    pytest.param(b"\x00\x01\x02 random bytes named .mxl", "bad.mxl", 3, ["neither MIDI", "nor MusicXML"],
                 id="mxl-random-bytes"),
    pytest.param(mxl({"META-INF/container.xml": container("s.xml"), "notes.txt": b"hello"}), "bad.mxl", 3,
                 ["holds no MusicXML score"], id="mxl-without-score"),
    pytest.param(mxl({"META-INF/container.xml": container("../../etc/passwd"), "s.xml": GOOD}), "bad.mxl", 3,
                 ["points outside the archive ('../../etc/passwd')"], id="mxl-container-points-outside"),
    pytest.param(mxl({"META-INF/container.xml": container("/etc/passwd"), "s.xml": GOOD}), "bad.mxl", 3,
                 ["points outside the archive ('/etc/passwd')"], id="mxl-container-absolute-path"),
    pytest.param(mxl({"../evil.xml": GOOD}), "bad.mxl", 3, ["member named outside itself ('../evil.xml')"],
                 id="mxl-member-outside"),
    pytest.param(b'<?xml version="1.0"?><score-timewise version="4.0"><part-list/></score-timewise>',
                 "bad.musicxml", 4, ["score-timewise MusicXML is not supported"], id="score-timewise"),
    pytest.param(b'<?xml version="1.0"?><opus version="4.0"><opus-link/></opus>', "bad.musicxml", 4,
                 ["opus", "is not supported"], id="opus"),
    pytest.param(b'<?xml version="1.0"?><score-partwise version="4.0"><part-list/></score-partwise>',
                 "bad.musicxml", 3, ["no part holds pitched notes (the score has no <part>)"], id="no-parts"),
    pytest.param(b"<html><body>a web page</body></html>", "bad.musicxml", 3,
                 ["not a MusicXML score: the root element is <html>"], id="not-musicxml"),
    pytest.param(score(TUNE, attributes="<attributes><divisions>0</divisions></attributes>"), "bad.musicxml",
                 3, ["measure 1 of part 'Melody' (line 8): <divisions> is 0; it must be positive"],
                 id="divisions-0"),
    pytest.param(score(TUNE, attributes="<attributes><divisions>-4</divisions></attributes>"),
                 "bad.musicxml", 3, ["<divisions> is -4"], id="divisions-negative"),
    pytest.param(score(TUNE.replace("<octave>4</octave>", "<octave>12</octave>", 1)), "bad.musicxml", 3,
                 ["measure 1 of part 'Melody'", "pitch C octave 12 is outside MIDI 0..127"],
                 id="pitch-octave-12"),
    pytest.param(score(TUNE.replace("<step>C</step>", "<step>C</step><alter>-3</alter>", 1).replace(
        "<octave>4</octave>", "<octave>-1</octave>", 1)), "bad.musicxml", 3, ["outside MIDI 0..127"],
        id="pitch-below-0"),
    pytest.param(score(TUNE.replace("<step>C</step>", "<step>H</step>", 1)), "bad.musicxml", 3,
                 ["pitch step 'H' is not one of A-G"], id="pitch-step-h"),
    pytest.param(score(TUNE.replace("<duration>1</duration>", "<duration>-1</duration>", 1)), "bad.musicxml",
                 3, ["<duration> of a <note> is -1; it must not be negative"], id="duration-negative"),
    pytest.param(score(TUNE.replace("<duration>1</duration>", "<duration>NaN</duration>", 1)), "bad.musicxml",
                 3, ["<duration> 'NaN' is not a finite number"], id="duration-nan"),
    pytest.param(score(TUNE.replace("<duration>1</duration>", "<duration>1e12</duration>", 1)),
                 "bad.musicxml", 3, ["the part lasts more than 100000 beats"], id="duration-absurd"),
    pytest.param(score("<forward><duration>999999999</duration></forward>" + TUNE), "bad.musicxml", 3,
                 ["the part lasts more than 100000 beats"], id="forward-absurd"),
    pytest.param(score(TUNE, attributes="<attributes><divisions>1</divisions><time><beats>0</beats>"
                                        "<beat-type>4</beat-type></time></attributes>"), "bad.musicxml", 3,
                 ["time signature 0/4 is impossible"], id="time-signature-0"),
    pytest.param(score(TUNE, attributes="<attributes><divisions>1</divisions><time><beats>1000</beats>"
                                        "<beat-type>4</beat-type></time></attributes>"), "bad.musicxml", 3,
                 ["time signature 1000/4 has more than 64 beats"], id="time-signature-1000-beats"),
    pytest.param(score(TUNE, attributes="<attributes><divisions>1</divisions><transpose><diatonic>0"
                                        "</diatonic><chromatic>1000</chromatic></transpose></attributes>"),
                 "bad.musicxml", 3, ["<transpose> of 1000 semitones"], id="transpose-absurd"),
    pytest.param(score(*[""] * (limits.MAX_NOTATION_BARS + 1)),
                 "bad.musicxml", 3, [f"more than {limits.MAX_NOTATION_BARS} measures in one part"],
                 id="huge-measure-count"),
    pytest.param(score("<a>" * 200 + "</a>" * 200 + TUNE), "bad.musicxml", 3, ["nest more than 100 deep"],
                 id="deep-nesting"),
    pytest.param(score(TUNE, encoding="UTF-8").replace(b'encoding="UTF-8"', b'encoding="X-NO-SUCH"'),
                 "bad.musicxml", 3, ["declares encoding 'x-no-such', which is unknown"],
                 id="unknown-encoding"),
    # UTF-7 spells '<' as '+ADw-': an entity declaration that a byte search would not see
    pytest.param(score(TUNE).replace(b'encoding="UTF-8"?>', b'encoding="UTF-7"?>'
                                     b'+ADw-!DOCTYPE score-partwise +AFs-+ADw-!ENTITY x SYSTEM '
                                     b'+ACI-file:///etc/passwd+ACI-+AD4-+AF0-+AD4-'),
                 "bad.musicxml", 3, ["<!ENTITY"], id="xxe-hidden-in-utf7"),
    pytest.param(score(TUNE.replace("<duration>1</duration>", "<duration>0</duration>")), "bad.musicxml", 3,
                 ["no pitched note lasts any time"], id="every-duration-0"),
    pytest.param(score(TUNE.replace("<duration>1</duration>", "")), "bad.musicxml", 3,
                 ["no pitched note lasts any time"], id="no-durations"),
    pytest.param(two_parts(TUNE, TUNE.replace("<duration>1</duration>", "<duration>0</duration>")),
                 "bad.musicxml", 3, ["part 'Bass' (line 16): no pitched note lasts any time"],
                 id="one-part-of-nothing-but-zero-durations"),
    pytest.param(score(TUNE, "<backup><duration>2</duration></backup>\n" + TUNE),
                 "bad.musicxml", 3, ["measure 2 of part 'Melody' (line 11): <backup> of 2 goes back past "
                                     "the start of the measure (only 0 divisions into it)"],
                 id="backup-past-the-bar-line"),
    pytest.param(score(TUNE.replace("<type>quarter</type>", "<type>longer-than-long</type>", 1)),
                 "bad.musicxml", 3, ["music21 cannot read it", "longer-than-long"],
                 id="music21-refuses-a-value"),
]


@pytest.mark.parametrize(("data", "name", "code", "words"), BAD)
def test_bad_musicxml_gets_one_line_naming_file_what_and_where(data, name, code, words, tmp_path, capsys):
    refuse(tmp_path, capsys, data, code, *words, name=name)


@pytest.mark.parametrize("doctype", [BILLION_LAUGHS, QUADRATIC, XXE, PARAMETER])
def test_entities_are_refused_before_music21_sees_the_file(doctype, monkeypatch):
    import music21.converter

    def never(*args, **kwargs):
        raise AssertionError("music21 must not see this file")

    monkeypatch.setattr(music21.converter, "parseData", never)
    started = time.perf_counter()
    with pytest.raises(InputError, match="ENTITY"):
        read_score(_with_reference(doctype, "&a;"))
    assert time.perf_counter() - started < 0.5


def _lying_zip(declared: int, actual: bytes) -> bytes:
    """One stored member 'score.xml' whose headers declare ``declared`` bytes uncompressed."""
    compressed = zlib.compress(actual)[2:-4]
    crc = zlib.crc32(actual)
    name = b"score.xml"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(compressed), declared,
                        len(name), 0) + name + compressed
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(compressed), declared,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + end


@pytest.mark.parametrize(
    ("archive", "words"),
    [
        pytest.param(_lying_zip(4_000_000_000, GOOD), "declares 4000000000 bytes uncompressed",
                     id="declares-4-GB"),
        pytest.param(mxl({"score.xml": b"<a/>" + b" " * 30_000_000}), "expands", id="ratio-of-a-zip-bomb"),
        pytest.param(_lying_zip(len(GOOD) // 4, GOOD), "corrupt .mxl archive member",
                     id="declares-too-little"),
        pytest.param(mxl({f"m{i}.txt": b"" for i in range(2000)}, zipfile.ZIP_STORED),
                     "declares 2000 members", id="too-many-members"),
    ],
)
def test_zip_bombs_are_refused_by_declared_sizes_in_well_under_a_second(archive, words, tmp_path, capsys):
    started = time.perf_counter()
    refuse(tmp_path, capsys, archive, 3, words, name="bomb.mxl")
    assert time.perf_counter() - started < 0.5


def test_too_many_notes_are_refused_before_music21(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(limits, "MAX_SCORE_NOTES", 5)
    refuse(tmp_path, capsys, GOOD, 3, "more than 5 notes in the score", name="many.musicxml")


def test_a_standard_doctype_is_read(tmp_path, capsys):
    target, err = accept(tmp_path, capsys, score(TUNE, TUNE, doctype=STANDARD), name="song.musicxml",
                         output="out.musicxml")
    assert err == "" and b"<harmony" in target.read_bytes()


def test_a_latin_1_score_is_read(tmp_path, capsys):
    data = score(TUNE, TUNE, encoding="ISO-8859-1").replace(b"Melody", "Mélodie".encode("latin-1"))
    target, err = accept(tmp_path, capsys, data, name="chanson.musicxml", output="out.musicxml")
    assert err == "" and "Mélodie" in target.read_text(encoding="utf-8")


def test_a_multi_byte_encoding_is_read(tmp_path, capsys):
    data = score(TUNE, TUNE, encoding="Shift_JIS").replace(b"Melody", "旋律".encode("shift_jis"))
    target, err = accept(tmp_path, capsys, data, name="uta.musicxml", output="out.musicxml")
    assert err == "" and "旋律" in target.read_text(encoding="utf-8")


def test_a_backup_that_overshoots_by_a_rounding_error_is_read(tmp_path, capsys):
    # exporters round tuplets: OpenScore's lieder back up 1440 divisions 1434 into a bar
    rounded = TUNE.replace("<duration>1</duration>", "<duration>480</duration>")
    lower = "".join(NOTE.format(step=s) for s in "GABG").replace("<octave>4<", "<octave>3<")
    lower = lower.replace("<duration>1</duration>", "<duration>480</duration>")
    data = score(rounded + "<backup><duration>1925</duration></backup>" + lower, rounded,
                 attributes=ATTRIBUTES.replace("<divisions>1<", "<divisions>480<"))
    target, err = accept(tmp_path, capsys, data, name="lied.musicxml", output="out.mid")
    assert err == "" and target.read_bytes()[:4] == b"MThd"


def test_a_backup_after_a_change_of_divisions_counts_in_the_new_unit(tmp_path, capsys):
    # two quarters at divisions 1, two at divisions 2, then a backup of the whole bar (8 of 2)
    half = "".join(NOTE.format(step=s) for s in "CD")
    later = half.replace("<duration>1</duration>", "<duration>2</duration>")
    later = later.replace("<octave>4<", "<octave>5<")
    lower = "".join(NOTE.format(step=s) for s in "GABG").replace("<octave>4<", "<octave>3<")
    data = score(half + "<attributes><divisions>2</divisions></attributes>" + later
                 + "<backup><duration>8</duration></backup>"
                 + lower.replace("<duration>1</duration>", "<duration>2</duration>"), TUNE)
    target, err = accept(tmp_path, capsys, data, name="changes.musicxml", output="out.mid")
    assert err == "" and target.read_bytes()[:4] == b"MThd"


def test_a_plain_musicxml_file_named_mxl_is_read_by_content(tmp_path, capsys):
    target, err = accept(tmp_path, capsys, GOOD, name="plain.mxl", output="out.mid")
    assert err == "" and target.read_bytes()[:4] == b"MThd"


def test_huge_measure_counts_are_refused_fast(tmp_path, capsys):
    data = score(*[""] * 1_000_000)
    started = time.perf_counter()
    refuse(tmp_path, capsys, data, 3, "measures in one part", name="long.musicxml")
    assert time.perf_counter() - started < 1.0
