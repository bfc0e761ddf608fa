"""Render the README's pictures from the demo workbooks (LibreOffice -> PDF -> PNG).

Run ``.venv/bin/python scripts/docs_pictures.py`` after ``cskpi demo --out out/demo`` and
``cskpi demo --out out/demo-fr --lang fr``; it writes docs/dashboard.png, docs/dashboard_fr.png,
docs/account.png, docs/at_risk.png and docs/score_check.png.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import kpi_core
from workbook_templates import engine
from workbook_templates.templates.account import account_layout, customer_subset
from workbook_templates.spec.labels import t
from workbook_templates.writing.xlsx import write_xlsx

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _png(workbook: Path, sheet: str, png: Path, dpi: int = 110) -> None:
    """The first page of `sheet`, without the page's white margins (Pillow comes with the predict extra)."""
    from PIL import Image, ImageChops

    with tempfile.TemporaryDirectory(prefix="cskpi-docs-") as tmp:
        pdf = engine.render_pdf(workbook, Path(tmp) / "page.pdf", sheet=sheet)
        engine.pdf_to_png(pdf, Path(tmp) / "page.png", dpi=dpi)
        with Image.open(Path(tmp) / "page.png") as page:
            page = page.convert("RGB")
            left, top, right, bottom = ImageChops.difference(page, Image.new("RGB", page.size, "white")).getbbox()
            pad = dpi // 8
            page.crop((max(left - pad, 0), max(top - pad, 0), min(right + pad, page.width),
                       min(bottom + pad, page.height))).save(png, optimize=True)
    print(png.relative_to(ROOT))


def main() -> int:
    demo, demo_fr = ROOT / "out" / "demo" / "portfolio.xlsx", ROOT / "out" / "demo-fr" / "portfolio.xlsx"
    for path in (demo, demo_fr):
        if not path.exists():
            sys.exit(f"{path} is missing: run cskpi demo first (see this script's docstring)")
    _png(demo, t("dashboard", "en"), DOCS / "dashboard.png")
    _png(demo_fr, t("dashboard", "fr"), DOCS / "dashboard_fr.png")
    _png(demo, t("followup", "en"), DOCS / "at_risk.png")
    _png(demo, t("score_check", "en"), DOCS / "score_check.png")
    ds = kpi_core.sample_dataset()
    risk = kpi_core.at_risk(ds)
    with tempfile.TemporaryDirectory(prefix="cskpi-docs-") as tmp:
        account = write_xlsx(account_layout(customer_subset(ds, [risk["customer_id"].iloc[0]])),
                             Path(tmp) / "account.xlsx")
        _png(account, t("account", "en"), DOCS / "account.png", dpi=200)
    return 0


if __name__ == "__main__":
    sys.exit(main())
