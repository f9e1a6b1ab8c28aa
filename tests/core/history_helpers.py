"""Small real images and requests for the history tests."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from maskpaint.core.request import EditRequest, ImageFile

LOCAL_URL = "http://127.0.0.1:8123/v1"


def encode(color: tuple[int, ...], size: tuple[int, int] = (40, 30), fmt: str = "PNG") -> bytes:
    mode = "RGBA" if len(color) == 4 else "RGB"
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt)
    return buffer.getvalue()


def mask_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    """Opaque black with a transparent (edit here) left half, as the API wants."""
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def make_request(prompt: str = "a red lighthouse at dusk", **changes: object) -> EditRequest:
    request = EditRequest(
        images=(ImageFile(encode((10, 120, 200)), "photo.png", "image/png"),),
        prompt=prompt,
        mask=ImageFile(mask_bytes(), "mask.png", "image/png"),
    )
    return request.with_changes(**changes) if changes else request


def photo_request(photo: Path) -> EditRequest:
    """A real photo plus a JPEG reference image, with most optional fields set."""
    with Image.open(photo) as image:
        size = image.size
    return EditRequest(
        images=(
            ImageFile(photo.read_bytes(), photo.name, "image/png"),
            ImageFile(encode((200, 30, 30), fmt="JPEG"), "reference.jpg", "image/jpeg"),
        ),
        prompt="replace the cup with a glass of orange juice",
        mask=ImageFile(mask_bytes(size), "mask.png", "image/png"),
        model="gpt-image-1.5",
        n=2,
        size="1536x1024",
        quality="high",
        background="opaque",
        output_format="webp",
        output_compression=80,
        input_fidelity="high",
        moderation="low",
        stream=True,
        partial_images=2,
        user="designer-7",
    )


def files_in(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir()}
