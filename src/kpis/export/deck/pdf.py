"""The deck as PDF, when LibreOffice is installed (headless conversion)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["deck_to_pdf", "libreoffice"]


def libreoffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def deck_to_pdf(pptx: bytes) -> bytes | None:
    """PDF of the deck through LibreOffice (optional); None when LibreOffice is not installed."""
    office = libreoffice()
    if office is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "deck.pptx"
        source.write_bytes(pptx)
        subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", folder, str(source)],
                       capture_output=True, timeout=180, check=False)
        target = Path(folder) / "deck.pdf"
        return target.read_bytes() if target.exists() else None
