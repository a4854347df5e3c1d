"""Thumbnails as PocketBase makes them: each size of a field's `thumbs` (and 100x100) made from the stored image on
the first request, EXIF orientation applied, the format kept, stored beside the original and served from there
after; the original for a size not listed or a file that is no image; a 400 for an image too large to decode."""
import io
import struct
import zlib

import pytest
import requests
from PIL import Image

from tests.http.test_files_http import head, presign, wx_upload_file
from tests.records_helpers import use_collections, user

SIZES = ["120x80", "120x80t", "120x80b", "120x80f", "0x50", "50x0"]
ALBUM = {
    "id": "pbc_album000001", "name": "album", "type": "base",
    "listRule": "", "viewRule": "", "createRule": '@request.auth.id != ""', "updateRule": None,
    "deleteRule": '@request.auth.id != ""',
    "fields": [{"name": "photo", "type": "file", "maxSelect": 1, "maxSize": 5242880, "thumbs": SIZES,
                "mimeTypes": ["image/jpeg", "image/png", "image/gif", "image/webp"]}],
    "indexes": [],
}
RED, BLUE = (255, 0, 0), (0, 0, 255)


@pytest.fixture
def with_album(tmp_path, monkeypatch):
    use_collections(tmp_path, monkeypatch, ALBUM)


def _upload(api, owner, data, content_type, filename):
    up = presign(api, owner["token"], collection="album", field="photo", filename=filename, size=len(data),
                 contentType=content_type)
    assert up.status == 200, up
    wx_upload_file(up.json, data, content_type)
    created = api.post("/api/collections/album/records", {"id": up.json["recordId"], "photo": up.json["name"]},
                       token=owner["token"])
    assert created.status == 200, created
    return up.json, f"/api/files/album/{up.json['recordId']}/{up.json['name']}"


def _thumb(api, link, size):
    reply = api.get(f"{link}?thumb={size}")
    assert reply.status == 302, reply
    return reply.headers["location"], Image.open(io.BytesIO(requests.get(reply.headers["location"], timeout=30).content))


def _tall_photo_turned_by_exif():
    """Shown upright it is 200x300, red above blue; stored turned a quarter and tagged EXIF orientation 6."""
    shown = Image.new("RGB", (200, 300), RED)
    shown.paste(BLUE, (0, 150, 200, 300))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    shown.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def _near(pixel, color):
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], color))


def test_each_size_is_made_as_pocketbase_makes_it_and_served_from_storage_after(api, with_album):
    owner = user(api)
    up, link = _upload(api, owner, _tall_photo_turned_by_exif(), "image/jpeg", "photo.jpg")
    made = {size: _thumb(api, link, size) for size in SIZES}
    assert {s: img.size for s, (_, img) in made.items()} == {
        "120x80": (120, 80), "120x80t": (120, 80), "120x80b": (120, 80), "120x80f": (53, 80), "0x50": (33, 50),
        "50x0": (50, 75)}
    assert all(img.format == "JPEG" for _, img in made.values())
    center, top, bottom = (made[s][1].convert("RGB") for s in ("120x80", "120x80t", "120x80b"))
    assert _near(top.getpixel((60, 70)), RED) and _near(bottom.getpixel((60, 10)), BLUE)
    assert _near(center.getpixel((60, 5)), RED) and _near(center.getpixel((60, 75)), BLUE)
    assert _near(made["50x0"][1].convert("RGB").getpixel((25, 5)), RED)  # upright: the EXIF turn was applied
    thumb_key = f"{up['key'].rpartition('/')[0]}/thumbs_{up['name']}/120x80_{up['name']}"
    assert made["120x80"][0].split("?")[0].endswith(thumb_key) and head(thumb_key)["contentType"] == "image/jpeg"

    from chalicelib.store import objects
    objects.put(thumb_key, b"kept", "image/jpeg")  # a second request serves what is stored, it doesn't remake it
    again = api.get(f"{link}?thumb=120x80")
    assert requests.get(again.headers["location"], timeout=30).content == b"kept"

    original = api.get(link).headers["location"].split("?")[0]
    for size in ("300x200", "120x81", "0x0", "abc"):
        assert api.get(f"{link}?thumb={size}").headers["location"].split("?")[0] == original
    assert _thumb(api, link, "100x100")[1].size == (100, 100)  # PocketBase's default size, always served

    assert api.delete(f"/api/collections/album/records/{up['recordId']}", token=owner["token"]).status == 204
    assert head(thumb_key) is None and head(up["key"]) is None


@pytest.mark.parametrize("fmt,content_type", [("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")])
def test_png_gif_and_webp_keep_their_format_and_a_gif_gives_its_first_frame(api, with_album, fmt, content_type):
    frames = [Image.new("RGBA", (90, 60), (0, 200, 0, 255)), Image.new("RGBA", (90, 60), (200, 0, 0, 255))]
    frames[0].paste((0, 200, 0, 0), (0, 0, 45, 60))  # left half transparent
    out = io.BytesIO()
    if fmt == "GIF":
        frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    else:
        frames[0].save(out, fmt)
    _, link = _upload(api, user(api), out.getvalue(), content_type, "pic." + fmt.lower())
    _, thumb = _thumb(api, link, "50x0")
    assert thumb.format == fmt and thumb.size == (50, 33)
    assert _near(thumb.convert("RGB").getpixel((40, 16)), (0, 200, 0))  # the first frame's green
    if fmt != "GIF":
        assert thumb.convert("RGBA").getpixel((5, 16))[3] == 0  # transparency kept


def _png_claiming(width, height):
    """A small PNG whose header claims width x height pixels (a decompression bomb's header)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + \
        chunk(b"IEND", b"")


def test_a_decompression_bomb_is_a_400_and_a_file_that_is_no_image_gives_the_original(api, with_album):
    owner = user(api)
    up, link = _upload(api, owner, _png_claiming(30000, 30000), "image/png", "bomb.png")
    refused = api.get(f"{link}?thumb=120x80")
    assert refused.status == 400 and "pixels" in refused.json["message"]
    assert head(f"{up['key'].rpartition('/')[0]}/thumbs_{up['name']}/120x80_{up['name']}") is None

    _, broken = _upload(api, owner, b"\x89PNG not really", "image/png", "broken.png")
    assert api.get(f"{broken}?thumb=120x80").headers["location"].split("?")[0] == \
        api.get(broken).headers["location"].split("?")[0]
