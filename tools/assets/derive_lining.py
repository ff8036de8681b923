"""Make a font's lining figures its default figures: apply its OpenType `lnum` feature to the cmap.

EB Garamond draws old-style figures by default (`1` like a small-capital I, `0` like an o);
reportlab applies no OpenType features, so the only way to get lining figures on the page is
a face whose cmap already maps the digits to them. Every single substitution that the font's
`lnum` lookups make is applied to every cmap subtable; the face is renamed so it can never be
mistaken for the original. Usage: derive_lining.py SOURCE.ttf OUTPUT.ttf
"""

from __future__ import annotations

import sys

from fontTools.ttLib import TTFont

FAMILY = "EB Garamond 12 Lining"
POSTSCRIPT = "EBGaramond12-Lining"


def lining_substitutions(font: TTFont) -> dict[str, str]:
    gsub = font["GSUB"].table
    mapping: dict[str, str] = {}
    for record in gsub.FeatureList.FeatureRecord:
        if record.FeatureTag != "lnum":
            continue
        for index in record.Feature.LookupListIndex:
            lookup = gsub.LookupList.Lookup[index]
            if lookup.LookupType != 1:
                raise SystemExit(f"lnum lookup {index} is of type {lookup.LookupType}, not a single substitution")
            for subtable in lookup.SubTable:
                mapping.update(subtable.mapping)
    if not mapping:
        raise SystemExit("the font has no lnum feature")
    return mapping


def main(source: str, output: str) -> None:
    font = TTFont(source)
    mapping = lining_substitutions(font)
    changed = 0
    for table in font["cmap"].tables:
        for code, glyph in list(table.cmap.items()):
            if glyph in mapping:
                table.cmap[code] = mapping[glyph]
                changed += 1
    names = font["name"]
    for record in names.names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID == 3:
            record.string = f"{POSTSCRIPT};derived with lnum as default figures"
        elif record.nameID == 4:
            record.string = f"{FAMILY} Regular"
        elif record.nameID == 6:
            record.string = POSTSCRIPT
    font.save(output)
    print(f"{output}: {changed} cmap entries now map to lining figures")


if __name__ == "__main__":
    main(*sys.argv[1:3])
