"""The 7-bit scale-degree target mask (bit d-1 set = degree d is a target).

Melody notes on target degrees get full priority (1.0) and the others half
(0.5); the engine multiplies each note's weight in its slot's profile by its
priority, so a mask changes which chords fit best.  A degree's alteration is
ignored when matching: target 7 covers the raised leading tone in minor too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .errors import OptionError
from .theory import Degree, parse_degree

__all__ = [
    "TARGET_PRIORITY",
    "OTHER_PRIORITY",
    "create_scale_degree_mask",
    "extract_target_degrees",
    "match_pattern_to_mask",
    "mask_coverage",
    "harmonization_priorities",
    "check_mask",
]

TARGET_PRIORITY = 1.0
OTHER_PRIORITY = 0.5
FULL_MASK = 0b1111111


def check_mask(mask: int) -> int:
    if isinstance(mask, bool) or not isinstance(mask, int) or not 0 <= mask <= FULL_MASK:
        raise OptionError(f"A scale-degree mask must be an integer in 0..127. Got {mask!r}.")
    return mask


def create_scale_degree_mask(target_degrees: Iterable[int | str | Degree]) -> int:
    """Mask with bit d-1 set for each target degree d; raises OptionError for a degree outside 1..7."""
    mask = 0
    for value in target_degrees:
        mask |= 1 << (parse_degree(value).number - 1)
    return mask


def extract_target_degrees(mask: int) -> list[int]:
    """The degrees (1..7, ascending) whose bits are set in ``mask``."""
    check_mask(mask)
    return [bit + 1 for bit in range(7) if mask & (1 << bit)]


def _numbers(pattern: Sequence[int | str | Degree]) -> list[int]:
    return [parse_degree(value).number for value in pattern]


def match_pattern_to_mask(pattern: Sequence[int | str | Degree], mask: int) -> list[bool]:
    """For each degree of ``pattern``: is it a target of ``mask``?"""
    check_mask(mask)
    return [bool(mask & (1 << (number - 1))) for number in _numbers(pattern)]


def mask_coverage(pattern: Sequence[int | str | Degree], mask: int) -> float:
    """Share of the pattern's notes that fall on target degrees (0.0 for an empty pattern)."""
    matches = match_pattern_to_mask(pattern, mask)
    return sum(matches) / len(matches) if matches else 0.0


def harmonization_priorities(pattern: Sequence[int | str | Degree], mask: int) -> list[float]:
    """Priority of each note: 1.0 on a target degree, 0.5 elsewhere."""
    return [TARGET_PRIORITY if hit else OTHER_PRIORITY for hit in match_pattern_to_mask(pattern, mask)]
