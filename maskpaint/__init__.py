"""maskpaint: paint a mask on a photo, send it to an image-edit API, compare the variants."""

__version__ = "0.1.0"
