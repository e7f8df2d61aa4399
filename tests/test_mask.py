"""The notebook's 7-bit scale-degree mask, with its own test cases checked by definition."""

import pytest

from harmonizer.errors import OptionError
from harmonizer.mask import (
    create_scale_degree_mask,
    extract_target_degrees,
    harmonization_priorities,
    mask_coverage,
    match_pattern_to_mask,
)

SCALE = [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("targets", "mask", "coverage"),
    [
        pytest.param([1, 3, 5], 0b0010101, 3 / 7, id="tonic-triad"),
        pytest.param([2, 4, 6], 0b0101010, 3 / 7, id="subdominant-degrees"),
        pytest.param([5, 7], 0b1010000, 2 / 7, id="dominant-degrees"),
        pytest.param([1, 4, 5], 0b0011001, 3 / 7, id="primary-triads"),
        pytest.param([2, 3, 6, 7], 0b1100110, 4 / 7, id="secondary-degrees"),
    ],
)
def test_notebook_cases(targets, mask, coverage):
    assert create_scale_degree_mask(targets) == mask
    assert extract_target_degrees(mask) == sorted(targets)
    matches = match_pattern_to_mask(SCALE, mask)
    assert [d for d, hit in zip(SCALE, matches) if hit] == sorted(targets)
    assert mask_coverage(SCALE, mask) == pytest.approx(coverage)
    assert harmonization_priorities(SCALE, mask) == [1.0 if d in targets else 0.5 for d in SCALE]


def test_bit_d_minus_one_is_degree_d():
    for degree in range(1, 8):
        assert create_scale_degree_mask([degree]) == 1 << (degree - 1)


def test_altered_degrees_match_by_number():
    mask = create_scale_degree_mask([7])
    assert match_pattern_to_mask(["#7", "b7", 7, 1], mask) == [True, True, True, False]


def test_empty_pattern_has_zero_coverage_not_nan():
    assert mask_coverage([], 0b1) == 0.0


@pytest.mark.parametrize("bad", [0, 8, -1, "9", "x", True])
def test_degrees_outside_one_to_seven_are_refused(bad):
    with pytest.raises(OptionError):
        create_scale_degree_mask([bad])


@pytest.mark.parametrize("bad", [-1, 128, 1.5, None])
def test_masks_outside_seven_bits_are_refused(bad):
    with pytest.raises(OptionError):
        extract_target_degrees(bad)
