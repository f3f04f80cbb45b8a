"""Draw the Teams app icons: a sprout on the brand colour (color.png) and its white outline (outline.png)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

# The manifest's accentColor is the same value, so Teams' tile around the icon matches its background.
BRAND = (0x1B, 0x7F, 0x5F)
WHITE = (255, 255, 255)
COLOR_SIZE = 192
OUTLINE_SIZE = 32
# Teams asks for the symbol of the colour icon to sit inside a 120x120 safe area on a full-bleed background.
COLOR_SAFE_AREA = 120
# Drawn this many times larger, then scaled down, so edges come out anti-aliased.
OVERSAMPLE = 16

Point = tuple[float, float]


def _bezier(start: Point, control: Point, end: Point, steps: int = 48) -> list[Point]:
    """Points along a quadratic Bézier curve."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
        points.append(
            (a * start[0] + b * control[0] + c * end[0], a * start[1] + b * control[1] + c * end[1])
        )
    return points


def _leaf(base: Point, tip: Point, bulge: float) -> list[Point]:
    """A leaf outline: two curves from base to tip that bow out by ``bulge`` of the leaf's length."""
    dx, dy = tip[0] - base[0], tip[1] - base[1]
    length = math.hypot(dx, dy)
    # The unit normal of the midrib, scaled; the two controls mirror each other across it.
    nx, ny = -dy / length * bulge * length, dx / length * bulge * length
    mid = ((base[0] + tip[0]) / 2, (base[1] + tip[1]) / 2)
    upper = _bezier(base, (mid[0] + nx, mid[1] + ny), tip)
    lower = _bezier(tip, (mid[0] - nx, mid[1] - ny), base)
    return upper + lower[1:]


def _stroke(draw: ImageDraw.ImageDraw, points: Sequence[Point], width: float) -> None:
    """A polyline with round caps and joins (Pillow's own joint option leaves notches at this scale)."""
    radius = width / 2
    draw.line(list(points), fill=255, width=round(width))
    for x, y in points:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)


def sprout_mask(size: int, *, glyph: float, weight: float) -> Image.Image:
    """An 8-bit mask of the sprout, ``glyph`` pixels wide and centred in a ``size`` square."""
    big = size * OVERSAMPLE
    scale = glyph * OVERSAMPLE
    offset = (big - scale) / 2

    def at(x: float, y: float) -> Point:
        return (offset + x * scale, offset + y * scale)

    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    stroke = weight * scale
    # Stem: grows from the ground and leans a little, as a seedling does toward light.
    _stroke(draw, _bezier(at(0.5, 0.92), at(0.52, 0.68), at(0.48, 0.50), steps=24), stroke)
    # Ground: a short rounded line the sprout stands on.
    _stroke(draw, [at(0.24, 0.92), at(0.76, 0.92)], stroke)
    # Two leaves: the larger one rising to the right reads as growth, the smaller one balances it.
    draw.polygon(_leaf(at(0.49, 0.52), at(0.95, 0.10), 0.30), fill=255)
    draw.polygon(_leaf(at(0.50, 0.66), at(0.07, 0.38), 0.28), fill=255)
    return mask.resize((size, size), Image.Resampling.LANCZOS)


def color_icon() -> Image.Image:
    """192x192: the white sprout on a full-bleed brand-colour square."""
    icon = Image.new("RGB", (COLOR_SIZE, COLOR_SIZE), BRAND)
    mark = Image.new("RGB", icon.size, WHITE)
    icon.paste(mark, (0, 0), sprout_mask(COLOR_SIZE, glyph=COLOR_SAFE_AREA, weight=0.085))
    return icon


def outline_icon() -> Image.Image:
    """32x32: the sprout in pure white on transparency; only the alpha channel varies."""
    # A heavier stroke, so the stem still covers whole pixels at 32x32.
    alpha = sprout_mask(OUTLINE_SIZE, glyph=28, weight=0.13)
    icon = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (*WHITE, 0))
    icon.putalpha(alpha)
    return icon


def main() -> None:
    """Write color.png and outline.png next to this script (or into --out)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    # optimize=True keeps the committed files small; no timestamps are written, so reruns are identical.
    color_icon().save(args.out / "color.png", optimize=True)
    outline_icon().save(args.out / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
