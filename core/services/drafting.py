"""Use case: turn notes (or an edited extraction JSON) into a draft notice file."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from core.clock import Clock
from core.domain import Announcement, DraftOptions, Extraction
from core.errors import InputError
from core.services.extraction import ExtractionService
from nlp.compose import compose_announcement
from render.docx import render_docx
from render.extraction import from_json_dict
from render.markdown import render_markdown, render_text
from render.pdf import convert_to_pdf

logger = logging.getLogger(__name__)

OUTPUT_SUFFIXES = (".docx", ".pdf", ".md", ".txt")


def merge_options(base: DraftOptions, overrides: DraftOptions) -> DraftOptions:
    """``base`` with every field that ``overrides`` sets (not None) replaced."""
    changes = {f.name: getattr(overrides, f.name) for f in fields(overrides) if getattr(overrides, f.name) is not None}
    return replace(base, **changes)


@dataclass(frozen=True, slots=True)
class DraftService:
    """Drafts Thông báo kết luận files from notes or extraction JSON."""

    extraction: ExtractionService
    options: DraftOptions  # the organisation's defaults (settings)
    clock: Clock
    timezone: ZoneInfo
    template: Path | None = None  # the organisation's .docx; the bundled one when None

    def today(self) -> date:
        """The current date where the organisation is."""
        return self.clock.now().astimezone(self.timezone).date()

    def load(self, path: Path, *, meeting_date: date | None = None) -> Extraction:
        """Notes (.txt/.docx/.pdf) are extracted; a ``.json`` file is read as ``extract --json`` output."""
        if path.suffix.lower() != ".json":
            return self.extraction.extract_file(path, meeting_date=meeting_date)[1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise InputError(f"Không tìm thấy tệp {path.name}.", detail=f"no such file: {path}") from exc
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"Không đọc được tệp JSON {path.name}: {exc}.", detail=f"bad JSON {path}: {exc}") from exc
        return from_json_dict(data)

    def compose(self, extraction: Extraction, overrides: DraftOptions | None = None) -> Announcement:
        """Lay out the notice with the organisation's options and any per-draft overrides."""
        options = merge_options(self.options, overrides) if overrides else self.options
        return compose_announcement(extraction, options, today=self.today())

    def write(self, announcement: Announcement, out: Path) -> Path:
        """Write ``announcement`` as .docx, .pdf (via LibreOffice), .md or .txt, chosen by ``out``'s suffix."""
        suffix = out.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise InputError(
                f"Không hỗ trợ định dạng đầu ra {out.name}; chọn .docx, .pdf, .md hoặc .txt.",
                detail=f"unsupported output suffix {suffix!r}",
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if suffix == ".docx":
            render_docx(announcement, out, template=self.template)
        elif suffix == ".pdf":
            with tempfile.TemporaryDirectory(prefix="ketluan-draft-") as tmp:
                docx = render_docx(announcement, Path(tmp) / (out.stem + ".docx"), template=self.template)
                shutil.move(convert_to_pdf(docx, Path(tmp)), out)
        else:
            body = render_markdown(announcement) if suffix == ".md" else render_text(announcement)
            out.write_text(body, encoding="utf-8")
        logger.info("draft written", extra={"format": suffix, "duration_s": round(time.perf_counter() - started, 3)})
        return out

    def draft(
        self, source: Path, out: Path, *, overrides: DraftOptions | None = None, meeting_date: date | None = None
    ) -> Path:
        """Read ``source``, compose the notice and write it to ``out``."""
        extraction = self.load(source, meeting_date=meeting_date)
        return self.write(self.compose(extraction, overrides), out)
