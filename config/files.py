"""Stored files, the same for every app and every door (page, API, admin, import): what may be uploaded (by
content and by name), photos re-encoded, random storage names, and the response every stored file is served
with once a view has checked the owning object's scope. Nothing serves the storage directly (docs/security.md).
"""

import io
import os
import re
import uuid

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Decoded format -> (extension, content type) of the re-encoded copy.
IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "MPO": ("jpg", "image/jpeg"),  # a phone's multi-picture JPEG: its first picture is kept
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("png", "image/png"),
}
# Only these decoders ever see an upload (a multi-picture photo opens through the JPEG one).
DECODERS = ("JPEG", "PNG", "WEBP", "GIF")
IMAGE_EXTENSIONS = {"jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif"}
# What a stored name's extension says the file is, for the images this module wrote itself.
INLINE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# Documents a contract may carry: extension -> the types `filetype` must find in the content.
DOCUMENT_TYPES = {
    "pdf": {"pdf"},
    "docx": {"docx", "zip"},
    "xlsx": {"xlsx", "zip"},
    "doc": {"doc", "xls", "ppt", "msi"},  # the OLE container; filetype names it by its first match
    "xls": {"doc", "xls", "ppt", "msi"},
}
# Bigger photos are kept at this long side: a card or a shop front stays readable, the store stays small.
MAX_SIDE = 2560
# Pixels in a header beyond this are refused before anything is decoded (a few KB can declare gigapixels).
MAX_SOURCE_PIXELS = 120_000_000
_RANDOM_NAME = re.compile(r"(^|/)[0-9a-f]{32}\.(jpg|png|webp)$")


def extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def random_name(prefix: str, filename: str) -> str:
    """A storage name nobody can guess: the prefix, a random hex name, the extension of the checked upload."""
    ext = extension(filename)
    return f"{prefix}/{uuid.uuid4().hex}" + (f".{ext}" if ext else "")


def check_size(upload, *, field: str, what: str = "") -> None:
    limit = settings.UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            {
                field: [
                    _("“%(name)s” is %(size)s MB; at most %(max)s MB may be uploaded.")
                    % {
                        "name": what or getattr(upload, "name", "") or _("the file"),
                        "size": f"{size / 1024 / 1024:.1f}",
                        "max": f"{limit / 1024 / 1024:g}",
                    }
                ]
            }
        )


def image_upload(upload, *, field: str) -> ContentFile:
    """A photo as a fresh file of its own decoded format: checked by name and content, decoded within bounds,
    turned upright, shrunk to MAX_SIDE, metadata (GPS among it) and anything appended dropped. Its name carries
    the extension of what was decoded, never the uploader's."""
    name = getattr(upload, "name", "") or ""
    check_size(upload, field=field)
    not_an_image = ValidationError(
        {field: [_("“%(name)s” is not a photo; upload a JPEG, PNG or WebP image.") % {"name": name}]}
    )
    if extension(name) not in IMAGE_EXTENSIONS:
        raise not_an_image
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        # `formats` keeps Pillow from trying any other decoder on untrusted bytes; open() reads the header only.
        picture = Image.open(io.BytesIO(data), formats=DECODERS)
        if picture.width * picture.height > MAX_SOURCE_PIXELS:
            raise ValidationError({field: [_("“%(name)s” has too many pixels.") % {"name": name}]})
        fmt = picture.format
        if fmt in ("JPEG", "MPO"):
            # libjpeg decodes at the smallest power-of-two scale still covering MAX_SIDE, no more.
            picture.draft("RGB", (MAX_SIDE, MAX_SIDE))
        picture.load()
        picture = ImageOps.exif_transpose(picture)
        picture.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        ext, _type = IMAGE_FORMATS[fmt]
        out = io.BytesIO()
        if ext == "jpg":
            picture.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        elif ext == "png":
            if picture.mode not in ("RGB", "RGBA", "L", "LA"):
                picture = picture.convert("RGBA")
            picture.save(out, "PNG", optimize=True)
        else:
            if picture.mode not in ("RGB", "RGBA"):
                picture = picture.convert("RGBA")
            picture.save(out, "WEBP", quality=85)
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise not_an_image from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ext}")


def document_upload(upload, *, field: str) -> ContentFile:
    """A contract's document: a PDF, Word or Excel file whose content is what its name says, or a photo (then
    re-encoded). Anything else, an .html page first, is refused."""
    name = getattr(upload, "name", "") or ""
    ext = extension(name)
    if ext in IMAGE_EXTENSIONS:
        return image_upload(upload, field=field)
    check_size(upload, field=field)
    refused = ValidationError(
        {
            field: [
                _("“%(name)s” is not a document we keep; upload a PDF, Word or Excel file or a photo.")
                % {"name": name}
            ]
        }
    )
    if ext not in DOCUMENT_TYPES:
        raise refused
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    kind = filetype.guess(data)
    if kind is None or kind.extension not in DOCUMENT_TYPES[ext]:
        raise refused
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{ext}")


def stored_file_response(fieldfile, *, download_name: str = "") -> FileResponse:
    """A stored file, for a view that has already checked its owner's scope. Photos this module re-encoded show
    inline with their image type; everything else (older uploads too) is an opaque download. Nothing is sniffed
    and nothing in it may run: no script, no form, no plug-in, even if a browser were to render it."""
    name = fieldfile.name
    ext = extension(name)
    if _RANDOM_NAME.search(name):
        response = FileResponse(fieldfile.open("rb"), content_type=INLINE_TYPES[ext])
        response["Content-Disposition"] = "inline"
    else:
        filename = download_name or os.path.basename(name)
        response = FileResponse(
            fieldfile.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/octet-stream",
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
