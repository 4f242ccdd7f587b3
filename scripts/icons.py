"""Draw the app package's two icons (manifest/color.png, manifest/outline.png): a white
magnifying glass over a document, for case review. Colour: 192x192 on the accent colour;
outline: 32x32, white on transparent, as Teams asks. Pure Python (zlib for PNG), so drawing
them again needs nothing installed: ``python -m scripts.icons``.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

ACCENT = (0x1F, 0x5F, 0x8B)  # the manifest's accentColor, #1F5F8B
WHITE = (255, 255, 255)
Shape = Callable[[float, float], bool]  # (x, y) in 0..1 -> inside


def _png(size: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _glyph(line: float) -> Shape:
    """A page with three lines of text and a magnifying glass over its lower right."""

    def inside(x: float, y: float) -> bool:
        page = 0.22 <= x <= 0.66 and 0.16 <= y <= 0.80
        page_edge = page and not (
            0.22 + line <= x <= 0.66 - line and 0.16 + line <= y <= 0.80 - line
        )
        text = 0.30 <= x <= 0.58 and any(abs(y - row) <= line / 2 for row in (0.30, 0.42, 0.54))
        dx, dy = x - 0.62, y - 0.62
        distance = (dx * dx + dy * dy) ** 0.5
        ring = 0.14 - line <= distance <= 0.14
        lens = distance < 0.14 - line
        handle = (
            0.70 <= x <= 0.86 and 0.70 <= y <= 0.86 and abs((x - 0.70) - (y - 0.70)) <= line * 0.8
        )
        if lens:
            return False  # the glass is clear: the page shows through only at its ring
        return page_edge or text or ring or handle

    return inside


def _supersampled(shape: Shape, x: int, y: int, size: int, n: int = 4) -> float:
    hits = sum(
        shape((x + (i + 0.5) / n) / size, (y + (j + 0.5) / n) / size)
        for i in range(n)
        for j in range(n)
    )
    return hits / (n * n)


def colour_icon(size: int = 192) -> bytes:
    shape = _glyph(0.05)

    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        cover = _supersampled(shape, x, y, size)
        mixed = tuple(
            round(a * (1 - cover) + b * cover) for a, b in zip(ACCENT, WHITE, strict=True)
        )
        return (*mixed, 255)

    return _png(size, pixel)


def outline_icon(size: int = 32) -> bytes:
    shape = _glyph(0.08)

    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        return (*WHITE, round(255 * _supersampled(shape, x, y, size)))

    return _png(size, pixel)


def main(folder: Path) -> None:
    (folder / "color.png").write_bytes(colour_icon())
    (folder / "outline.png").write_bytes(outline_icon())


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parent.parent / "manifest"
    )
