"""Every error the harmonizer raises on purpose.

Each class also inherits a built-in exception so that callers' existing
``except ValueError`` / ``except OSError`` clauses keep working.  The command
line maps each class to one exit code (see :data:`EXIT_CODES`).
"""

from __future__ import annotations

__all__ = [
    "HarmonizerError",
    "InputError",
    "UnsupportedInputError",
    "NoMelodyError",
    "OptionError",
    "OutputError",
    "ModelError",
    "InputWarning",
    "EXIT_CODES",
    "printable",
]


class HarmonizerError(Exception):
    """Base class of every error the harmonizer raises on purpose."""


class InputError(HarmonizerError, ValueError):
    """The input file or data is malformed: it breaks the format's rules."""


class UnsupportedInputError(InputError):
    """The input is well formed but uses something we cannot handle (e.g. MIDI format 2)."""


class NoMelodyError(InputError):
    """The input holds no usable melody (no notes, drums only, ...)."""


class OptionError(HarmonizerError, ValueError):
    """An option or argument is out of range: a bad key, style, degree or mask."""


class OutputError(HarmonizerError, OSError):
    """The result could not be written (existing file, read-only folder, ...)."""


class ModelError(HarmonizerError, RuntimeError):
    """A model file is missing, corrupt or does not match the engine."""


class InputWarning(UserWarning):
    """The input breaks a rule we can read past (notes never switched off, overlapping notes
    of one pitch, unknown chunks); what was done is said in one line naming the file."""


# One exit code per class of failure; documented in README.md.
EXIT_CODES: dict[type[HarmonizerError], int] = {
    OptionError: 2,
    InputError: 3,
    UnsupportedInputError: 4,
    NoMelodyError: 3,
    OutputError: 5,
    ModelError: 6,
}
INTERNAL_ERROR_EXIT = 70


def exit_code_for(error: BaseException) -> int:
    """Exit code of the most specific known class of ``error``."""
    for cls in type(error).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return INTERNAL_ERROR_EXIT


def printable(text: str) -> str:
    """``text`` with every character a terminal would obey rather than show (escape sequences,
    bells, line breaks: a file's track name or a file name may hold any) as its escape."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
