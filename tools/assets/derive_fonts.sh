#!/usr/bin/env bash
# Derive the shipped fonts from Debian's EB Garamond 12 (package fonts-ebgaramond-extra,
# version 0.016+git20210310.42d4f9f2-1), with fontTools 4.68.0 (pip install fonttools==4.68.0).
#
# Every glyph and character is kept. Dropped: TrueType hinting (fpgm, prep, cvt and the
# glyph programs), the OpenType layout tables reportlab does not use (GPOS, GSUB, GDEF),
# FontForge's timestamp (FFTM), and the name records other than 0-6 (copyright, family,
# style, unique ID, full name, version, PostScript name) -- the 13 KB OFL text among them,
# which ships beside the fonts in OFL.txt instead. These would otherwise be copied into
# every archived PDF: the first article's PDF/A-2u shrinks from 29 KB to 21 KB.
# EB Garamond declares no Reserved Font Name, so the derived fonts keep their names.
# EBGaramond12-Lining.ttf is the Regular with the font's own `lnum` feature made the default
# (derive_lining.py): lining figures for the footer, the identifier and figures in titles.
set -euo pipefail
source_dir=${1:-/usr/share/fonts/truetype/ebgaramond}
out=$(cd "$(dirname "$0")/../.." && pwd)/src/archivist/data/fonts
for style in Regular Italic; do
    pyftsubset "$source_dir/EBGaramond12-$style.ttf" --glyphs='*' --unicodes='*' --no-hinting \
        --name-IDs=0,1,2,3,4,5,6 --name-legacy --name-languages='*' \
        --drop-tables+=GPOS,GSUB,GDEF,FFTM --output-file="$out/EBGaramond12-$style.ttf"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$(dirname "$0")/derive_lining.py" "$source_dir/EBGaramond12-Regular.ttf" "$work/lining.ttf"
pyftsubset "$work/lining.ttf" --glyphs='*' --unicodes='*' --no-hinting \
    --name-IDs=0,1,2,3,4,5,6 --name-legacy --name-languages='*' \
    --drop-tables+=GPOS,GSUB,GDEF,FFTM --output-file="$out/EBGaramond12-Lining.ttf"
