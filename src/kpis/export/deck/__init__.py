"""The board pack: a 16:9 PowerPoint deck with native, editable charts and tables, and speaker
notes written from the data. A PDF copy when LibreOffice is installed.

Modules: layout.py (slide primitives), slides.py (one function per section), pdf.py.
"""

from __future__ import annotations

import io

from pptx import Presentation

from kpis.export.boardpack import BoardData
from kpis.export.deck.layout import HEIGHT, WIDTH
from kpis.export.deck.pdf import deck_to_pdf, libreoffice
from kpis.export.deck.slides import (
    appendix,
    innovation,
    maturity,
    readiness,
    regions,
    scorecard,
    summary,
    title_slides,
    trends,
    value,
)

__all__ = ["BUILDERS", "SECTIONS", "build_deck", "deck_to_pdf", "libreoffice"]


SECTIONS = ("summary", "scorecard", "trends", "maturity", "readiness", "value", "innovation", "regions", "appendix")


BUILDERS = {"summary": summary, "scorecard": scorecard, "trends": trends, "maturity": maturity,
            "readiness": readiness, "value": value, "innovation": innovation, "regions": regions,
            "appendix": appendix}


def build_deck(data: BoardData, sections: list[str] | None = None, program: str = "AI program") -> bytes:
    """The board pack for one quarter and scope: title, agenda, then the chosen sections in order."""
    chosen = [s for s in SECTIONS if s in (sections or SECTIONS)]
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    title_slides(prs, data, program, chosen)
    for section in chosen:
        BUILDERS[section](prs, data)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
