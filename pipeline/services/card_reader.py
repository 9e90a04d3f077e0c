"""Reading a business-card photo into suggestions for the lead form (step 1: "exchange business cards").

`card_read(image=bytes)` decodes the photo within fixed bounds, finds and reads its lines of text with RapidOCR
(PP-OCRv6 models shipped inside the `rapidocr` wheel and loaded from there by path, so nothing is ever
downloaded), and `card_suggest(lines)` turns the lines into suggestions: company name, contact name and title,
phone numbers (parsed and normalised with `phonenumbers`), e-mail and address, each with the line it came from and
a confidence between 0 and 1. The person capturing the lead confirms or corrects them; nothing is saved here.

Bounds, so that no upload costs unbounded memory or time:
- bytes: at most settings.UPLOAD_MAX_BYTES (checked before anything is decoded);
- pixels: the header is read first; at most MAX_SOURCE_PIXELS in the header, and at most MAX_DECODED_PIXELS
  actually decoded — a JPEG is decoded at a reduced scale (libjpeg's DCT scaling) when it is larger than the
  reader needs, so a 48-megapixel phone photo costs what a 3-megapixel one does;
- time: text is found once on an image of at most WORK_SIDE pixels, then read line by line until TIME_BUDGET is
  spent; lines not read by then are left out and the reading says it is incomplete;
- one OCR model per process, loaded on first use, used by one request at a time.
"""

import dataclasses
import math
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")  # a multi-picture (MPO) photo opens as a JPEG
# Far above any phone camera (a 108-megapixel sensor is 12,000 × 9,000); only a JPEG this large is decoded, and
# then at a reduced scale. Pillow's own guard (about 179 MP) is higher, and global, so we check our own first.
MAX_SOURCE_PIXELS = 120_000_000
# What is decoded at full scale: a 16-megapixel PNG or WebP is 48 MB of RGB.
MAX_DECODED_PIXELS = 16_000_000
# The long side of the image text is read from. A card filling a phone photo leaves its smallest print (2 mm)
# about 25 px high at this size, which the recogniser reads; more only costs time.
WORK_SIDE = 1280
# The long side of the image text is *found* on (the detector's input). Finding lines needs less detail.
DETECT_SIDE = 960
MAX_LINES = 40  # a business card has fewer than 20; anything more is not a card, and is cut off
TIME_BUDGET = 3.0  # seconds of recognition after the lines are found; the measured p95 is far below
MIN_LINE_CONFIDENCE = 0.5  # the recogniser's own threshold: below it a line is mostly noise


class CardImageTooLarge(ValidationError):
    """The photo has more bytes or pixels than the reader takes (the API answers 413)."""


@dataclass(frozen=True)
class Line:
    """A line of text as read: its text, the recogniser's confidence, and where it is (in WORK_SIDE pixels)."""

    text: str
    confidence: float
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0


@dataclass(frozen=True)
class Suggestion:
    value: str
    source: str  # the line it was read from
    confidence: float


@dataclass(frozen=True)
class PhoneSuggestion(Suggestion):
    kind: str = "landline"  # "mobile", "landline" or "fax"
    display: str = ""  # as people write it: "138 0013 8000", "0755 8888 6666"


@dataclass(frozen=True)
class CardReading:
    company_name: Suggestion | None = None
    contact_name: Suggestion | None = None
    contact_title: Suggestion | None = None
    phones: list[PhoneSuggestion] = field(default_factory=list)
    email: Suggestion | None = None
    address: Suggestion | None = None
    lines: list[Line] = field(default_factory=list)
    complete: bool = True  # False when the time budget or MAX_LINES cut the reading short


def card_read(*, image: bytes, budget: float | None = None) -> CardReading:
    """Suggestions for the lead form from the bytes of a card photo (JPEG, PNG or WebP), reading for at most
    `budget` seconds (TIME_BUDGET unless given) once the lines are found.

    Raises CardImageTooLarge for too many bytes or pixels, ValidationError for anything that is not such an image.
    """
    picture = _decode(image)
    lines, complete = _recognise(picture, budget=TIME_BUDGET if budget is None else budget)
    return dataclasses.replace(card_suggest(lines), complete=complete)


# --- Decoding ------------------------------------------------------------------------------------------------


def _too_large(message: str) -> CardImageTooLarge:
    return CardImageTooLarge({"photo": [message]}, code="too_large")


def _decode(data: bytes) -> Image.Image:
    """The photo as upright RGB with a long side of at most WORK_SIDE, decoded within the bounds above."""
    limit = settings.UPLOAD_MAX_BYTES
    if len(data) > limit:
        raise _too_large(
            _("The photo is %(size)s MB; at most %(max)s MB.")
            % {"size": f"{len(data) / 1024 / 1024:.1f}", "max": f"{limit / 1024 / 1024:g}"}
        )
    not_an_image = ValidationError(
        {"photo": [_("This is not a photo the card reader can read; send a JPEG, PNG or WebP image.")]},
        code="invalid",
    )
    try:
        # `formats` keeps Pillow from trying any other decoder on untrusted bytes; open() reads the header only.
        picture = Image.open(BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise _too_large(_("The photo has too many pixels."))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_an_image
    width, height = picture.size
    if width * height > MAX_SOURCE_PIXELS:
        raise _too_large(_("The photo has too many pixels."))
    if picture.format in ("JPEG", "MPO"):
        # Ask libjpeg for the smallest power-of-two scale that still covers WORK_SIDE: it then decodes only that.
        scale = WORK_SIDE / max(width, height)
        if scale < 1:
            picture.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    if picture.size[0] * picture.size[1] > MAX_DECODED_PIXELS:
        raise _too_large(
            _("The photo has %(pixels)s megapixels; at most %(max)s (or send it as a JPEG).")
            % {"pixels": f"{width * height / 1e6:.0f}", "max": f"{MAX_DECODED_PIXELS / 1e6:.0f}"}
        )
    try:
        picture.load()
        picture = ImageOps.exif_transpose(picture)  # phones store "turned" photos unturned, with a tag
        picture.thumbnail((WORK_SIDE, WORK_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
        if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
            # Transparent parts would turn black and hide dark print: lay the picture on white paper.
            rgba = picture.convert("RGBA")
            paper = Image.new("RGB", picture.size, (255, 255, 255))
            paper.paste(rgba, mask=rgba.getchannel("A"))
            return paper
        return picture.convert("RGB")
    except (OSError, SyntaxError, ValueError):
        raise not_an_image  # truncated or corrupt beyond the header


# --- Recognition ---------------------------------------------------------------------------------------------

_engine = None
# RapidOCR keeps the use_det/use_cls/use_rec switches of the last call on the instance, so two threads sharing
# it would switch each other's steps; one reading at a time per process is also all two cores can run well.
_engine_lock = threading.Lock()


def _model_paths() -> dict[str, Path]:
    import rapidocr

    models = Path(rapidocr.__file__).resolve().parent / "models"
    return {
        "Det": models / "PP-OCRv6_det_small.onnx",
        "Cls": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
        "Rec": models / "PP-OCRv6_rec_small.onnx",
    }


def _load_engine():
    # Imported here, not at module level: numpy, OpenCV and ONNX Runtime take a second and a hundred MB to load,
    # which only a process that actually reads a card should pay.
    from rapidocr import RapidOCR

    paths = _model_paths()
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        # With a model_path given RapidOCR never downloads; without the file it would try to. Say what is wrong.
        raise RuntimeError(
            f"The OCR models shipped with rapidocr are missing ({', '.join(missing)}); reinstall it."
        )
    return RapidOCR(
        params={
            "Global.log_level": "warning",
            "Global.text_score": MIN_LINE_CONFIDENCE,
            **{f"{step}.model_path": str(path) for step, path in paths.items()},
            "Det.limit_type": "max",
            "Det.limit_side_len": DETECT_SIDE,
        }
    )


def _loaded_engine():
    """The process's OCR engine, loaded on first use (about a second); call with _engine_lock held."""
    global _engine
    if _engine is None:
        _engine = _load_engine()
    return _engine


def _geometry(box, skew: float = 0.0) -> tuple[float, float, float, float]:
    """x, y of the top-left corner, width and height of a detected quadrilateral (corners clockwise from the
    top-left), in a frame turned back by `skew` radians so that the card's lines run level."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = box.tolist()
    width = (math.dist((x0, y0), (x1, y1)) + math.dist((x3, y3), (x2, y2))) / 2
    height = (math.dist((x0, y0), (x3, y3)) + math.dist((x1, y1), (x2, y2))) / 2
    cos, sin = math.cos(skew), math.sin(skew)
    return x0 * cos + y0 * sin, y0 * cos - x0 * sin, width, height


def _skew(boxes) -> float:
    """The angle of the card's lines: the median slope of the top edges of the lines that are clearly lines."""
    angles = sorted(
        math.atan2(box[1][1] - box[0][1], box[1][0] - box[0][0])
        for box in boxes
        if _geometry(box)[2] > 2 * _geometry(box)[3]
    )
    return angles[len(angles) // 2] if angles else 0.0


def _reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom; lines whose middles are within half a line of each other form a row, read left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: ln.y + ln.height / 2):
        middle = line.y + line.height / 2
        first = rows[-1][0] if rows else None
        if first and abs(middle - (first.y + first.height / 2)) < 0.5 * min(line.height, first.height):
            rows[-1].append(line)
        else:
            rows.append([line])
    return [line for row in rows for line in sorted(row, key=lambda ln: ln.x)]


def _find(ocr, bgr) -> list:
    """The quadrilaterals of the lines of text, top to bottom and left to right."""
    found = ocr(bgr, use_det=True, use_cls=False, use_rec=False)
    boxes = getattr(found, "boxes", None)
    return [] if boxes is None else list(boxes)


def _crop(bgr, box):
    import numpy as np
    from rapidocr.utils.process_img import get_rotate_crop_image

    return get_rotate_crop_image(bgr, np.asarray(box, dtype=np.float32))


def _upright(ocr, bgr, boxes):
    """The image and its lines turned so the text reads left to right, top to bottom.

    The recogniser alone would read each line of a turned card, but the layout rules need the lines in reading
    order and their real heights. Finding lines again costs a third of a reading, so only turned cards pay it.
    """
    import numpy as np

    sizes = [_geometry(box)[2:] for box in boxes]
    if sum(height > 1.5 * width for width, height in sizes) * 2 > len(sizes):
        # Lines standing on end: a quarter turn. Turn it back one way; the check below finishes a wrong guess.
        bgr = np.ascontiguousarray(np.rot90(bgr))
        boxes = _find(ocr, bgr)
    widest = sorted(boxes, key=lambda box: _geometry(box)[2])[-3:]
    votes = [ocr(_crop(bgr, box), use_det=False, use_cls=True, use_rec=False).cls_res[0] for box in widest]
    if sum(label == "180" and score >= 0.9 for label, score in votes) * 2 > len(votes):
        bgr = np.ascontiguousarray(bgr[::-1, ::-1])
        boxes = _find(ocr, bgr)
    return bgr, boxes


def _recognise(picture: Image.Image, *, budget: float) -> tuple[list[Line], bool]:
    import numpy as np

    bgr = np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])  # OpenCV's channel order
    with _engine_lock:
        ocr = _loaded_engine()
        started = time.monotonic()
        boxes = _find(ocr, bgr)
        if not boxes:
            return [], True
        bgr, boxes = _upright(ocr, bgr, boxes)
        complete = len(boxes) <= MAX_LINES
        skew = _skew(boxes)
        lines = []
        for box in boxes[:MAX_LINES]:
            if time.monotonic() - started > budget:
                complete = False
                break
            read = ocr(_crop(bgr, box), use_det=False, use_cls=False, use_rec=True)
            text, confidence = (read.txts or ("",))[0].strip(), float((read.scores or (0.0,))[0])
            if text and confidence >= MIN_LINE_CONFIDENCE:
                lines.append(Line(text, round(confidence, 3), *(round(v, 1) for v in _geometry(box, skew))))
    return _reading_order(lines), complete


# --- From lines to suggestions -------------------------------------------------------------------------------

_HAN = r"\u3400-\u9fff"
_LABEL = re.compile(
    r"^\s*(?P<label>手机号?码?|移动电话|电话|座机|固话|办公电话|传真|邮箱|电子邮箱|e-?mail|地址|公司地址|办公地址|网址|"
    r"网站|mob(?:ile)?|cell|phone|tel|fax|add(?:r(?:ess)?)?|web(?:site)?|[mtfeaw])\s*(?:[:：]\s*|\s+|(?=[\d+(]))",
    re.IGNORECASE,
)
_LABEL_KIND = {
    "fax": ("传真", "fax", "f"),
    "mobile": ("手机", "移动电话", "mob", "mobile", "cell", "m"),
    "address": ("地址", "公司地址", "办公地址", "add", "addr", "address", "a"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail", "e"),
    "web": ("网址", "网站", "web", "website", "w"),
}
_FAX_LABEL = re.compile(r"(传真|fax|\bf\b)\s*[:：]?\s*$", re.IGNORECASE)
_MOBILE_LABEL = re.compile(r"(手机|移动电话|mob(ile)?|cell|\bm\b)\s*[:：]?\s*$", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_WEB = re.compile(r"^(https?://|www\.)|\.(com|cn|net)(\.cn)?/?$", re.IGNORECASE)
_WEB_ADDRESS = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
# Numbers that are not telephones: a QQ number of ten digits reads as a landline without its 0.
_OTHER_NUMBER = re.compile(
    r"(qq|微信|wechat|邮编|邮政编码|p\.?c\.?|zip)\s*(号|号码)?\s*[:：]?\s*[\w.-]+", re.IGNORECASE
)
_POSTCODE = re.compile(r"\s*(邮编|邮政编码|p\.?c\.?|zip)\s*[:：]?\s*\d{6}\s*", re.IGNORECASE)

_ORG_ENDINGS = (
    ("股份有限公司", 1.0),
    ("有限责任公司", 1.0),
    ("有限公司", 1.0),
    ("集团", 0.95),
    ("公司", 0.9),
    ("分行", 0.85),
    ("银行", 0.85),
    ("研究院", 0.8),
    ("研究所", 0.8),
    ("事务所", 0.8),
    ("工作室", 0.75),
    ("经营部", 0.75),
    ("门市部", 0.75),
    ("商行", 0.75),
    ("合作社", 0.75),
    ("中心", 0.6),
    ("酒店", 0.7),
    ("医院", 0.7),
    ("学校", 0.7),
    ("协会", 0.7),
    ("商会", 0.7),
    ("厂", 0.75),
    ("店", 0.6),
)
_ENGLISH_ORG = re.compile(
    r"\b(co\.?,?\s*ltd\.?|limited|inc\.?|corp(oration)?\.?|llc|company)\s*$", re.IGNORECASE
)
# Ranks a Chinese title ends with; a department may come first (销售部经理, 大客户经理).
_TITLE_RANKS = (
    "总经理|副总经理|总经理助理|经理|总监|主管|董事长|董事|总裁|副总裁|主任|专员|助理|工程师|代表|顾问|店长|厂长|"
    "部长|秘书|会计|出纳|负责人|合伙人|创始人|院长|校长|所长|科长|处长|局长|组长|队长|站长|主席|老板|业务员|采购员|"
    "设计师|律师|医生|教授|总"
)
# What may stand before the rank: a department or a grade (销售部, 华东区, 高级), never a name.
_TITLE_QUALIFIERS = (
    "销售|市场|营销|采购|业务|行政|人事|人力资源|财务|技术|运营|物流|客户|大客户|客服|生产|项目|区域|高级|资深|首席|"
    f"副|总|常务|执行|商务|品牌|产品|研发|质量|品质|仓储|电商|网络|工程|设计|渠道|外贸|国际|门店|[{_HAN}]{{1,4}}部|"
    f"[{_HAN}]{{1,3}}区"
)
_ONE_TITLE = rf"(?:(?:{_TITLE_QUALIFIERS})\s*)*(?:{_TITLE_RANKS})"
_TITLE = re.compile(rf"^{_ONE_TITLE}(?:\s*[/|、]\s*{_ONE_TITLE})?$")
_ENGLISH_TITLE = re.compile(
    r"^((senior|general|deputy|vice|assistant|regional|sales|marketing|account|key account|purchasing|logistics|"
    r"operations|project|product)\s+)*(manager|director|president|ceo|cfo|coo|cto|engineer|representative|"
    r"consultant|supervisor|chairman|founder|partner|specialist)$",
    re.IGNORECASE,
)
_ADDRESS_PARTS = re.compile(r"省|市|区|县|镇|乡|村|路|街|道|巷|弄|号|大厦|广场|园|楼|层|室|座|栋|幢")
# The hundred and fifty most common surnames and the compound ones still met; the first character(s) of a name.
_SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
    "邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝"
    "路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂"
    "全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
) | {
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "令狐",
    "司徒",
    "夏侯",
    "端木",
    "南宫",
}
# Traditional forms the recogniser sometimes returns for a simplified surname in a brush or Ming face.
_SURNAME_FOLD = str.maketrans(
    "黃陳劉張趙吳鄭羅許馮鄧葉蘇呂盧錢孫楊謝馬韓蕭", "黄陈刘张赵吴郑罗许冯邓叶苏吕卢钱孙杨谢马韩萧"
)
# OCR reads O for 0 and l or I for 1 inside numbers; only fixed where digits stand on both sides or in a run.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "l": "1", "I": "1", "|": "1"})
_NUMBERISH = re.compile(r"[\dOolI|][\dOolI|\s\-()]{5,}[\dOolI|]")


def _norm(text: str) -> str:
    """Full-width letters, digits and colons folded to ASCII, spaces collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def _label(text: str) -> tuple[str, str]:
    """The line's label folded to one of _LABEL_KIND's keys ("" if none or unknown) and the text after it."""
    match = _LABEL.match(text)
    if not match:
        return "", text
    label = match.group("label").casefold()
    for kind, words in _LABEL_KIND.items():
        if label in words:
            return kind, text[match.end() :].strip()
    return "phone", text[match.end() :].strip()


def _han_only(text: str) -> str:
    return re.sub(r"[\s·•.]", "", text)


def _is_han(text: str) -> bool:
    return bool(text) and re.fullmatch(rf"[{_HAN}]+", text) is not None


def _name_in(text: str) -> str:
    """The person's name when `text` is one: two to four Chinese characters starting with a known surname."""
    compact = _han_only(text)
    if not _is_han(compact) or not 2 <= len(compact) <= 4:
        return ""
    compact = compact[:2].translate(_SURNAME_FOLD) + compact[2:]
    if compact[:2] in _SURNAMES and len(compact) >= 3:
        return compact
    if compact[0] in _SURNAMES and len(compact) <= 3:
        return compact
    return ""


def _org_score(text: str) -> float:
    # "…有限公司(深圳分公司)" ends with the company all the same.
    core = re.sub(r"[(（][^)）]*[)）]$", "", text).strip()
    for ending, score in _ORG_ENDINGS:
        if core.endswith(ending) and len(core) > len(ending) + 1:
            return score
    for ending, score in _ORG_ENDINGS[:5]:
        if ending in core and len(core) > len(ending) + 1:
            return score * 0.8
    if _ENGLISH_ORG.search(text):
        return 0.5
    return 0.0


def _phones(lines: list[Line]) -> list[PhoneSuggestion]:
    found: dict[str, PhoneSuggestion] = {}
    for line in lines:
        # Two columns may be read as one line ("手机 138… 邮箱 a@b.cn"): blank out what cannot hold a number.
        text = _OTHER_NUMBER.sub(" ", _EMAIL.sub(" ", _WEB_ADDRESS.sub(" ", _norm(line.text))))
        fixed = _NUMBERISH.sub(lambda m: m.group(0).translate(_DIGIT_LOOKALIKES), text)
        for match in phonenumbers.PhoneNumberMatcher(fixed, "CN"):
            number = match.number
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            before = fixed[: match.start]
            number_type = phonenumbers.number_type(number)
            if _FAX_LABEL.search(before):
                kind = "fax"
            elif number_type == phonenumbers.PhoneNumberType.MOBILE or (
                number_type == phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE
                and _MOBILE_LABEL.search(before)
            ):
                kind = "mobile"
            else:
                kind = "landline"
            if number.country_code == 86:
                display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            else:
                display = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            if e164 not in found:
                found[e164] = PhoneSuggestion(e164, line.text, line.confidence, kind=kind, display=display)
    order = {"mobile": 0, "landline": 1, "fax": 2}
    return sorted(found.values(), key=lambda p: order[p.kind])


def _email(lines: list[Line]) -> Suggestion | None:
    for line in lines:
        text = _norm(line.text)
        if "@" not in text:
            continue
        kind, rest = _label(text)
        rest = re.sub(r"\s*([@.])\s*", r"\1", rest if kind == "email" else text)
        match = _EMAIL.search(rest)
        if match:
            return Suggestion(match.group(0).lower(), line.text, line.confidence)
    return None


def _best(candidates: list[tuple[float, str, Line]]) -> Suggestion | None:
    if not candidates:
        return None
    score, value, line = max(candidates, key=lambda c: c[0])
    return Suggestion(value, line.text, round(score, 3))


def card_suggest(lines: list[Line]) -> CardReading:
    """Suggestions from the lines of a card, read top to bottom. Pure: no OCR, no database."""
    phones = _phones(lines)
    email = _email(lines)
    companies, names, titles, addresses = [], [], [], []
    tallest = max((line.height for line in lines), default=0.0)
    # Lines that are a phone, an e-mail, a web address or labelled: not a name, a company or an address's rest.
    used: set[int] = set()
    for i, line in enumerate(lines):
        text = _norm(line.text)
        kind, rest = _label(text)
        if kind == "address" and rest:
            addresses.append((line.confidence, rest, i))
            used.add(i)
            continue
        if kind or "@" in text or _WEB.search(text) or any(p.source == line.text for p in phones):
            used.add(i)
            continue
        org = _org_score(text)
        if org:
            companies.append((org * line.confidence, re.sub(r"^(公司|单位)[:：]\s*", "", text), line))
            continue
        compact = _han_only(text)
        if _TITLE.match(compact) or _ENGLISH_TITLE.match(text):  # before names: 董事长 starts with a surname
            titles.append((0.9 * line.confidence, text, line))
            continue
        name = _name_in(text)
        if name:
            # The name is usually the largest print on the card.
            size = 1.0 if tallest and line.height >= 0.8 * tallest else 0.85
            names.append((0.9 * size * line.confidence, name, line))
            continue
        # A name and a title on one line: "张伟 销售经理", or run together when the print is close.
        head, _space, tail = text.partition(" ")
        cuts = [(head, tail.strip())] if tail else []
        cuts += [(compact[:cut], compact[cut:]) for cut in (2, 3, 4)]
        for head, tail in cuts:
            if _name_in(head) and tail and _TITLE.match(tail):
                names.append((0.85 * line.confidence, _name_in(head), line))
                titles.append((0.85 * line.confidence, tail, line))
                break
        else:
            digits = re.search(r"\d", text) is not None
            parts = len(_ADDRESS_PARTS.findall(compact))
            if parts >= 3 and (digits or parts >= 4):
                addresses.append((0.75 * line.confidence, text, i))
    company = _best(companies)
    if company:
        # A logo's brand ("华通") is often a word of the company name, and looks like a name: prefer real names.
        names = [(s * (0.5 if n in company.value else 1.0), n, line) for s, n, line in names]
    return CardReading(
        company_name=company,
        contact_name=_best(names),
        contact_title=_best(titles),
        phones=phones,
        email=email,
        address=_address(addresses, lines, used),
        lines=list(lines),
    )


def _address(
    candidates: list[tuple[float, str, int]], lines: list[Line], used: set[int]
) -> Suggestion | None:
    """The best address line, with the line below it when the address wraps onto it."""
    if not candidates:
        return None
    score, value, i = max(candidates, key=lambda c: c[0])
    line = lines[i]
    below = next((j for j in range(i + 1, len(lines)) if _continues(line, lines[j]) and j not in used), None)
    if below is None:
        return Suggestion(_POSTCODE.sub("", value), line.text, round(score, 3))
    rest = lines[below]
    value = _POSTCODE.sub("", value + _POSTCODE.sub("", _norm(rest.text)).replace(" ", ""))
    return Suggestion(value, f"{line.text}\n{rest.text}", round(min(score, rest.confidence * 0.9), 3))


def _continues(line: Line, below: Line) -> bool:
    """Whether `below` is the rest of `line` wrapped: the next line down, same print, aligned left or centred."""
    if not line.height or abs(below.height - line.height) > 0.3 * line.height:
        return False
    if not 0 < below.y - line.y <= 2.2 * line.height:
        return False
    centre, centre_below = line.x + line.width / 2, below.x + below.width / 2
    if abs(below.x - line.x) > 1.5 * line.height and abs(centre_below - centre) > 1.5 * line.height:
        return False
    text = _POSTCODE.sub("", _norm(below.text)).replace(" ", "")
    if (
        not text
        or _org_score(text)
        or _name_in(text)
        or re.search(r"@|www\.|\d{7,}", text)
        or _LABEL.match(text)
    ):
        return False
    return re.fullmatch(rf"[{_HAN}A-Za-z0-9\-#()（）]+", text) is not None
