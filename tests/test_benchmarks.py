"""The benchmark script's in-process sections still run against the engine's current API (one
repetition each): a benchmark that breaks silently measures nothing."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def bench():
    spec = importlib.util.spec_from_file_location("benchmarks_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module._lines.clear()
    return module


@pytest.mark.parametrize("section, title", [
    ("decoder", "## 3. Decoder"),
    ("variety_cost", "## 4. Variety"),
    ("bar_line_cost", "## 5. Chord changes by place in the bar"),
])
def test_a_benchmark_section_prints_its_table(bench, section, title):
    getattr(bench, section)(1)
    lines = bench._lines
    assert lines[0].startswith(title)
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| notes")
            and not line.startswith("| style")]
    assert rows and all("nan" not in row for row in rows)
    # every timing cell is a positive number
    cells = [cell.strip() for row in rows for cell in row.strip("|").split("|")[1:]]
    numbers = [float(cell) for cell in cells if cell.replace(".", "", 1).isdigit()]
    assert numbers and all(number > 0 for number in numbers)
