"""Open, normalize and encode images; report the facts about them.

Everything downstream (canvas, mask, API client, server) works on one of two modes,
RGB or RGBA, upright, 8 bits per channel. This module is the one door in and out:
whatever a designer drops on us (palette PNGs, 16-bit scans, CMYK JPEGs from print,
phone photos lying on their side) comes out that way, or as an `ImageError` with one
sentence saying what is wrong and what to do.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

from maskpaint.core.errors import ImageError

log = logging.getLogger(__name__)

#: What we open: the three formats the edits endpoint takes as input.
ACCEPTED_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "WEBP")
#: What preflight also opens, only to re-encode it as a PNG a model takes.
CONVERTIBLE_FORMATS: tuple[str, ...] = (*ACCEPTED_FORMATS, "GIF", "BMP", "TIFF")

#: Decompression-bomb limit, checked against the header before any pixel is decoded.
#: 16384 x 16384 = 268 MP: above any camera (150 MP medium format), an 8K frame (33 MP)
#: and the largest WebP there can be (16383 x 16383); decoded as RGBA it is 1 GiB, the
#: most a designer's desktop should be asked to hold for one photo.
MAX_PIXELS: int = 16384 * 16384

EncodeFormat = Literal["PNG", "JPEG", "WEBP"]

#: Defaults for images we send: edit inputs, so artefacts would be repainted by the model.
JPEG_QUALITY = 95
WEBP_QUALITY = 95
#: zlib level 1, measured on a 3840x2160 photo against Pillow's default 6: 0.26x the time
#: for 1.25x the bytes (level 9: 5.5x the time for 0.96x). The encode happens while the
#: designer waits; the bytes stay far below the API's 50 MB limit.
PNG_COMPRESS_LEVEL = 1
#: JPEG has no alpha: transparent areas are shown as white, as image viewers and the
#: "flatten" of design tools do, rather than the arbitrary colour hidden under alpha 0.
FLATTEN_BACKGROUND = (255, 255, 255)

_FORMAT_NAMES = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}
_ACCEPTED_TEXT = "PNG, JPEG or WebP"

#: Magic bytes at offset 0 -> format name (Pillow's name where Pillow has one).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG2000"),
    (b"\xff\x4f\xff\x51", "JPEG2000"),
    (b"qoif", "QOI"),
    (b"%PDF", "PDF"),
)
#: ISO base media brands (bytes 8..12 after "ftyp") of the HEIF family.
_FTYP_BRANDS = {
    b"avif": "AVIF",
    b"avis": "AVIF",
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"hevc": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
}

_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")
#: Modes whose samples are already RGB (a palette holds RGB), so an ICC profile still fits.
_RGB_MODES = ("RGB", "RGBA", "RGBX", "RGBa", "P", "PA")


@dataclass(frozen=True)
class ImageInfo:
    """Facts about an opened image, for the status bar, preflight and logs."""

    width: int
    height: int
    format: str  # "PNG" / "JPEG" / "WEBP" as read
    mode: str  # the file's original PIL mode ("P", "CMYK", "I;16", "1", ...)
    file_bytes: int  # size of the encoded input
    has_alpha: bool  # after normalization (the image is RGBA)
    exif_rotated: bool  # an EXIF orientation was applied

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000


@dataclass(frozen=True)
class LoadedImage:
    """A normalized image (RGB or RGBA, upright) with its facts and where it came from."""

    image: Image.Image
    info: ImageInfo
    source: Path | None


def open_image(
    source: Path | str | bytes,
    *,
    max_pixels: int = MAX_PIXELS,
    formats: tuple[str, ...] = ACCEPTED_FORMATS,
    name: str | None = None,
) -> LoadedImage:
    """Open a PNG, JPEG or WebP (or any of `formats`) from a path or bytes, upright, RGB/RGBA.

    The pixel count is checked from the header before decoding, so a bomb never allocates.
    `name` is what messages call the image (default: the file name, or "The file").
    """
    data, source_name, path = _read_source(source)
    name = name or source_name
    fmt = _accepted_format(data, name, formats)
    image = _parse_header(data, fmt, name)
    _check_pixels(image.size, max_pixels, name)
    _decode(image, fmt, name)
    upright, rotated = _apply_orientation(image)
    normalized = normalize(upright)
    info = ImageInfo(
        width=normalized.width,
        height=normalized.height,
        format=fmt,
        mode=image.mode,
        file_bytes=len(data),
        has_alpha=normalized.mode == "RGBA",
        exif_rotated=rotated,
    )
    return LoadedImage(image=normalized, info=info, source=path)


def normalize(image: Image.Image) -> Image.Image:
    """Any PIL mode -> RGB, or RGBA when the image carries transparency of any kind.

    Returns `image` itself when it already is RGB without transparency info, or RGBA.
    """
    target = "RGBA" if image.has_transparency_data else "RGB"
    if image.mode == target:
        return image
    converted = _convert(image, target)
    if image.mode not in _RGB_MODES and "icc_profile" in converted.info:
        # The file's grey/CMYK/Lab profile would mislabel the RGB pixels (an encoder
        # would embed it); untagged RGB is read as sRGB, which the conversion targets.
        converted.info = {k: v for k, v in converted.info.items() if k != "icc_profile"}
    return converted


def encode(
    image: Image.Image,
    fmt: EncodeFormat,
    *,
    quality: int | None = None,
    compress_level: int | None = None,
) -> bytes:
    """Encode as PNG, JPEG or WebP bytes, normalizing the mode first.

    JPEG cannot store alpha, so an RGBA image is flattened on white (`FLATTEN_BACKGROUND`):
    dropping the alpha band instead would show whatever colour lies under transparent
    pixels, often black or leftover paint. `quality` is for JPEG/WebP, `compress_level`
    for PNG (default `PNG_COMPRESS_LEVEL`, chosen for speed).
    """
    if fmt not in ACCEPTED_FORMATS:
        raise ValueError(f"cannot encode {fmt!r}: choose one of {ACCEPTED_FORMATS}")
    if fmt == "PNG" and quality is not None:
        raise ValueError("quality applies to JPEG and WEBP; PNG takes compress_level")
    if fmt != "PNG" and compress_level is not None:
        raise ValueError("compress_level applies to PNG only; JPEG and WEBP take quality")
    image = normalize(image)
    out = io.BytesIO()
    if fmt == "PNG":
        level = PNG_COMPRESS_LEVEL if compress_level is None else compress_level
        image.save(out, "PNG", compress_level=level)
    elif fmt == "JPEG":
        rgb = flatten_on_white(image)
        rgb.save(out, "JPEG", quality=JPEG_QUALITY if quality is None else quality)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY if quality is None else quality)
    return out.getvalue()


def flatten_on_white(image: Image.Image) -> Image.Image:
    """RGBA -> RGB composited over `FLATTEN_BACKGROUND`; other modes are normalized."""
    image = normalize(image)
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, FLATTEN_BACKGROUND)
    background.paste(image, mask=image.getchannel("A"))
    return background


def mime_for(fmt: str) -> str:
    """The MIME type a multipart file part needs ("PNG" -> "image/png")."""
    Image.init()
    mime = Image.MIME.get(fmt.upper())
    if mime is None:
        raise ValueError(f"no MIME type known for format {fmt!r}")
    return mime


def sniff_format(data: bytes) -> str | None:
    """The format named by the magic bytes ("PNG", "JPEG", "WEBP", "GIF", ...), or None."""
    head = bytes(data[:16])
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in _FTYP_BRANDS:
        return _FTYP_BRANDS[head[8:12]]
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the header alone; no pixel is decoded."""
    fmt = sniff_format(data)
    Image.init()
    if fmt is None or fmt not in Image.OPEN:
        raise ImageError(
            f"The data is not an image maskpaint can read; send a {_ACCEPTED_TEXT} image."
        )
    return _parse_header(data, fmt, "The file").size


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation tag from the header alone: 1 is upright, 5-8 swap the sides.

    open_image turns photos upright, so anything that compares sizes with what the user
    sees (a mask painted on the upright photo) must know whether the file is stored
    sideways.
    """
    fmt = sniff_format(data)
    Image.init()
    if fmt is None or fmt not in Image.OPEN:
        return 1
    try:
        value = _parse_header(data, fmt, "The file").getexif().get(ExifTags.Base.Orientation, 1)
    except Exception:  # unreadable metadata never blocks an image that otherwise opens
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def to_rgba_array(image: Image.Image) -> np.ndarray:
    """A writable (h, w, 4) uint8 copy of the image, alpha 255 where it had none."""
    return np.array(normalize(image).convert("RGBA"), dtype=np.uint8)


def from_array(array: np.ndarray) -> Image.Image:
    """(h, w, 3) or (h, w, 4) uint8 -> an RGB or RGBA image."""
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected (h, w, 3|4) uint8, got {array.shape} {array.dtype}")
    return Image.fromarray(np.ascontiguousarray(array))


def downscale_to_fit(
    image: Image.Image, max_pixels: int | None = None, max_side: int | None = None
) -> Image.Image:
    """Shrink (never enlarge) to within both limits, keeping the aspect ratio.

    Returns `image` itself when it already fits, so callers can test identity.
    """
    if (max_pixels is not None and max_pixels < 1) or (max_side is not None and max_side < 1):
        raise ValueError(f"limits must be at least 1, got {max_pixels=} {max_side=}")
    width, height = image.size
    scale = 1.0
    if max_pixels is not None:
        scale = min(scale, math.sqrt(max_pixels / (width * height)))
    if max_side is not None:
        scale = min(scale, max_side / max(width, height))
    if scale >= 1.0:
        return image
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    if max_pixels is not None and size[0] * size[1] > max_pixels:
        # Float rounding, or a 1-pixel short side, can leave it over: fit the long side.
        short = min(size)
        size = (max_pixels // short, short) if size[0] >= size[1] else (short, max_pixels // short)
    # reducing_gap: shrink by a whole factor first, then LANCZOS; per Pillow's docs, at
    # 3.0 the result is indistinguishable from plain LANCZOS in most cases, and faster.
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# -- open_image, step by step --------------------------------------------------------


def _read_source(source: Path | str | bytes) -> tuple[bytes, str, Path | None]:
    """The encoded bytes, a name for messages, and the path if there was one."""
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source), "The file", None
    path = Path(source)
    name = path.name or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ImageError(
            f"{name} was not found; check that it still exists in {path.parent}.",
            detail=repr(exc),
        ) from exc
    except IsADirectoryError as exc:
        raise ImageError(
            f"{name} is a folder, not an image; choose a {_ACCEPTED_TEXT} file.",
            detail=repr(exc),
        ) from exc
    except PermissionError as exc:
        raise ImageError(
            f"{name} can't be read: permission denied; check the file's permissions.",
            detail=repr(exc),
        ) from exc
    except OSError as exc:
        raise ImageError(
            f"{name} could not be read ({exc.strerror or exc}); copy it to a local disk "
            "and try again.",
            detail=repr(exc),
        ) from exc
    return data, name, path


def _accepted_format(data: bytes, name: str, formats: tuple[str, ...]) -> str:
    """The sniffed format if we open it, else ImageError naming what was found."""
    if not data:
        raise ImageError(f"{name} is empty (0 bytes); export or download it again.")
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageError(
            f"{name} is not an image maskpaint recognises; open a {_ACCEPTED_TEXT} file."
        )
    if fmt not in formats:
        raise ImageError(
            f"{name} is a {fmt} image, which maskpaint does not open; "
            f"save it as {_ACCEPTED_TEXT} and open that."
        )
    return fmt


def _parse_header(data: bytes, fmt: str, name: str) -> ImageFile.ImageFile:
    """Read the header only (lazy): size, mode and metadata, no pixels.

    Calls the format's own opener rather than `Image.open`, whose check of the global
    `Image.MAX_IMAGE_PIXELS` would make someone else's setting our limit.
    """
    Image.init()
    factory, _accept = Image.OPEN[fmt]
    try:
        return factory(io.BytesIO(data), "")
    except Exception as exc:  # Pillow's parsers raise many types on bad bytes
        raise _undecodable(name, fmt, exc) from exc


def _check_pixels(size: tuple[int, int], max_pixels: int, name: str) -> None:
    width, height = size
    if width * height > max_pixels:
        raise ImageError(
            f"{name} is {width}×{height} pixels ({width * height / 1e6:,.1f} MP), over "
            f"maskpaint's limit of {max_pixels / 1e6:,.1f} MP ({max_pixels:,} pixels); "
            "scale it down in an image editor first."
        )


def _decode(image: ImageFile.ImageFile, fmt: str, name: str) -> None:
    """Decode the pixels, turning Pillow's many failure types into one ImageError."""
    try:
        image.load()
    except MemoryError as exc:
        raise ImageError(
            f"{name} is too large to open with the memory available; scale it down first.",
            detail=repr(exc),
        ) from exc
    except Exception as exc:  # Pillow's decoders raise many types on bad bytes
        raise _undecodable(name, fmt, exc) from exc


def _undecodable(name: str, fmt: str, exc: Exception) -> ImageError:
    """Truncated or damaged, told apart by what Pillow says (it has no separate types)."""
    text = str(exc).lower()
    if isinstance(exc, EOFError) or "truncated" in text or "end of" in text:
        what = "is truncated: it ends before its image data does"
    else:
        what = f"is damaged: its {_FORMAT_NAMES.get(fmt, fmt)} data could not be decoded"
    return ImageError(f"{name} {what}; export or download it again.", detail=repr(exc))


def _apply_orientation(image: Image.Image) -> tuple[Image.Image, bool]:
    """Turn the image upright per its EXIF orientation; say whether it was turned."""
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except Exception as exc:  # a broken EXIF block is no reason to refuse the photo
        log.warning("ignoring unreadable EXIF data: %r", exc)
        return image, False
    if orientation not in range(2, 9):
        return image, False
    upright = ImageOps.exif_transpose(image)
    assert upright is not None  # only None when transposing in place
    return upright, True


# -- normalize, the modes that need more than Image.convert ----------------------------


def _convert(image: Image.Image, target: str) -> Image.Image:
    """`image` -> `target` ("RGB"/"RGBA") by the right route for its mode."""
    if image.mode == "CMYK":
        return _cmyk_to_rgb(image)
    if image.mode in _SIXTEEN_BIT_MODES:
        return _sixteen_bit_to_rgb(image, target)
    if image.mode == "F":
        # Pillow's convention for float images is 0..255, as convert("L") reads them.
        gray = np.clip(np.rint(np.asarray(image, dtype=np.float32)), 0, 255).astype(np.uint8)
        return Image.fromarray(gray).convert(target)
    if image.mode == "La":  # premultiplied grey + alpha: Pillow goes there only via LA
        return image.convert("LA").convert("RGBA")
    if image.mode == "LAB":
        lab, srgb = ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, lab, srgb, outputMode="RGB")
        assert converted is not None  # only None when converting in place
        return converted
    try:
        return image.convert(target)
    except ValueError as exc:
        raise ImageError(
            f"Images in colour mode {image.mode} can't be converted to RGB; "
            f"save the image as an 8-bit RGB {_ACCEPTED_TEXT} file first.",
            detail=repr(exc),
        ) from exc


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    """Through the embedded ICC profile when there is one (print files need it).

    Relative colorimetric with black point compensation: Photoshop's default for
    CMYK -> RGB, so the photo looks here as it did in the designer's tool.
    """
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.createProfile("sRGB")
            converted = ImageCms.profileToProfile(
                image,
                source,
                srgb,
                renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                outputMode="RGB",
                flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
            )
            assert converted is not None  # only None when converting in place
            return converted
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            log.warning("embedded CMYK profile unusable (%r); using Pillow's conversion", exc)
    return image.convert("RGB")


def _sixteen_bit_to_rgb(image: Image.Image, target: str) -> Image.Image:
    """Scale 0..65535 to 0..255 (>> 8); Pillow's convert would clip at 255 instead."""
    samples = np.asarray(image).astype(np.int64)
    gray = (np.clip(samples, 0, 65535) >> 8).astype(np.uint8)
    rgb = Image.fromarray(gray).convert("RGB")
    if target == "RGB":
        return rgb
    # A 16-bit grey PNG's transparency is one sample value (its tRNS chunk).
    key = image.info.get("transparency")
    alpha = np.where(samples == key, 0, 255).astype(np.uint8)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(Image.fromarray(alpha))
    return rgba
