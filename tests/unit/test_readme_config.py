"""The README's configuration table is the one generated from Settings."""

from __future__ import annotations

from pathlib import Path

from core.settings import settings_table_markdown

README = Path(__file__).resolve().parents[2] / "README.md"
START = "<!-- settings-table:start -->\n"
END = "<!-- settings-table:end -->"


def test_readme_settings_table_is_up_to_date() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1
    assert text.count(END) == 1
    documented = text.split(START, 1)[1].split(END, 1)[0]
    assert documented == settings_table_markdown(), (
        "README configuration table is stale: paste settings_table_markdown() between the markers"
    )
