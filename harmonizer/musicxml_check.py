"""Check a MusicXML document before music21 sees it: safe XML, a score we can read, sane values.

One pass of expat (the C parser Python ships) over the document:

* refuses every entity declaration (internal ones make billion-laughs and
  quadratic blow-ups, external ones read other files: XXE) and never loads an
  external DTD, whatever the encoding;
* reports malformed XML with its line and column;
* refuses what music21 would read wrongly or die on, naming the part and the
  measure: ``score-timewise`` and ``opus`` documents, divisions of 0 or less,
  negative or absurd durations, pitches outside MIDI 0..127, impossible time
  signatures and transpositions;
* counts parts, measures, notes, nesting depth and the length of each part in
  beats against :mod:`harmonizer.limits`, so that a huge score is refused in
  the time expat takes to read it, not the minutes music21 would.

It also gives music21 the document as UTF-8 (music21 decodes bytes as UTF-8
whatever the XML declaration says).
"""

from __future__ import annotations

import math
import re
from xml.parsers import expat

from . import limits
from .errors import InputError, NoMelodyError, UnsupportedInputError

__all__ = ["check_musicxml", "check_plain_xml", "as_utf8", "MAX_DEPTH", "MAX_TRANSPOSITION"]

#: Deepest element nesting we accept (real MusicXML nests about 8 deep).
MAX_DEPTH = 100
#: Largest transposition of a part, in semitones (a contrabass clarinet sounds 27 below).
MAX_TRANSPOSITION = 48
#: Largest time-signature denominator (``<beat-type>``).
MAX_BEAT_TYPE = 128
#: Most beats in one time signature (music21 takes quadratic time in them: 16 s for 1000/4).
MAX_TIME_BEATS = 64
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8 = {"utf-8", "utf8", "us-ascii", "ascii"}


class _Refusal(Exception):
    def __init__(self, what: str, error: type[InputError] = InputError) -> None:
        super().__init__(what)
        self.error = error


def as_utf8(name: str, xml: bytes) -> bytes:
    """The document as UTF-8, with its XML declaration saying so (unchanged if it already is)."""
    if xml[:2] in _UTF16_BOMS:
        encoding = "utf-16"
    else:
        match = _DECLARATION.match(xml[:200].lstrip(b"\xef\xbb\xbf"))
        encoding = match.group(1).decode("ascii").lower() if match else "utf-8"
        if encoding in _UTF8:
            return xml
    try:
        text = xml.decode(encoding)
    except LookupError as error:
        raise InputError(f"{name}: the XML declares encoding {encoding!r}, which is unknown") from error
    except UnicodeDecodeError as error:
        raise InputError(f"{name}: the XML is not valid {encoding} (byte {error.start})") from error
    text = re.sub(r"^(\ufeff?\s*<\?xml[^>]*?encoding\s*=\s*[\"'])[A-Za-z0-9._-]+", r"\1UTF-8", text,
                  count=1)
    return text.encode("utf-8")


def check_plain_xml(name: str, xml: bytes, what: str) -> None:
    """Refuse XML that declares entities or nests too deep (for an .mxl's
    META-INF/container.xml); whether it is well formed is left to the caller."""
    _Checker(name, xml, what, music=False).run()


def check_musicxml(name: str, xml: bytes) -> None:
    """Refuse a MusicXML document that is unsafe, malformed, not a partwise score, or beyond
    the limits, with one line naming the file and the place (line and column, or part and
    measure).  Raises :class:`InputError`, :class:`UnsupportedInputError` (timewise, opus) or
    :class:`NoMelodyError` (no parts)."""
    _Checker(name, xml, "MusicXML", music=True).run()


class _Checker:
    def __init__(self, name: str, xml: bytes, what: str, music: bool) -> None:
        self.name, self.xml, self.what, self.music = name, xml, what, music
        self.parser = expat.ParserCreate()
        self.path: list[str] = []
        self.text: list[str] = []
        self.root: str | None = None
        self.parts = 0
        self.part_id = ""
        self.part_names: dict[str, str] = {}  # <score-part id> -> its <part-name>
        self.score_part = ""
        self.measure = ""
        self.measures = self.part_measures = 0
        self.notes = 0
        self.sounded = self.lasting = False  # whether the part has a pitched note / one that lasts
        self.pitched = False  # whether the current note has a pitch
        self.divisions_given = False  # by the current part
        self.times = 0
        self.divisions = 1.0
        self.part_position = 0.0  # in divisions, from the start of the part
        self.measure_start = 0.0
        self.position = 0.0  # within the measure
        self.measure_length = 0.0
        self.in_chord = False
        self.is_grace = False
        self.pitch: dict[str, str] = {}
        self.transpose: dict[str, str] = {}
        self.time: dict[str, str] = {}

    # -- running the parser and reporting ------------------------------------------------

    def run(self) -> None:
        parser = self.parser
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.EntityDeclHandler = self._entity
        parser.UnparsedEntityDeclHandler = self._unparsed_entity
        parser.ExternalEntityRefHandler = self._external_entity
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._characters
        parser.buffer_text = True
        try:
            parser.Parse(self.xml, True)
        except expat.ExpatError as error:
            if not self.music:
                return
            # The shape of ElementTree's messages, which music21 users know (column from 0).
            reason = expat.ErrorString(error.code)
            raise InputError(f"{self.name}: malformed XML ({reason}: line {error.lineno}, column "
                             f"{error.offset})") from None
        except _Refusal as refusal:
            raise refusal.error(f"{self.name}: {self._where()}{refusal}") from None
        except (LookupError, ValueError) as error:  # an encoding expat cannot read (multi-byte)
            raise InputError(f"{self.name}: {self.what} declares an encoding that cannot be read "
                             f"({error})") from None
        if self.music and self.parts == 0:
            raise NoMelodyError(f"{self.name}: no part holds pitched notes (the score has no <part>)")

    def _where(self) -> str:
        line = f"line {self.parser.CurrentLineNumber}"
        part = self.part_names.get(self.part_id, self.part_id)
        if self.part_id and self.measure:
            return f"measure {self.measure} of part {part!r} ({line}): "
        if self.part_id:
            return f"part {part!r} ({line}): "
        return f"{line}: "

    def _entity(self, *_: object) -> None:
        raise _Refusal(f"{self.what} declares entities in its DOCTYPE (<!ENTITY); refused")

    def _unparsed_entity(self, *_: object) -> None:
        raise _Refusal(f"{self.what} declares entities in its DOCTYPE (<!ENTITY); refused")

    def _external_entity(self, *_: object) -> int:
        raise _Refusal(f"{self.what} refers to an external entity; refused")

    # -- the element walk -------------------------------------------------------------------

    def _characters(self, data: str) -> None:
        if self.path and self.path[-1] in _VALUED:
            self.text.append(data)

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        if len(self.path) >= MAX_DEPTH:
            raise _Refusal(f"elements nest more than {MAX_DEPTH} deep, the limit")
        if self.root is None:
            self.root = tag
            if self.music:
                self._check_root(tag)
        self.path.append(tag)
        self.text = []
        if not self.music:
            return
        parent = self.path[-2] if len(self.path) >= 2 else ""
        if tag == "part" and parent == "score-partwise":
            self.parts += 1
            if self.parts > limits.MAX_TRACKS:
                raise _Refusal(f"more than {limits.MAX_TRACKS} parts, the limit")
            self.part_id = attributes.get("id", f"#{self.parts}")
            self.part_measures = 0
            self.measure = ""
            self.divisions = 1.0
            self.divisions_given = self.sounded = self.lasting = False
            self.part_position = self.measure_start = self.position = self.measure_length = 0.0
        elif tag == "score-part":
            self.score_part = attributes.get("id", "")
        elif tag == "measure" and parent == "part":
            self.measures += 1
            if self.measures > limits.MAX_MEASURES:
                raise _Refusal(f"more than {limits.MAX_MEASURES} measures in the score, the limit")
            self.part_measures += 1
            if self.part_measures > limits.MAX_NOTATION_BARS:
                raise _Refusal(f"more than {limits.MAX_NOTATION_BARS} measures in one part, the limit")
            self.measure = attributes.get("number", "?")
            self.measure_start = self.part_position
            self.position = self.measure_length = 0.0
        elif tag == "note":
            self.notes += 1
            if self.notes > limits.MAX_SCORE_NOTES:
                raise _Refusal(f"more than {limits.MAX_SCORE_NOTES} notes in the score, the limit")
            self.in_chord = self.is_grace = self.pitched = False
        elif tag == "pitch" and parent == "note":
            self.pitch = {}
        elif tag == "transpose":
            self.transpose = {}
        elif tag == "time" and parent == "attributes":
            self.time = {}
            self.times += 1
            if self.times > limits.MAX_TIME_SIGNATURES:
                raise _Refusal(f"more than {limits.MAX_TIME_SIGNATURES} time signatures in the score, "
                               "the limit")
        elif tag == "chord" and parent == "note":
            self.in_chord = True
        elif tag == "grace" and parent == "note":
            self.is_grace = True

    def _check_root(self, tag: str) -> None:
        if tag == "score-timewise":
            raise _Refusal("score-timewise MusicXML is not supported; save it as score-partwise "
                           "(what notation programs write)", UnsupportedInputError)
        if tag == "opus":
            raise _Refusal("a MusicXML opus (a list of scores) is not supported; open one of its "
                           "scores", UnsupportedInputError)
        if tag != "score-partwise":
            raise _Refusal(f"not a MusicXML score: the root element is <{tag}>, not <score-partwise>")

    def _end(self, tag: str) -> None:
        text = "".join(self.text).strip()
        self.text = []
        self.path.pop()
        if not self.music:
            return
        parent = self.path[-1] if self.path else ""
        if tag == "part-name" and parent == "score-part" and text:
            self.part_names.setdefault(self.score_part, text)
        elif tag == "divisions" and parent == "attributes":
            divisions = self._number(text, "<divisions>")
            if divisions <= 0:
                raise _Refusal(f"<divisions> is {text}; it must be positive")
            # the time so far, counted anew in the new unit (a change may come mid-measure)
            factor = divisions / self.divisions
            self.part_position *= factor
            self.measure_start *= factor
            self.position *= factor
            self.measure_length *= factor
            self.divisions, self.divisions_given = divisions, True
        elif tag == "duration" and parent in ("note", "backup", "forward"):
            self._duration(text, parent)
        elif parent == "pitch" and tag in ("step", "alter", "octave"):
            self.pitch[tag] = text
        elif tag == "pitch" and parent == "note":
            self._check_pitch()
            self.pitched = self.sounded = True
        elif parent == "transpose" and tag in ("chromatic", "octave-change"):
            self.transpose[tag] = text
        elif tag == "transpose":
            self._check_transpose()
        elif parent == "time" and tag in ("beats", "beat-type"):
            self.time.setdefault(tag, text)
        elif tag == "time" and parent == "attributes":
            self._check_time()
        elif tag == "measure" and parent == "part":
            self.part_position = self.measure_start + self.measure_length
        elif tag == "part" and parent == "score-partwise" and self.sounded and not self.lasting:
            self.measure = ""  # the whole part, not its last measure
            # music21 divides by the part's length, and fails on the score
            raise _Refusal("no pitched note lasts any time (every <duration> is 0, or none is given)")

    def _number(self, text: str, what: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise _Refusal(f"{what} {text!r} is not a number") from None
        if not math.isfinite(value):
            raise _Refusal(f"{what} {text!r} is not a finite number")
        return value

    def _duration(self, text: str, owner: str) -> None:
        value = self._number(text, "<duration>")
        if value < 0:
            raise _Refusal(f"<duration> of a <{owner}> is {text}; it must not be negative")
        if owner == "backup":
            # A backup past the bar line puts the next voice in the bar before, where music21
            # moves it without a word: a broken score, not ours to guess at.  Exporters round
            # tuplets, so real scores overshoot by a few divisions (OpenScore's lieder: 6 of
            # 1440); less than a 64th note is let through, and anything in a part that never
            # states its <divisions> (no unit to judge by).
            if self.divisions_given and value - self.position > self.divisions / 16:
                raise _Refusal(f"<backup> of {text} goes back past the start of the measure "
                               f"(only {self.position:g} divisions into it)")
            self.position = max(0.0, self.position - value)
            return
        if owner == "note" and self.pitched and value > 0:
            self.lasting = True
        if owner == "note" and (self.in_chord or self.is_grace):
            return
        self.position += value
        self.measure_length = max(self.measure_length, self.position)
        beats = (self.measure_start + self.measure_length) / self.divisions
        if beats > limits.MAX_BEATS:
            raise _Refusal(f"the part lasts more than {limits.MAX_BEATS:.0f} beats, the limit "
                           f"(<duration> {text} at <divisions> {self.divisions:g})")

    def _check_pitch(self) -> None:
        step = self.pitch.get("step", "")
        if step not in _STEPS:
            raise _Refusal(f"pitch step {step!r} is not one of A-G")
        octave_text = self.pitch.get("octave", "")
        try:
            octave = int(octave_text)
        except ValueError:
            raise _Refusal(f"pitch octave {octave_text!r} is not a whole number") from None
        alter = self._number(self.pitch.get("alter", "0") or "0", "pitch <alter>")
        midi = 12 * (octave + 1) + _STEPS[step] + alter
        if not 0 <= octave <= 9 or not 0 <= midi <= 127:
            spelled = f"{step}{'' if alter == 0 else f' alter {alter:g}'} octave {octave}"
            raise _Refusal(f"pitch {spelled} is outside MIDI 0..127 (octaves 0..9)")

    def _check_transpose(self) -> None:
        chromatic = self._number(self.transpose.get("chromatic", "0") or "0", "<chromatic>")
        octaves = self._number(self.transpose.get("octave-change", "0") or "0", "<octave-change>")
        total = chromatic + 12 * octaves
        if abs(total) > MAX_TRANSPOSITION or chromatic != int(chromatic) or octaves != int(octaves):
            raise _Refusal(f"<transpose> of {total:g} semitones is not a whole number within "
                           f"±{MAX_TRANSPOSITION}")

    def _check_time(self) -> None:
        beats, beat_type = self.time.get("beats"), self.time.get("beat-type")
        if beats is None or beat_type is None:
            return  # senza-misura, or an interchangeable symbol: music21 copes
        numbers = beats.replace(" ", "").split("+")
        if not all(part.isdigit() and int(part) > 0 for part in numbers) or not (
                beat_type.isdigit() and 0 < int(beat_type) <= MAX_BEAT_TYPE):
            raise _Refusal(f"time signature {beats}/{beat_type} is impossible (beats: whole numbers "
                           f"above 0, joined by '+'; beat type 1..{MAX_BEAT_TYPE})")
        if sum(int(part) for part in numbers) > MAX_TIME_BEATS:
            raise _Refusal(f"time signature {beats}/{beat_type} has more than {MAX_TIME_BEATS} beats, "
                           "the limit")


#: Elements whose text the checks read.
_VALUED = frozenset({"part-name", "divisions", "duration", "step", "alter", "octave", "chromatic",
                     "octave-change",
                     "beats", "beat-type"})
