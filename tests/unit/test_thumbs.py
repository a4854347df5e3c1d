"""Thumbnail sizes and bounds without storage; Pillow stays out of `import app`."""
import io
import subprocess
import sys

import pytest
from PIL import Image

from chalicelib.files import thumbs
from tests.conftest import PROJECT_DIR


def test_pillow_is_not_imported_with_the_app():
    code = "import sys, app; print('PIL' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr[-2000:]


@pytest.mark.parametrize("size,listed,expected", [
    ("300x200", ["300x200"], True), ("100x100", [], True), ("300x200", ["300x200f"], False),
    ("0x0", ["0x0"], False), ("0x50", ["0x50"], True), ("12345x1", ["12345x1"], False), (None, [], False)])
def test_only_listed_sizes_and_pocketbases_default_are_served(size, listed, expected):
    assert thumbs.allowed(size, listed) is expected


def test_fit_never_enlarges_and_resize_keeps_the_aspect_ratio():
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (1, 2, 3)).save(out, "PNG")
    sizes = {s: Image.open(io.BytesIO(thumbs.make(out.getvalue(), s, "PNG"))).size
             for s in ("400x400f", "20x20f", "0x40", "10x0", "30x30")}
    assert sizes == {"400x400f": (40, 20), "20x20f": (20, 10), "0x40": (80, 40), "10x0": (10, 5), "30x30": (30, 30)}
    assert thumbs.make(b"not an image", "30x30", "PNG") is None
