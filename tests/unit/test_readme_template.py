"""The README's table of template placeholders matches what the renderer provides."""

from __future__ import annotations

import re
from pathlib import Path

from render.docx import template_fields

README = Path(__file__).resolve().parents[2] / "README.md"


def test_template_fields_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- template-fields:start -->\n(.*?)<!-- template-fields:end -->", text, re.S)
    assert block, "README lacks the template-fields markers"
    names = re.findall(r"^\| `([a-z_]+)` \|", block.group(1), re.M)
    assert names == list(template_fields())
