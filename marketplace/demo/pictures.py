"""Product photos for the demo: a slipper drawn with Pillow, stored like an upload.

Each picture is a top view of the footwear (sole plus the upper typical of its
category) in the product's colour on a plain background, with the category name.
Drawing and processing happen once per (category, colours, view); the processed
bytes then go through ``catalog.images.process_upload`` exactly once and are written
under as many file names as products use them, so seeding stays fast.
"""

from __future__ import annotations

import hashlib
import io
from functools import cache
from typing import ClassVar

from flask import current_app
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from marketplace.catalog import images as catalog_images
from marketplace.catalog.models import Product, ProductImage
from marketplace.extensions import db
from marketplace.storage import get_storage

WIDTH, HEIGHT = 560, 420
SCALE = 1  # raise to 2 for smoother edges (four times the drawing time)

COLORS: dict[str, tuple[int, int, int]] = {
    "black": (38, 38, 40),
    "white": (236, 236, 232),
    "grey": (140, 142, 146),
    "light grey": (196, 198, 200),
    "dark grey": (88, 90, 94),
    "navy": (32, 48, 92),
    "blue": (40, 100, 190),
    "sky blue": (120, 180, 230),
    "royal blue": (50, 80, 200),
    "red": (196, 40, 44),
    "wine red": (120, 24, 44),
    "rose red": (210, 60, 110),
    "pink": (240, 160, 190),
    "light pink": (248, 200, 214),
    "purple": (120, 70, 160),
    "lilac": (190, 165, 220),
    "yellow": (244, 206, 60),
    "orange": (240, 128, 40),
    "green": (60, 150, 80),
    "army green": (90, 100, 60),
    "mint": (160, 220, 196),
    "khaki": (190, 170, 120),
    "beige": (222, 204, 170),
    "cream": (240, 230, 206),
    "camel": (190, 140, 90),
    "brown": (120, 80, 50),
    "coffee": (100, 70, 50),
    "leopard": (200, 150, 80),
    "camouflage": (100, 110, 70),
    "transparent": (210, 225, 235),
    "multicolor": (230, 110, 60),
}


def rgb(color: str) -> tuple[int, int, int]:
    return COLORS.get(color, (150, 150, 150))


def _shade(color: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """Darker (factor < 1) or lighter (factor > 1, mixed towards white)."""
    if factor <= 1:
        return tuple(int(c * factor) for c in color)  # type: ignore[return-value]
    mix = factor - 1
    return tuple(int(c + (255 - c) * mix) for c in color)  # type: ignore[return-value]


def _contrast(color: tuple[int, int, int]) -> tuple[int, int, int]:
    light = sum(color) / 3 > 150
    return _shade(color, 0.55) if light else _shade(color, 1.45)


def _edge(color: tuple[int, int, int]) -> tuple[int, int, int]:
    """An outline that shows against the colour: darker, or lighter on near-black."""
    return _shade(color, 0.6) if sum(color) > 240 else _shade(color, 1.35)


# Shapes ----------------------------------------------------------------------
# One right shoe seen from above, toe up, in a box of SHOE_W x SHOE_H pixels.

SHOE_W, SHOE_H = 150, 330


def _y(t: float) -> float:
    """Position along the shoe: t=0 at the heel, t=1 at the toe."""
    return SHOE_H * (0.96 - 0.92 * t)


def _grow(mask: Image.Image, pixels: int) -> Image.Image:
    """Dilate (pixels > 0) or erode (pixels < 0) a mask; a blur and a threshold are
    much faster than Pillow's rank filters."""
    blurred = mask.filter(ImageFilter.BoxBlur(abs(pixels)))
    if pixels > 0:
        return blurred.point(lambda v: 255 if v > 8 else 0)
    return blurred.point(lambda v: 255 if v > 247 else 0)


@cache
def _sole_mask() -> Image.Image:
    mask = Image.new("L", (SHOE_W, SHOE_H), 0)
    d = ImageDraw.Draw(mask)
    cx = SHOE_W / 2
    # heel, forefoot and the arch between them; the big-toe side bulges outward
    heel_r = SHOE_W * 0.33
    d.ellipse(
        [cx - heel_r, _y(0.22) - heel_r * 1.1, cx + heel_r, _y(0.22) + heel_r * 1.1], fill=255
    )
    fore_w, fore_h = SHOE_W * 0.46, SHOE_H * 0.24
    fx, fy = cx - SHOE_W * 0.03, _y(0.74)
    d.ellipse([fx - fore_w, fy - fore_h, fx + fore_w, fy + fore_h], fill=255)
    d.polygon(
        [
            (cx - heel_r, _y(0.22)),
            (fx - fore_w * 0.96, fy),
            (fx + fore_w * 0.9, fy),
            (cx + heel_r * 0.92, _y(0.22)),
        ],
        fill=255,
    )
    return mask


@cache
def _upper_mask(category: str) -> tuple[Image.Image, list]:
    """The upper (straps, band or closed toe) and decorations drawn over it."""
    mask = Image.new("L", (SHOE_W, SHOE_H), 0)
    d = ImageDraw.Draw(mask)
    cx, w = SHOE_W / 2, SHOE_W
    extras: list = []
    if category in {"flip-flops"}:
        post = (cx - w * 0.06, _y(0.84))
        for end in ((w * 0.1, _y(0.52)), (w * 0.9, _y(0.5))):
            d.line([post, end], fill=255, width=int(w * 0.09))
        extras.append(("dot", post, w * 0.05))
    elif category in {"slides", "bathroom-slippers", "hotel-slippers"}:
        top, bottom = _y(0.82), _y(0.5)
        d.rounded_rectangle([0, top, w, bottom], radius=int(w * 0.12), fill=255)
        if category == "bathroom-slippers":
            for i in range(4):
                for j in range(2):
                    extras.append(("hole", (w * (0.25 + 0.17 * i), _y(0.6 + 0.11 * j)), w * 0.035))
        elif category == "slides":
            extras.append(("logo", (cx, (top + bottom) / 2), w * 0.18))
    elif category == "pvc-slippers":
        band = int(w * 0.16)
        d.line([(0, _y(0.86)), (w, _y(0.5))], fill=255, width=band)
        d.line([(0, _y(0.5)), (w, _y(0.86))], fill=255, width=band)
    elif category == "beach-sandals":
        strap = int(w * 0.1)
        d.line([(0, _y(0.74)), (w, _y(0.74))], fill=255, width=strap)
        d.line([(0, _y(0.5)), (w, _y(0.5))], fill=255, width=strap)
        d.line([(cx, _y(0.74)), (cx, _y(0.5))], fill=255, width=strap)
        d.arc([w * 0.08, _y(0.12), w * 0.92, _y(-0.05) + w * 0.1], 180, 360, fill=255, width=strap)
        extras.append(("buckle", (w * 0.86, _y(0.74)), w * 0.06))
    elif category == "clogs":
        d.ellipse([-w * 0.1, _y(1.04), w * 1.1, _y(0.34)], fill=255)
        for i in range(3):
            for j in range(3):
                extras.append(("hole", (w * (0.3 + 0.2 * i), _y(0.58 + 0.12 * j)), w * 0.04))
        d.arc([w * 0.05, _y(0.3), w * 0.95, _y(0.02)], 0, 180, fill=255, width=int(w * 0.07))
    else:  # eva / plush / kids: a closed toe
        d.ellipse([-w * 0.15, _y(1.05), w * 1.15, _y(0.4)], fill=255)
        if category == "kids-slippers":
            for ex in (0.28, 0.72):
                extras.append(("ear", (w * ex, _y(0.93)), w * 0.13))
                extras.append(("eye", (w * ex, _y(0.74)), w * 0.05))
        elif category == "plush-slippers":
            extras.append(("fuzz", None, w * 0.03))
    # keep the upper on the sole (straps may run over the edge a little, like real ones)
    edge = _grow(_sole_mask(), 3)
    mask = Image.composite(mask, Image.new("L", mask.size, 0), edge)
    return mask, extras


@cache
def _shoe(category: str, color: str) -> Image.Image:
    """One right shoe as an RGBA image."""
    body = rgb(color)
    if category == "hotel-slippers":
        sole_color, upper_color = (238, 238, 234), body
    elif category in {"flip-flops", "beach-sandals"}:
        sole_color, upper_color = body, _contrast(body)
    else:
        sole_color, upper_color = _shade(body, 0.85), body
    shoe = Image.new("RGBA", (SHOE_W, SHOE_H), (0, 0, 0, 0))
    sole = _sole_mask()
    outline = _grow(sole, 2)
    shoe.paste(_edge(sole_color), (0, 0), outline)
    shoe.paste(sole_color, (0, 0), sole)
    inner = _grow(sole, -6)
    shoe.paste(_shade(sole_color, 1.12), (0, 0), inner)  # the footbed
    upper, extras = _upper_mask(category)
    shoe.paste(_edge(upper_color), (0, 0), _grow(upper, 2))
    shoe.paste(upper_color, (0, 0), upper)
    d = ImageDraw.Draw(shoe)
    for kind, centre, r in extras:
        if kind == "fuzz":
            for i in range(0, SHOE_W, int(r * 2.2)):
                for j in range(int(_y(0.98)), int(_y(0.42)), int(r * 2.2)):
                    if upper.getpixel((i, j)):
                        off = (i * 7 + j * 3) % int(r)
                        d.ellipse(
                            [i + off - r / 2, j - r / 2, i + off + r / 2, j + r / 2],
                            fill=_shade(upper_color, 1.25),
                        )
            continue
        x, y = centre
        box = [x - r, y - r, x + r, y + r]
        if kind == "hole":
            d.ellipse(box, fill=_shade(upper_color if category == "clogs" else sole_color, 0.45))
        elif kind == "ear":
            d.ellipse(box, fill=upper_color, outline=_shade(upper_color, 0.65), width=3)
        elif kind == "eye":
            d.ellipse(box, fill=(30, 30, 30))
        elif kind == "dot":
            d.ellipse(box, fill=_shade(upper_color, 0.7))
        elif kind == "buckle":
            d.rectangle(box, outline=(60, 60, 60), width=4)
        elif kind == "logo":
            d.rounded_rectangle(
                [x - r, y - r / 3, x + r, y + r / 3], radius=int(r / 4), fill=_contrast(upper_color)
            )
    return shoe


@cache
def _small_shoe(category: str, color: str) -> Image.Image:
    shoe = _shoe(category, color)
    return shoe.resize((shoe.width * 3 // 4, shoe.height * 3 // 4))


@cache
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (ImportError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def draw(category: str, label: str, colors: tuple[str, ...], view: int) -> bytes:
    """A JPEG picture: view 0 a pair, 1 one shoe at an angle, 2 the colourways side by side."""
    main = colors[0]
    background = _shade(rgb(main), 1.86) if sum(rgb(main)) < 600 else (214, 220, 226)
    canvas = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE), background)
    if view == 0:
        shoe = _shoe(category, main)
        left = shoe.transpose(Image.Transpose.FLIP_LEFT_RIGHT).rotate(8, expand=True)
        right = shoe.rotate(-8, expand=True)
        top = (HEIGHT * SCALE - right.height) // 2 - 20
        canvas.paste(left, (WIDTH * SCALE // 2 - left.width + 10, top), left)
        canvas.paste(right, (WIDTH * SCALE // 2 - 10, top), right)
    elif view == 1:
        shoe = _shoe(category, main).rotate(-62, expand=True, resample=Image.Resampling.BICUBIC)
        canvas.paste(
            shoe,
            ((WIDTH * SCALE - shoe.width) // 2, (HEIGHT * SCALE - shoe.height) // 2 - 20),
            shoe,
        )
    else:
        shown = colors[:3]
        step = WIDTH * SCALE // (len(shown) + 1)
        for i, color in enumerate(shown):
            shoe = _small_shoe(category, color)
            canvas.paste(
                shoe,
                (step * (i + 1) - shoe.width // 2, (HEIGHT * SCALE - shoe.height) // 2 - 30),
                shoe,
            )
    image = canvas if SCALE == 1 else canvas.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)
    d = ImageDraw.Draw(image)
    ink = (70, 70, 74)
    d.text((18, HEIGHT - 34), label, fill=ink, font=_font(20))
    caption = " / ".join(colors[:3]) if view == 2 else main
    d.text((WIDTH - 18, HEIGHT - 34), caption, fill=ink, font=_font(16), anchor="ra")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


class PictureMaker:
    """Draws and processes each distinct picture once per seeding run."""

    # Shared by the runs of one process (the tests seed many times); keyed by the
    # settings that shape the processed files too.
    _processed: ClassVar[dict[tuple, tuple[str, bytes, bytes, tuple[int, int]]]] = {}

    def __init__(self, seed: int):
        self.seed = seed
        self.files_written = 0
        self._stored: dict[str, int] | None = None  # key -> size, listed once per run

    def processed(self, category: str, label: str, colors: tuple[str, ...], view: int):
        cfg = current_app.config
        settings = (cfg["IMAGE_MAX_EDGE"], cfg["THUMBNAIL_EDGE"], cfg["IMAGE_MAX_BYTES"])
        key = (category, colors[:3] if view == 2 else colors[:1], view, settings)
        if key not in self._processed:
            self._processed[key] = catalog_images.process_upload(
                draw(category, label, key[1], view)
            )
        return self._processed[key]

    def stem(self, supplier_key: str, sku: str, position: int) -> str:
        """A stable 32-hex-digit name, so a second run finds the same files."""
        text = f"demo:{self.seed}:{supplier_key}:{sku}:{position}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def stored(self) -> dict[str, int]:
        """The product files already in the storage (one listing, not a request per file)."""
        if self._stored is None:
            self._stored = dict(get_storage().entries("products/"))
        return self._stored

    def _write(self, name: str, blob: bytes, content_type: str) -> None:
        key = catalog_images.image_key(name)
        stored = self.stored()
        if stored.get(key) == len(blob):
            return
        # A file of another size under our stable name is a broken copy: replaced.
        get_storage().put(key, blob, content_type, replace=key in stored)
        stored[key] = len(blob)
        self.files_written += 1

    def add(
        self, product: Product, supplier_key: str, label: str, colors: tuple[str, ...], count: int
    ) -> list[ProductImage]:
        """Attach ``count`` pictures to a product that has none, as an upload would."""
        added = []
        for position in range(count):
            fmt, main, thumb, (width, height) = self.processed(
                product.category.slug, label, colors, position
            )
            extension, content_type = catalog_images.FORMATS[fmt]
            stem = self.stem(supplier_key, product.sku, position)
            filename, thumbnail = f"{stem}.{extension}", f"{stem}_thumb.{extension}"
            self._write(filename, main, content_type)
            self._write(thumbnail, thumb, content_type)
            image = ProductImage(
                product=product,
                position=position,
                filename=filename,
                thumbnail_filename=thumbnail,
                content_type=content_type,
                width=width,
                height=height,
                size_bytes=len(main),
            )
            db.session.add(image)
            added.append(image)
        return added

    def restore_missing(
        self, product: Product, supplier_key: str, label: str, colors: tuple[str, ...]
    ) -> int:
        """Rewrite the files of a demo product's pictures if the upload folder was emptied."""
        restored = 0
        for image in product.images:
            position = image.position
            stem = self.stem(supplier_key, product.sku, position)
            if not image.filename.startswith(stem) or position > 2:
                continue  # a picture someone uploaded by hand: not ours to recreate
            names = (image.filename, image.thumbnail_filename)
            if all(catalog_images.image_key(n) in self.stored() for n in names):
                continue
            _, main, thumb, _ = self.processed(product.category.slug, label, colors, position)
            self._write(image.filename, main, image.content_type)
            self._write(image.thumbnail_filename, thumb, image.content_type)
            restored += 1
        return restored
