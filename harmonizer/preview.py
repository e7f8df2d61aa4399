"""See and hear a harmonized melody: the lead sheet as a picture, the MIDI file as a WAV.

``render_preview(musicxml, "out.png")`` engraves MusicXML (with its ``<harmony>`` chord
symbols) with verovio and writes an SVG, or a PNG rasterized by resvg.
``render_audio("song.mid", "song.wav")`` renders a MIDI file with the ``fluidsynth``
program and a General MIDI soundfont.

Both are optional: verovio, resvg-py and fonttools come with ``pip install 'harmonizer[preview]'``,
fluidsynth with ``apt-get install fluidsynth fluid-soundfont-gm``.  Each function raises
:class:`~harmonizer.errors.OptionError` with that install line when its tools are missing, and
writes its output atomically (temporary file beside the target, then renamed into place).

Why the fonts are handled by hand: verovio draws notes, clefs and accidentals on the staff as
SVG paths, but text (title, chord symbols) as ``<text>`` in Times, and the sharp or flat inside a
chord symbol (``F♯m``, ``B♭``) as a character of its SMuFL music font (Leipzig), declared by an
``@font-face`` holding a WOFF2 font.  resvg ignores ``@font-face``, cannot read WOFF2, and
silently drops text it finds no font for (without Times installed: every chord symbol).
We decode the WOFF2 fonts verovio ships (its music font and Liberation Serif, metrically
identical to the Times verovio measures text with) to TrueType with fontTools and hand exactly
those to resvg, with system fonts switched off: the PNG looks the same on every machine.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

from .errors import InputError, OptionError, OutputError
from .limits import MAX_FILE_BYTES
from .midi_out import atomic_path, write_atomic

__all__ = [
    "render_preview",
    "render_audio",
    "find_soundfont",
    "MAX_PREVIEW_PAGES",
    "SOUNDFONT_PATHS",
]

PREVIEW_INSTALL_HINT = "pip install 'harmonizer[preview]'"
AUDIO_INSTALL_HINT = "apt-get install fluidsynth fluid-soundfont-gm"

#: Most pages stacked into one preview; later pages are left out (a lead sheet is a page or two).
MAX_PREVIEW_PAGES = 8

#: Where Debian/Ubuntu (fluid-soundfont-gm), Fedora, Arch and Homebrew put a General MIDI soundfont.
SOUNDFONT_PATHS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/sounds/sf2/default-GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/default.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM2-2.sf2"),
    Path("/opt/homebrew/share/soundfonts/default.sf2"),
    Path("/usr/local/share/soundfonts/default.sf2"),
)

#: Verovio's layout options: titles from the file, no "engraved by" footer, page as tall as the
#: music; unindented SVG, because resvg misplaces centred text (the title) when verovio's
#: indentation whitespace sits between its ``<tspan>`` elements.
_VEROVIO_OPTIONS: dict[str, Any] = {
    "inputFrom": "musicxml",
    "adjustPageHeight": True,
    "adjustPageWidth": True,
    "footer": "none",
    "svgFormatRaw": True,
}
_TEXT_FONT = "Liberation Serif"
_SVG_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)px"[^>]*?\bheight="([\d.]+)px"')
_WOFF2 = re.compile(r"base64,([A-Za-z0-9+/=]+)")
_ZERO_ALTER = re.compile(r"<(root|bass)-alter>\s*[-+]?0*(?:\.0*)?\s*</\1-alter>")


def render_preview(
    musicxml: bytes | str | Path,
    out_path: Path | str,
    *,
    page_width: int = 2100,
    scale: int = 40,
    png_zoom: float = 2.0,
) -> Path:
    """Engrave ``musicxml`` and write the picture to ``out_path`` (``.svg`` or ``.png``).

    Parameters
    ----------
    musicxml
        The score: a path, MusicXML text (a ``str`` starting with ``<``), or bytes of MusicXML
        or of a compressed ``.mxl``.
    out_path
        Where to write; the suffix picks the format.  An existing file is replaced.
    page_width
        Verovio's page width in its layout units (2100 is an A4 page); it sets how many bars
        fit on a line.  The page is then cut to the music's width and height.
    scale
        Verovio's scale in percent: the SVG is at most ``page_width * scale / 100`` pixels wide.
    png_zoom
        The PNG is the SVG's size times this (the default 2 gives a 1680-pixel-wide A4 line).

    Every page is drawn, stacked top to bottom in one picture, up to
    :data:`MAX_PREVIEW_PAGES`; pages after that are left out.

    Returns
    -------
    Path
        ``out_path``.

    Raises
    ------
    OptionError
        Unknown suffix, a size out of range, or verovio / resvg-py / fonttools not installed.
    InputError
        The score cannot be read or verovio cannot load it.
    OutputError
        The picture cannot be written.
    """
    out_path = Path(out_path)
    suffix = out_path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise OptionError(f"{out_path}: the preview must be a .png or .svg file. Got '{out_path.suffix}'.")
    if not 100 <= page_width <= 60000:
        raise OptionError(f"The 'page_width' of the preview must be in 100..60000. Got {page_width}.")
    if not 1 <= scale <= 1000:
        raise OptionError(f"The 'scale' of the preview must be in 1..1000. Got {scale}.")
    if not 0.1 <= png_zoom <= 10:
        raise OptionError(f"The 'png_zoom' of the preview must be in 0.1..10. Got {png_zoom}.")
    verovio = _import("verovio", "--preview", "verovio")
    data, source = _read_score(musicxml)

    toolkit = verovio.toolkit()
    toolkit.setOptions({**_VEROVIO_OPTIONS, "pageWidth": page_width, "scale": scale})
    if data[:2] == b"PK":  # a compressed .mxl (a zip file)
        loaded = toolkit.loadZipDataBase64(base64.b64encode(data).decode("ascii"))
    else:
        loaded = toolkit.loadData(_musicxml_text(data, source))
    if not loaded or toolkit.getPageCount() < 1:
        raise InputError(f"{source}: verovio cannot load this MusicXML")
    pages = [toolkit.renderToSVG(number)
             for number in range(1, min(toolkit.getPageCount(), MAX_PREVIEW_PAGES) + 1)]
    # Verovio accepts a score without music and draws an empty page; say so instead.
    if not any('class="measure' in page for page in pages):
        raise InputError(f"{source}: the MusicXML holds no measures to engrave")
    svg = pages[0] if len(pages) == 1 else _stack_pages(pages)

    if suffix == ".svg":
        payload = svg.encode("utf-8")
    else:
        payload = _rasterize(svg, toolkit.getResourcePath(), str(toolkit.getOptions()["font"]), png_zoom)
    write_atomic(out_path, lambda stream: stream.write(payload))
    return out_path


def _import(module: str, feature: str, package: str) -> Any:
    """``module``, or an OptionError naming the install line."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as error:
        raise OptionError(f"{feature} needs the '{package}' package: {PREVIEW_INSTALL_HINT}") from error


def _read_score(musicxml: bytes | str | Path) -> tuple[bytes, str]:
    """The score's bytes and a name for messages."""
    if isinstance(musicxml, bytes):
        return musicxml, "<MusicXML bytes>"
    if isinstance(musicxml, str) and musicxml.lstrip().startswith("<"):
        return musicxml.encode("utf-8"), "<MusicXML text>"
    path = Path(musicxml)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path}: the file is {size} bytes; at most {MAX_FILE_BYTES} are read")
        return path.read_bytes(), str(path)
    except OSError as error:
        raise InputError(f"{path}: cannot read the score ({error.strerror or error})") from error


def _musicxml_text(data: bytes, source: str) -> str:
    """The MusicXML text of ``data``, without chord-symbol alterations of zero.

    music21 writes ``<root-alter>0</root-alter>`` for a chord root that is natural against the
    key (an F chord in D major), and verovio prints that as "F♮".
    """
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError(f"{source}: the MusicXML is neither UTF-8 nor UTF-16 text")
    # Verovio "loads" any text at all; a score must at least have MusicXML's root element.
    if "<score-partwise" not in text and "<score-timewise" not in text:
        raise InputError(f"{source}: not MusicXML (no <score-partwise> or <score-timewise> element)")
    return _ZERO_ALTER.sub("", text)


def _stack_pages(pages: list[str]) -> str:
    """One SVG holding ``pages`` (verovio SVG documents) top to bottom."""
    placed = []
    width = height = 0.0
    for page in pages:
        size = _SVG_SIZE.search(page)
        if size is None:
            raise OutputError("verovio returned an SVG page without a width and height in pixels")
        # Verovio suffixes every id (glyphs included) with a per-page token, so pages can share one
        # document without id clashes; only the vertical offset is added.
        placed.append(page.replace("<svg ", f'<svg y="{height:g}" ', 1))
        width = max(width, float(size.group(1)))
        height += float(size.group(2))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'version="1.1" width="{width:g}px" height="{height:g}px">' + "".join(placed) + "</svg>")


def _rasterize(svg: str, resource_path: str, music_font: str, zoom: float) -> bytes:
    """PNG bytes of ``svg``, on white, drawn with verovio's own fonts only."""
    resvg_py = _import("resvg_py", "a PNG preview", "resvg-py")
    _import("fontTools.ttLib", "a PNG preview", "fonttools")
    _import("brotli", "a PNG preview", "brotli")  # fontTools needs it to read WOFF2
    with tempfile.TemporaryDirectory(prefix="harmonizer-fonts-") as folder:
        font_files = _verovio_fonts(Path(resource_path), music_font, Path(folder))
        families = {name: _TEXT_FONT for name in ("font_family", "serif_family", "sans_serif_family",
                                                  "cursive_family", "fantasy_family", "monospace_family")}
        try:
            return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="white", zoom=zoom,
                                               skip_system_fonts=True, font_files=font_files, **families))
        except ValueError as error:
            raise OutputError(f"resvg cannot rasterize the engraved score: {error}") from error


def _verovio_fonts(resource_path: Path, music_font: str, folder: Path) -> list[str]:
    """Decode the WOFF2 fonts of verovio's ``MUSIC_FONT.css`` and ``Liberation.css`` into ``folder``."""
    from fontTools.ttLib import TTFont

    files = []
    for css_name in (f"{music_font}.css", "Liberation.css"):
        css = resource_path / css_name
        try:
            fonts = _WOFF2.findall(css.read_text(encoding="utf-8"))
        except OSError as error:
            raise OptionError(f"{css}: verovio's font is missing ({error.strerror or error}); "
                              f"reinstall it: {PREVIEW_INSTALL_HINT}") from error
        for number, encoded in enumerate(fonts):
            font = TTFont(io.BytesIO(base64.b64decode(encoded)))
            font.flavor = None  # save as plain TrueType/OpenType, which resvg reads
            target = folder / f"{css.stem}-{number}.ttf"
            font.save(str(target))
            files.append(str(target))
    return files


def find_soundfont() -> Path | None:
    """The first General MIDI soundfont of :data:`SOUNDFONT_PATHS` that exists, or None."""
    return next((path for path in SOUNDFONT_PATHS if path.is_file()), None)


def render_audio(midi_path: Path | str, out_wav: Path | str, soundfont: Path | str | None = None) -> Path:
    """Render ``midi_path`` to a 44.1 kHz 16-bit stereo WAV file with the ``fluidsynth`` program.

    ``soundfont`` defaults to the first of :data:`SOUNDFONT_PATHS` found.  The WAV is rendered to a
    temporary file beside ``out_wav`` and renamed into place once it is known to hold sound; an
    existing file is replaced.

    Raises
    ------
    OptionError
        fluidsynth or a soundfont is not installed, or ``soundfont`` does not exist.
    InputError
        ``midi_path`` cannot be read.
    OutputError
        fluidsynth fails, the WAV is silent, or it cannot be written.
    """
    midi_path, out_wav = Path(midi_path), Path(out_wav)
    program = shutil.which("fluidsynth")
    if program is None:
        raise OptionError(f"--audio needs the fluidsynth program: {AUDIO_INSTALL_HINT}")
    if soundfont is None:
        soundfont = find_soundfont()
        if soundfont is None:
            raise OptionError(f"--audio needs a General MIDI soundfont: {AUDIO_INSTALL_HINT}")
    soundfont = Path(soundfont)
    if not soundfont.is_file():
        raise OptionError(f"{soundfont}: the soundfont does not exist")
    if not midi_path.is_file():
        raise InputError(f"{midi_path}: cannot read the MIDI file (no such file)")

    with atomic_path(out_wav, suffix=".wav") as temporary:
        command = [program, "-n", "-i", "-q", "-F", temporary, "-T", "wav", "-O", "s16",
                   "-r", "44100", "-g", "1.0", str(soundfont), str(midi_path)]
        try:
            finished = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise OutputError(f"{out_wav}: fluidsynth failed ({error})") from error
        if finished.returncode != 0:
            detail = " ".join((finished.stderr or finished.stdout).split())[:200]
            raise OutputError(f"{out_wav}: fluidsynth exited with {finished.returncode}: {detail}")
        _check_has_sound(Path(temporary), out_wav)
    return out_wav


def _check_has_sound(wav: Path, name: Path) -> None:
    """Raise OutputError unless ``wav`` is a 16-bit WAV file with at least one non-zero sample."""
    import numpy as np

    try:
        with wave.open(str(wav), "rb") as reader:
            if reader.getsampwidth() != 2:
                raise OutputError(f"{name}: fluidsynth wrote {8 * reader.getsampwidth()}-bit samples, not 16")
            samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    except (wave.Error, EOFError) as error:
        raise OutputError(f"{name}: fluidsynth wrote no valid WAV file ({error})") from error
    if samples.size == 0 or int(np.abs(samples.astype(np.int32)).max()) == 0:
        raise OutputError(f"{name}: the rendered audio is silent")
