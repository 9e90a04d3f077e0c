"""The business-card reader (pipeline/services/card_reader.py): from lines to suggestions, the bounds on what it
decodes, its time budget, and that it never reaches for the network."""

import io
import secrets
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from pipeline.services import card_reader
from pipeline.services.card_reader import CardImageTooLarge, Line, card_read, card_suggest

ROOT = Path(__file__).resolve().parent.parent
CARDS = Path(__file__).resolve().parent / "fixtures" / "cards"


def needs_ocr():
    return pytest.importorskip("rapidocr", reason="rapidocr (the OCR package) is not installed")


def lines(*rows) -> list[Line]:
    """Lines stacked down a card: (text, height) or text (height 24), each a line and a half below the last."""
    out, y = [], 0.0
    for row in rows:
        text, height = row if isinstance(row, tuple) else (row, 24.0)
        out.append(Line(text, 0.99, x=40.0, y=y, width=20.0 * len(text), height=height))
        y += height * 1.5
    return out


def value(suggestion):
    return suggestion.value if suggestion else None


# --- From lines to suggestions --------------------------------------------------------------------------------


def test_a_classic_card_gives_every_field_with_its_source():
    reading = card_suggest(
        lines(
            "深圳市华通电子科技有限公司",
            ("张伟", 60.0),
            "销售经理",
            "手机：138 1234 5678",
            "电话：0755-8888 6666",
            "邮箱：zhangwei@huatong-tech.com",
            "地址：深圳市南山区科技南路18号",
        )
    )

    assert value(reading.company_name) == "深圳市华通电子科技有限公司"
    assert value(reading.contact_name) == "张伟"
    assert value(reading.contact_title) == "销售经理"
    assert [(p.value, p.kind, p.display) for p in reading.phones] == [
        ("+8613812345678", "mobile", "138 1234 5678"),
        ("+8675588886666", "landline", "0755 8888 6666"),
    ]
    assert reading.phones[0].source == "手机：138 1234 5678"
    assert value(reading.email) == "zhangwei@huatong-tech.com"
    assert value(reading.address) == "深圳市南山区科技南路18号"
    assert reading.address.source == "地址：深圳市南山区科技南路18号"
    assert all(0 < s.confidence <= 1 for s in (reading.company_name, reading.contact_name, reading.address))


@pytest.mark.parametrize(
    "text, name, title",
    [
        ("张伟销售经理", "张伟", "销售经理"),  # printed close together, read as one line
        ("欧阳建华 大客户经理", "欧阳建华", "大客户经理"),
        ("黃雪梅", "黄雪梅", None),  # a brush face read as the traditional form of the surname
    ],
)
def test_a_name_and_a_title(text, name, title):
    reading = card_suggest(lines("上海恒达物流有限公司", (text, 50.0)))

    assert (value(reading.contact_name), value(reading.contact_title)) == (name, title)


def test_a_title_starting_with_a_surname_is_a_title_and_a_logo_word_is_not_a_name():
    # 董 is a surname and 董事长 three characters; 华通, the logo, is two characters starting with the surname 华.
    reading = card_suggest(lines(("华通", 80.0), "深圳市华通电子科技有限公司", ("王磊", 60.0), "董事长"))

    assert value(reading.contact_name) == "王磊"
    assert value(reading.contact_title) == "董事长"


def test_numbers_that_are_not_telephones_and_a_fax():
    reading = card_suggest(
        lines(
            "QQ：2851234567",  # ten digits that would be a Chengdu landline with a 0 in front
            "微信：zhangwei888",
            "传真：(0755) 8888 6667",
            "T: 0571-8765 4321",
            "M: +86 139-1111-2222",
        )
    )

    assert [(p.value, p.kind) for p in reading.phones] == [
        ("+8613911112222", "mobile"),
        ("+8657187654321", "landline"),
        ("+8675588886667", "fax"),
    ]


def test_two_columns_read_as_one_line_give_both_the_number_and_the_address():
    reading = card_suggest(lines("手机135-3370-4333邮箱：guoqingh@ruifeng-machinery.cn"))

    assert [p.value for p in reading.phones] == ["+8613533704333"]
    assert value(reading.email) == "guoqingh@ruifeng-machinery.cn"


def test_digits_read_as_letters_are_put_back():
    reading = card_suggest(lines("手机：l38 OO13 8OOO"))

    assert [p.value for p in reading.phones] == ["+8613800138000"]


def test_a_wrapped_address_is_joined_and_its_postcode_left_out():
    reading = card_suggest(lines("地址：江苏省苏州市相城区星湖街320号联创时代广场C座9", "07室  邮编：215000"))

    assert value(reading.address) == "江苏省苏州市相城区星湖街320号联创时代广场C座907室"
    assert reading.address.source == "地址：江苏省苏州市相城区星湖街320号联创时代广场C座9\n07室  邮编：215000"


def test_an_unlabelled_address_is_recognised_by_its_parts_with_less_confidence():
    labelled = card_suggest(lines("地址：浙江省杭州市西湖区文三路90号"))
    bare = card_suggest(lines("浙江省杭州市西湖区文三路90号"))

    assert value(bare.address) == value(labelled.address) == "浙江省杭州市西湖区文三路90号"
    assert bare.address.confidence < labelled.address.confidence


def test_english_labels_and_an_english_company_line():
    reading = card_suggest(
        lines(
            "宁波市众诚电子商务有限公司",
            "ZHONGCHENG E-COMMERCE CO., LTD.",
            ("徐国庆", 56.0),
            "Sales Manager",
            "Mob: 187 6965 5774",
            "E: guoqingx@zhongcheng.cn",
            "Add: 浙江省宁波市鄞州区中山西路451号",
        )
    )

    assert value(reading.company_name) == "宁波市众诚电子商务有限公司"
    assert value(reading.contact_title) == "Sales Manager"
    assert value(reading.email) == "guoqingx@zhongcheng.cn"
    assert value(reading.address) == "浙江省宁波市鄞州区中山西路451号"


def test_nothing_to_suggest_from_nothing():
    reading = card_suggest([])

    assert reading.company_name is reading.contact_name is reading.address is reading.email is None
    assert reading.phones == [] and reading.lines == [] and reading.complete


# --- Decoding within bounds -----------------------------------------------------------------------------------


def _image_bytes(size, fmt="PNG", mode="RGB", color="white", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height pixels and whose data is a few bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_more_bytes_than_uploads_may_have_is_refused_before_decoding(settings):
    settings.UPLOAD_MAX_BYTES = 1000

    with pytest.raises(CardImageTooLarge) as refused:
        card_reader._decode(_image_bytes((40, 40), "PNG") + b"\0" * 1000)

    assert "MB" in refused.value.message_dict["photo"][0]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_png_header_only(20_000, 20_000), id="a 400-megapixel header"),
        pytest.param(_png_header_only(5_000, 4_000), id="a 20-megapixel PNG"),
    ],
)
def test_too_many_pixels_is_refused_before_decoding(data):
    with pytest.raises(CardImageTooLarge):
        card_reader._decode(data)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale():
    # 24 megapixels, more than MAX_DECODED_PIXELS: as a JPEG it is read at a quarter of its size instead.
    data = _image_bytes((6000, 4000), "JPEG", quality=30)

    picture = card_reader._decode(data)

    assert max(picture.size) == card_reader.WORK_SIDE and picture.mode == "RGB"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not an image at all", id="text"),
        pytest.param(_image_bytes((50, 50), "GIF"), id="a GIF"),
        pytest.param(_image_bytes((50, 50), "BMP"), id="a BMP"),
        pytest.param(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", id="PostScript"),
        pytest.param(_image_bytes((300, 200), "JPEG")[:300], id="a truncated JPEG"),
    ],
)
def test_what_is_not_a_jpeg_png_or_webp_photo_is_refused_with_a_message(data):
    with pytest.raises(ValidationError) as refused:
        card_reader._decode(data)

    assert not isinstance(refused.value, CardImageTooLarge)
    assert refused.value.message_dict["photo"]


def test_a_photo_turned_by_its_exif_tag_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    data = _image_bytes((400, 200), "JPEG", exif=exif.tobytes())

    assert card_reader._decode(data).size == (200, 400)


def test_a_transparent_png_lies_on_white_paper():
    data = _image_bytes((40, 40), "PNG", mode="RGBA", color=(0, 0, 0, 0))

    assert card_reader._decode(data).getpixel((20, 20)) == (255, 255, 255)


# --- Reading, with the OCR model -----------------------------------------------------------------------------


def test_a_card_is_read_once_the_model_is_loaded_and_the_model_stays():
    needs_ocr()
    data = (CARDS / "card-01.jpg").read_bytes()

    first = card_read(image=data, budget=60)
    engine = card_reader._engine
    second = card_read(image=data, budget=60)

    assert first.complete and first.company_name.value == "北京市众诚文化传媒有限公司"
    assert second == first
    assert card_reader._engine is engine is not None


def test_the_time_budget_stops_the_reading_and_says_so():
    needs_ocr()

    reading = card_read(image=(CARDS / "card-02.jpg").read_bytes(), budget=0)

    assert not reading.complete
    assert reading.lines == [] and reading.company_name is None


def test_a_photo_with_more_lines_than_a_card_is_cut_off_and_says_so(monkeypatch):
    needs_ocr()
    monkeypatch.setattr(card_reader, "MAX_LINES", 3)

    reading = card_read(image=(CARDS / "card-02.jpg").read_bytes(), budget=60)

    assert not reading.complete and 0 < len(reading.lines) <= 3


def test_a_blank_photo_reads_as_nothing():
    needs_ocr()

    reading = card_read(image=_image_bytes((600, 360), "PNG"))

    assert reading == card_suggest([])


def test_the_models_come_from_the_package_and_nothing_is_downloaded():
    needs_ocr()
    # A fresh interpreter in which every connection attempt fails loudly: loading the models and reading a card
    # must not try one (the package would download missing models from the internet).
    code = """
import os, socket, sys
def refuse(*args, **kwargs):
    raise AssertionError(f"network access attempted: {args!r}")
socket.socket.connect = refuse
socket.create_connection = refuse
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
import django
django.setup()
from pathlib import Path
from pipeline.services.card_reader import card_read
print(card_read(image=Path(sys.argv[1]).read_bytes(), budget=60).company_name.value)
"""
    result = subprocess.run(
        [sys.executable, "-c", code, str(CARDS / "card-01.jpg")],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "SECRET_KEY": secrets.token_urlsafe(50)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "北京市众诚文化传媒有限公司"
