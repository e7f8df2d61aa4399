"""The README's table of the issue's targets says what the shipped model cards record."""

import json
import re

from harmonizer.scorer import MODELS_DIR, STYLES

from .conftest import ROOT

ROW = re.compile(r"^\| `(?P<style>\w+)` \| (?P<songs>\d+) [^|]+\| (?P<met>\d+) of (?P<count>\d+) \|")


def _readme_rows() -> list[tuple[str, int, int, int]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("**The issue's targets on the test songs**", 1)[1].split("\n\n")[1]
    rows = [ROW.match(line) for line in table.splitlines()[2:]]
    assert all(rows), "a row of the README's targets table does not read as style, songs, met"
    return [(m["style"], int(m["songs"]), int(m["met"]), int(m["count"])) for m in rows]


def _card_rows() -> list[tuple[str, int, int, int]]:
    rows = []
    for style in STYLES:
        evaluation = json.loads((MODELS_DIR / f"{style}.json").read_text())["metrics"]["evaluation"]
        for corpus, entry in evaluation["corpora"].items():
            targets = [t for t in evaluation["targets"] if t["corpus"] == corpus]
            rows.append((style, entry["data"]["test_songs_evaluated"], sum(t["met"] for t in targets),
                         len(targets)))
    return rows


def test_the_readme_counts_the_targets_the_cards_record():
    assert _readme_rows() == _card_rows()


def _readme_commands() -> list[str]:
    """The README's shell commands, each on one line (continuations joined, spaces collapsed)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    joined = "\n".join(blocks).replace("\\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines() if line.strip()]


def test_every_shipped_model_was_written_by_a_command_the_readme_gives():
    # The models in models/ are what the documented commands produce: each card's command is
    # one of README's, word for word (the jazz scorer's --ignore-feature included).
    commands = _readme_commands()
    for name in (*STYLES, "key_model"):
        card = json.loads((MODELS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        assert " ".join(card["command"].split()) in commands, name
