"""How well the card reader reads: accuracy per field over the generated card photos in tests/fixtures/cards.

The set (generate.py there says how it is made): 40 photos of cards in six layouts and eight faces of five Debian
font packages, on a table, turned by up to ten degrees (four upside down, two by a quarter turn), in slight
perspective, unevenly lit, a third of them blurred; with QQ and WeChat numbers, postcodes, web addresses, slogans
and English company lines beside the fields. A field counts as read when the top suggestion equals the truth
(width and spaces folded); phones when the whole set of numbers with their kinds (mobile, landline, fax) is right.

Measured with rapidocr 3.10.0 and ONNX Runtime 1.32 on x86-64: every field 100 % (40/40, e-mail 34/34). On 80
held-out photos made with another seed (`generate.py --seed 7`): 98-100 % per field, the misses being characters
the recogniser got wrong (润 read as 消, j as f). The floor leaves three misses per field for what may differ on
another machine (ONNX Runtime chooses its CPU kernels by instruction set) without letting a broken rule pass.
"""

import importlib.util
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

CARDS = Path(__file__).resolve().parent / "fixtures" / "cards"
TRUTH = json.loads((CARDS / "truth.json").read_text(encoding="utf-8"))
FLOOR = 0.925
FIELDS = ["company_name", "contact_name", "contact_title", "mobile", "phones", "email", "address"]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace(" ", "").casefold()


def _read(reading, field: str):
    if field == "mobile":
        return next((p.value for p in reading.phones if p.kind == "mobile"), "")
    if field == "phones":
        return sorted((p.value, p.kind) for p in reading.phones)
    suggestion = getattr(reading, field)
    return _fold(suggestion.value) if suggestion else ""


def _truth(card: dict, field: str):
    if field == "mobile":
        return next(p["number"] for p in card["phones"] if p["kind"] == "mobile")
    if field == "phones":
        return sorted((p["number"], p["kind"]) for p in card["phones"])
    return _fold(card[field])


def test_accuracy_per_field_is_above_the_floor():
    # One test reads the whole set once: the suite runs on several workers, each of which would read it again.
    pytest.importorskip("rapidocr", reason="rapidocr (the OCR package) is not installed")
    from pipeline.services.card_reader import card_read

    # A generous budget: this measures reading, not the speed of a machine other test suites may be loading.
    readings = {name: card_read(image=(CARDS / name).read_bytes(), budget=60) for name in TRUTH}

    table, below = [], {}
    for field in FIELDS:
        cards = {name: card for name, card in TRUTH.items() if field != "email" or card["email"]}
        misses = {
            name: (_read(readings[name], field), _truth(card, field))
            for name, card in cards.items()
            if _read(readings[name], field) != _truth(card, field)
        }
        accuracy = 1 - len(misses) / len(cards)
        table.append(f"{field}: {len(cards) - len(misses)}/{len(cards)} = {accuracy:.1%}")
        if accuracy < FLOOR:
            below[field] = misses
    print("\n".join(table))
    assert below == {}, f"below the floor of {FLOOR:.1%}: {table}; read vs truth: {below}"
    assert [name for name, reading in readings.items() if not reading.complete] == []


def test_the_generator_still_makes_the_committed_truth(tmp_path):
    # The truth comes from the generator's seeded choices; regenerating the first cards must give the same.
    spec = importlib.util.spec_from_file_location("generate", CARDS / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    missing = sorted(
        {package for path, _index, package in generate.FONT_FILES.values() if not Path(path).exists()}
    )
    if missing:
        pytest.skip(f"the generator's fonts are not installed (apt-get install {' '.join(missing)})")

    result = subprocess.run(
        [sys.executable, str(CARDS / "generate.py"), "--count", "3", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    made = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert made == {name: TRUTH[name] for name in ("card-01.jpg", "card-02.jpg", "card-03.jpg")}
