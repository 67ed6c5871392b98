"""Print maps: PNG and PDF with the expected page furniture; bad paths refused."""

from __future__ import annotations

import pytest
from PIL import Image
from typer.testing import CliRunner

from waterplan import InputError
from waterplan.cli import app
from waterplan.printmap import print_map

runner = CliRunner()


@pytest.fixture(scope="module")
def run_dir(shipped_run):
    return shipped_run("taiyuan-2030")[1]


def test_run_folder_has_print_map(run_dir):
    img = Image.open(run_dir / "map.png")
    assert img.size[0] > 1000 and img.size[1] > 1000
    colours = {c for _n, c in img.convert("RGB").getcolors(maxcolors=1 << 20)}
    assert (26, 150, 65) in colours or (166, 217, 106) in colours  # coverage classes are drawn


def test_pdf_and_png(run_dir, tmp_path):
    pdf = print_map(run_dir, tmp_path / "m.pdf", lang="en", title="Taiyuan 2030")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    result = runner.invoke(app, ["print-map", str(run_dir), "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["print-map", str(run_dir), "--out", str(tmp_path / "m.png")])
    assert again.exit_code == 2 and "--force" in again.output


def test_bad_paths(run_dir, tmp_path):
    with pytest.raises(InputError, match=r"field '--out' = .*m.svg.*\.png or \.pdf"):
        print_map(run_dir, tmp_path / "m.svg")
    with pytest.raises(InputError, match="a complete run folder"):
        print_map(tmp_path, tmp_path / "m.png")


def test_the_page_is_a4_with_every_feature_inside_and_truetype_text(run_dir, tmp_path):
    import geopandas as gpd

    from waterplan.printmap import A4, extent, page_size

    with Image.open(run_dir / "map.png") as img:
        w, h = sorted(img.size)
    assert (w, h) == pytest.approx((A4[0] * 200, A4[1] * 200), abs=2)  # A4 at 200 dpi, either way round
    counties = gpd.read_file(run_dir / "counties.geojson")
    x0, y0, x1, y1 = extent(counties)
    bx0, by0, bx1, by1 = counties.total_bounds
    assert x0 < bx0 and y0 < by0 and bx1 < x1 and by1 < y1  # the study area inside the frame
    assert page_size((0, 0, 10, 20)) == A4 and page_size((0, 0, 20, 10)) == (A4[1], A4[0])
    pdf = print_map(run_dir, tmp_path / "m.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf  # embedded TrueType, no Type 3 fonts


def test_the_default_title_is_the_scenarios_own(run_dir, tmp_path):
    import geopandas as gpd

    from waterplan.printmap import _title

    counties = gpd.read_file(run_dir / "counties.geojson")
    assert _title(run_dir, counties, "zh") == "太原市 2030 年水资源配置（四水四定）"
    assert _title(run_dir, counties, "en").startswith("Taiyuan 2030 water allocation")


def test_chinese_text_is_drawn_in_a_cjk_font_without_warnings(run_dir, tmp_path, caplog):
    """The print map's Chinese names are set in a font that has the glyphs (no boxes), at its own
    weight (no font warnings), and every character of the title is in that font."""
    import logging

    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font
    from pylopdf_fonts_zh_cn import sans_path

    from waterplan.printmap import cjk_font, font_rc

    font = cjk_font()
    path = next(f.fname for f in font_manager.fontManager.ttflist if f.name == font)
    assert path == str(sans_path()), "maps are drawn in the font shipped with the dependencies"
    face = FT2Font(path)
    title = "太原市 2030 年水资源配置（四水四定）"
    assert all(face.get_char_index(ord(ch)) for ch in title if not ch.isspace())
    assert font_rc()["font.family"] == [font]
    with caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        print_map(run_dir, tmp_path / "cjk.png", lang="zh", title=title)
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
