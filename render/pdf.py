"""Convert a rendered .docx to PDF with headless LibreOffice.

LibreOffice maps Times New Roman to the metric-compatible Liberation Serif; install
``libreoffice-writer-nogui`` and ``fonts-liberation2`` (Debian), otherwise Vietnamese
syllables fall back to other fonts.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from core.errors import ConfigError, InputError

_CANDIDATES = ("soffice", "libreoffice")
_KNOWN_PATHS = (
    Path("/usr/bin/soffice"),
    Path("/usr/lib/libreoffice/program/soffice"),
    Path("/opt/libreoffice/program/soffice"),
    Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"),
)
_NOT_INSTALLED = (
    "Chưa cài LibreOffice nên không xuất được PDF: cài gói libreoffice-writer-nogui và "
    "fonts-liberation2 (sudo apt-get install libreoffice-writer-nogui fonts-liberation2), "
    "hoặc dùng bản .docx."
)


def find_soffice() -> str | None:
    """Locate the LibreOffice executable.

    Returns:
        The path of ``soffice`` (or ``libreoffice``) on PATH or in a usual install folder,
        or None when LibreOffice is not installed.
    """
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in _KNOWN_PATHS:
        if path.is_file():
            return str(path)
    return None


def _command(soffice: str, docx: Path, out_dir: Path, profile: Path) -> list[str]:
    """The soffice command line, with a private user profile so parallel runs don't clash."""
    return [
        soffice,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
        str(docx),
    ]


def convert_to_pdf(docx: Path, out_dir: Path, *, timeout: float = 120) -> Path:
    """Convert ``docx`` to ``out_dir/<stem>.pdf`` with LibreOffice.

    Args:
        docx: The .docx file to convert.
        out_dir: Folder for the PDF (created if missing).
        timeout: Seconds to wait for LibreOffice before giving up.

    Returns:
        The path of the PDF.

    Raises:
        InputError: ``docx`` does not exist.
        ConfigError: LibreOffice is not installed, timed out or failed to convert.
    """
    if not docx.is_file():
        raise InputError(f"Không tìm thấy tệp {docx.name} để xuất PDF.", detail=f"no such docx: {docx}")
    soffice = find_soffice()
    if soffice is None:
        raise ConfigError(_NOT_INSTALLED, detail="LibreOffice (soffice) not found on PATH")
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf = out_dir / f"{docx.stem}.pdf"
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ketluan-lo-") as tmp:
        cmd = _command(soffice, docx.resolve(), out_dir.resolve(), Path(tmp) / "profile")
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ConfigError(
                f"LibreOffice không xuất xong PDF sau {timeout:.0f} giây.",
                detail=f"soffice timed out after {timeout}s converting {docx}",
            ) from exc
        except OSError as exc:
            raise ConfigError(_NOT_INSTALLED, detail=f"cannot run {soffice}: {exc!r}") from exc
    if proc.returncode != 0 or not pdf.is_file():
        raise ConfigError(
            "LibreOffice không xuất được PDF từ tệp Word này.",
            detail=f"soffice exit {proc.returncode} converting {docx}: {proc.stderr.strip() or proc.stdout.strip()}",
        )
    return pdf
