"""The Chinese catalog is complete: every message in the code is translated, none fuzzy."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted((ROOT / "marketplace" / "translations").glob("*/LC_MESSAGES/messages.po"))
HOW_TO_FIX = (
    "run `.venv/bin/pybabel extract -F babel.cfg -k _l --no-location --sort-output "
    "-o marketplace/translations/messages.pot .`, then `.venv/bin/pybabel update -i "
    "marketplace/translations/messages.pot -d marketplace/translations --no-fuzzy-matching`, "
    "translate the new entries and run `make translations`"
)


def load(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def msgid_text(message_id) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(msgid_text(message))
    return found


def test_there_is_a_chinese_catalog():
    assert [path.parts[-3] for path in CATALOGS] == ["zh"]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_no_message_is_untranslated_or_fuzzy(path):
    catalog = load(path)
    untranslated = [message.id for message in catalog if message.id and not all(_strings(message))]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]

    assert len(catalog) > 100
    assert not untranslated, f"untranslated in {path.name}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path.name}: {fuzzy}"


def _strings(message):
    return message.string if isinstance(message.string, tuple | list) else (message.string,)


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_placeholders_match(path):
    """A translation that drops or renames %(name)s would crash the page at runtime."""
    catalog = load(path)
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in catalog.check()
    ]

    assert not problems


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_message_in_the_code_is_in_the_catalog(path):
    catalog_ids = {msgid_text(message.id) for message in load(path) if message.id}

    missing = sorted(source_messages() - catalog_ids)

    assert not missing, f"{len(missing)} messages not in {path}: {missing[:10]}; {HOW_TO_FIX}"


def test_the_template_matches_the_catalog():
    with (ROOT / "marketplace" / "translations" / "messages.pot").open("rb") as fh:
        template_ids = {msgid_text(message.id) for message in read_po(fh) if message.id}
    catalog_ids = {msgid_text(message.id) for message in load(CATALOGS[0]) if message.id}

    assert template_ids == catalog_ids, HOW_TO_FIX
