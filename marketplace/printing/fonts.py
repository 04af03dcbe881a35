"""The font the PDFs are set in: Noto Sans SC (SIL Open Font License 1.1), which covers
Latin and simplified Chinese, shipped by the pip package ``justmytype-intl-cjk`` (pinned in
requirements.txt), so a fresh ``make run`` has it: no system font is looked for.

The packaged font is *variable* (weight axis 100-900, default Thin) and 17 MB. Making a
static Regular and Bold of the whole font takes ~20 s each, so each document instead
subsets the variable font to the characters it uses (a few hundred glyphs, ~0.4 s) and
makes the static weights from that small subset. fpdf2 then embeds that subset again:
a proforma's PDF carries a few kB of font, not megabytes.
"""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

FONT_PACKAGE = "justmytype_intl_cjk"
FONT_FILE = "fonts/ofl/notosanssc/NotoSansSC[wght].ttf"
FAMILY = "NotoSansSC"
REGULAR = 400
BOLD = 700


class FontMissing(RuntimeError):
    """The font package is not installed (``pip install -r requirements.txt``)."""


def font_path() -> Path:
    """The variable Noto Sans SC inside the installed font package."""
    try:
        path = Path(str(resources.files(FONT_PACKAGE).joinpath(FONT_FILE)))
    except ModuleNotFoundError as exc:
        raise FontMissing(
            f"The PDF font package {FONT_PACKAGE!r} is not installed: "
            "pip install -r requirements.txt"
        ) from exc
    if not path.is_file():
        raise FontMissing(f"The PDF font is missing from the package: {path}")
    return path


def _subset(text: str) -> bytes:
    """The variable font cut down to the characters of ``text`` (axes kept)."""
    options = subset.Options()
    options.layout_features = []  # fpdf2 sets the text without shaping
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "vhea", "vmtx", "STAT"]
    options.notdef_outline = True
    options.hinting = False  # screen hinting is no use in print, and it weighs
    options.name_IDs = ["*"]
    font = TTFont(font_path(), lazy=True, recalcTimestamp=False)
    try:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
    finally:
        font.close()
    return buffer.getvalue()


def static_fonts(text: str, directory: Path) -> dict[str, Path]:
    """Regular ("") and bold ("B") static fonts covering ``text``, written into
    ``directory`` (fpdf2 reads fonts from files): ``{style: path}``."""
    # Digits, Latin letters and punctuation always: page numbers and amounts need them.
    characters = set(text) | {chr(code) for code in range(0x20, 0x7F)}
    small = _subset("".join(sorted(characters)))
    paths = {}
    for style, weight in (("", REGULAR), ("B", BOLD)):
        variable = TTFont(io.BytesIO(small), recalcTimestamp=False)
        static = instancer.instantiateVariableFont(variable, {"wght": weight}, static=True)
        _rename(static, "Bold" if style else "Regular")
        path = directory / f"{FAMILY}-{weight}.ttf"
        static.save(path)
        paths[style] = path
    return paths


def _rename(font: TTFont, style: str) -> None:
    """The static instance still calls itself "Thin" (the variable font's default)."""
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 2, 3, 4, 6, 16, 17):
            names.removeNames(nameID=record.nameID)
    for name_id, value in (
        (1, "Noto Sans SC"),
        (2, style),
        (3, f"NotoSansSC-{style}"),
        (4, f"Noto Sans SC {style}"),
        (6, f"NotoSansSC-{style}"),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
