"""Write a compact ICC version 2 sRGB display profile, for the PDF/A OutputIntent.

The colorimetry is that of IEC 61966-2.1 (sRGB): Rec. 709 primaries adapted to the
D50 connection space with the Bradford transform, the D65 white, and the sRGB tone
curve sampled at 64 points (linear interpolation between them stays within 0.2 % of
the exact curve). A matrix/TRC profile needs nothing more, so the whole profile is
about 600 bytes, where common sRGB profiles are 3 to 7 KB: every archived PDF embeds
it. Usage: python tools/assets/make_srgb_icc.py src/archivist/data/icc/sRGB-v2-compact.icc
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

CURVE_POINTS = 64
DESCRIPTION = "sRGB IEC61966-2.1 (compact ICC v2, archivist)"
COPYRIGHT = "No copyright: dedicated to the public domain (CC0 1.0)"
D50 = (0.9642, 1.0, 0.8249)
D65_WHITE = (0.9505, 1.0, 1.0891)
COLORANTS = {  # Rec. 709 primaries, Bradford-adapted to D50 (as in IEC 61966-2.1 profiles)
    b"rXYZ": (0.4361, 0.2225, 0.0139),
    b"gXYZ": (0.3851, 0.7169, 0.0971),
    b"bXYZ": (0.1431, 0.0606, 0.7141),
}


def s15f16(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def xyz(values: tuple[float, float, float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(s15f16(v) for v in values)


def srgb_to_linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def curve() -> bytes:
    points = [round(65535 * srgb_to_linear(i / (CURVE_POINTS - 1))) for i in range(CURVE_POINTS)]
    return b"curv\0\0\0\0" + struct.pack(f">I{CURVE_POINTS}H", CURVE_POINTS, *points)


def text_description(text: str) -> bytes:
    ascii_text = text.encode("ascii") + b"\0"
    return (b"desc\0\0\0\0" + struct.pack(">I", len(ascii_text)) + ascii_text
            + struct.pack(">II", 0, 0)  # no Unicode description
            + struct.pack(">HB", 0, 0) + b"\0" * 67)  # no ScriptCode description


def text(value: str) -> bytes:
    return b"text\0\0\0\0" + value.encode("ascii") + b"\0"


def profile() -> bytes:
    trc = curve()
    tags = [(b"desc", text_description(DESCRIPTION)), (b"cprt", text(COPYRIGHT)),
            (b"wtpt", xyz(D65_WHITE)), *((sig, xyz(v)) for sig, v in COLORANTS.items()),
            (b"rTRC", trc), (b"gTRC", trc), (b"bTRC", trc)]
    table_size = 4 + 12 * len(tags)
    offset = 128 + table_size
    entries, data, placed = [], b"", {}
    for signature, body in tags:
        if body not in placed:  # the three TRC tags share one curve
            while (offset + len(data)) % 4:
                data += b"\0"
            placed[body] = offset + len(data)
            data += body
        entries.append(struct.pack(">4sII", signature, placed[body], len(body)))
    body = struct.pack(">I", len(tags)) + b"".join(entries) + data
    while len(body) % 4:
        body += b"\0"
    size = 128 + len(body)
    header = (
        struct.pack(">I", size) + b"\0\0\0\0"  # size, preferred CMM
        + bytes([2, 0x10, 0, 0])  # version 2.1.0
        + b"mntr" + b"RGB " + b"XYZ "  # display class, data and connection spaces
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0)  # creation date, fixed: reproducible bytes
        + b"acsp" + b"\0" * 4  # signature, primary platform
        + b"\0" * 4 + b"\0" * 4 + b"\0" * 4 + b"\0" * 8  # flags, manufacturer, model, attributes
        + struct.pack(">I", 0)  # perceptual rendering intent
        + b"".join(s15f16(v) for v in D50)  # PCS illuminant
        + b"\0" * 4 + b"\0" * 16 + b"\0" * 28  # creator, profile ID (v4 only), reserved
    )
    assert len(header) == 128
    return header + body


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(profile())
