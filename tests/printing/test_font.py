"""The PDF font comes from an installed pip package, never from the system."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from marketplace.printing import fonts


def test_the_font_is_the_one_the_pip_package_installed():
    import justmytype_intl_cjk

    path = fonts.font_path()
    assert path.is_file()
    assert path.is_relative_to(Path(justmytype_intl_cjk.__file__).parent)
    assert path.is_relative_to(Path(sys.prefix)) or "site-packages" in path.parts
    assert not path.is_relative_to("/usr/share/fonts")
    # its licence travels with it
    assert "SIL OPEN FONT LICENSE" in (path.parent / "OFL.txt").read_text().upper()


def test_the_font_covers_chinese_and_latin(tmp_path):
    from fontTools.ttLib import TTFont

    paths = fonts.static_fonts("晋江市内坑鞋业有限公司 壹贰叁", tmp_path)
    assert set(paths) == {"", "B"}
    for path in paths.values():
        cmap = TTFont(path)["cmap"].getBestCmap()
        assert all(ord(char) in cmap for char in "晋江市内坑鞋业有限公司壹贰叁ABCxyz0123456789")
        assert "fvar" not in TTFont(path)  # a static weight
        assert path.stat().st_size < 50_000


def test_a_missing_font_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_PACKAGE", "no_such_font_package")
    with pytest.raises(fonts.FontMissing, match=r"pip install -r requirements\.txt"):
        fonts.font_path()
