"""Units and county boundaries (GCJ-02 → WGS84)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from waterplan import InputError, gcj02_to_wgs84, load_counties, resolve_county, to_model_volume, wgs84_to_gcj02

# Published reference points of the standard algorithm: googollee/eviltransform's test table
# (wgsLat, wgsLng, gcjLat, gcjLng) and hujiulong/gcoord's GCJ02→WGS84 test.
EVIL = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), EVIL)
def test_wgs_to_gcj_matches_reference(wlat, wlng, glat, glng):
    lng, lat = wgs84_to_gcj02(wlng, wlat)
    assert float(lng) == pytest.approx(glng, abs=1e-9)
    assert float(lat) == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), EVIL)
def test_gcj_to_wgs_matches_reference(wlat, wlng, glat, glng):
    lng, lat = gcj02_to_wgs84(glng, glat)
    # 1e-7 degrees ≈ 1 cm: the iteration inverts the offset exactly
    assert float(lng) == pytest.approx(wlng, abs=1e-7)
    assert float(lat) == pytest.approx(wlat, abs=1e-7)


def test_gcoord_reference_point():
    lng, lat = gcj02_to_wgs84(123.0, 45.0)
    assert float(lng) == pytest.approx(122.99395597, abs=5e-6)
    assert float(lat) == pytest.approx(44.99804071, abs=5e-6)


def test_outside_china_is_unchanged():
    lng, lat = gcj02_to_wgs84(np.array([2.35, 183.0]), np.array([48.85, 45.0]))
    assert list(lng) == [2.35, 183.0] and list(lat) == [48.85, 45.0]


@settings(max_examples=200, deadline=None)
@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_round_trip(lng, lat):
    g_lng, g_lat = wgs84_to_gcj02(lng, lat)
    assert 0 < abs(float(g_lng) - lng) + abs(float(g_lat) - lat) < 0.02  # offset is real and < ~2 km
    w_lng, w_lat = gcj02_to_wgs84(g_lng, g_lat)
    assert float(w_lng) == pytest.approx(lng, abs=1e-8)
    assert float(w_lat) == pytest.approx(lat, abs=1e-8)


def test_taiyuan_counties_loaded_in_wgs84():
    gdf = load_counties(city="太原市")
    assert gdf.crs.to_epsg() == 4326
    assert set(gdf["adcode"]) == {
        "140105",
        "140106",
        "140107",
        "140108",
        "140109",
        "140110",
        "140121",
        "140122",
        "140123",
        "140181",
    }
    assert gdf.set_index("adcode").loc["140121", "name_en"] == "Qingxu County"
    assert gdf.geometry.is_valid.all()
    jinyuan = gdf.set_index("adcode").loc["140110", "geometry"]
    assert jinyuan.contains(Point(112.45, 37.667))  # 晋祠泉, WGS84 (data-sources.md)


def test_conversion_moves_polygons_by_the_gcj_offset():
    import json

    from waterplan.boundaries import _package_root

    raw = json.loads((_package_root() / "data/datasets/administrative/amap/land/140121.geojson").read_text())
    x0, y0 = raw["coordinates"][0][0][0]
    conv = load_counties(["140121"]).geometry.iloc[0]
    first = conv.geoms[0].exterior.coords[0]
    # WGS84 lies south-west of GCJ-02 in Shanxi by a few hundred metres
    assert 0.001 < x0 - first[0] < 0.01 and 0.0001 < y0 - first[1] < 0.01


def test_a_point_converts_to_the_same_place_whatever_is_converted_with_it():
    """A province's outlines are converted at once: each point is iterated until its own step is
    below the tolerance, so it lands where it lands when converted alone (to the last bit), and a
    county loaded with others has the outline it has loaded alone."""
    lng = np.array([112.55, 121.531541859215, 87.6, 126.6, 130.0])
    lat = np.array([37.87, 31.17530398364597, 43.8, 45.75, 10.0])  # (the last outside China: no offset)
    together = gcj02_to_wgs84(lng, lat)
    for i in range(len(lng)):
        alone = gcj02_to_wgs84(lng[i], lat[i])
        assert (float(alone[0]), float(alone[1])) == (together[0][i], together[1][i])
        assert abs(wgs84_to_gcj02(*alone)[0] - lng[i]) < 1e-9 and abs(wgs84_to_gcj02(*alone)[1] - lat[i]) < 1e-9
    with_others = load_counties(city="太原市").set_index("adcode").loc["140121", "geometry"]
    assert with_others.equals_exact(load_counties(["140121"]).geometry.iloc[0], 0.0)


def test_every_shanxi_county_loads():
    gdf = load_counties(province="山西省")
    assert len(gdf) == 117
    assert gdf.geometry.is_valid.all() and (gdf.to_crs(32649).geometry.area > 1e7).all()
    assert gdf["adcode"].str.match(r"^14\d{4}$").all()


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("140121", "140121"),
        (140121, "140121"),
        ("清徐县", "140121"),
        ("清徐", "140121"),
        ("Qingxu County", "140121"),
        ("qingxu", "140121"),
    ],
)
def test_resolve_county(key, code):
    assert resolve_county(key) == code


def test_resolve_county_typo_suggests():
    with pytest.raises(InputError, match=r"field 'county' = '清徐具'.*no such county.*清徐县"):
        resolve_county("清徐具", within=["140105", "140121"])


def test_resolve_county_ambiguous_name():
    with pytest.raises(InputError, match=r"ambiguous.*140502"):
        resolve_county("城区")


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (1.5, "亿m³", 15000.0),
        (7602, "万m³", 7602.0),
        (1e6, "m³", 100.0),
        (9, "万t/d", 3285.0),
        (1, "m³/s", 3153.6),
        (2, "hm³", 200.0),
        (1, "万方/日", 365.0),
    ],
)
def test_units(value, unit, expected):
    assert to_model_volume(value, unit, file="f", field="x") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("unit", "match"),
    [
        (None, "a unit is required"),
        ("", "a unit is required"),
        ("kg", "unknown unit"),
        ("1e4 m**3/day", "unknown unit"),  # pint syntax is not a documented spelling
        ("fathoms", "unknown unit|not a volume"),
        ("m**", "unknown unit"),
    ],
)
def test_bad_units(unit, match):
    with pytest.raises(InputError, match=match):
        to_model_volume(1, unit, file="f.csv", field="demand")


# every volume and flow spelling the docs list, with its factor to 万m³/yr worked out by hand
# (1 亿 = 10,000 万; 1 hm³ = 100 万m³; a flow over 365 days: 1 万t/d = 365 万m³/yr; 1 m³/s =
# 86,400 × 365 / 10,000 = 3,153.6 万m³/yr; 1 m³/d or t/d = 0.0365 万m³/yr)
_BY_HAND = {
    "亿m³": 1e4, "亿m3": 1e4, "亿立方米": 1e4, "1e8 m3": 1e4, "万m³": 1.0, "万m3": 1.0, "万立方米": 1.0, "1e4 m3": 1.0,
    "10k m3": 1.0, "m³": 1e-4, "m3": 1e-4, "立方米": 1e-4, "hm³": 100.0, "hm3": 100.0, "万m³/yr": 1.0, "万m³/a": 1.0,
    "万m³/年": 1.0, "亿m³/yr": 1e4, "亿m³/a": 1e4, "亿m³/年": 1e4, "万方": 1.0, "亿方": 1e4, "方": 1e-4,
    "万立方米/年": 1.0, "亿立方米/年": 1e4, "万方/年": 1.0, "m³/a": 1e-4,
    "万t/d": 365.0, "万吨/日": 365.0, "万吨/天": 365.0, "万m³/d": 365.0, "万m3/d": 365.0, "t/d": 0.0365,
    "m³/d": 0.0365, "m3/d": 0.0365, "m³/s": 3153.6, "m3/s": 3153.6, "立方米/秒": 3153.6, "万立方米/日": 365.0,
    "万立方米/天": 365.0, "万方/日": 365.0, "万方/天": 365.0, "立方米/日": 0.0365, "立方米/天": 0.0365,
    "吨/日": 0.0365, "吨/天": 0.0365,
}  # fmt: skip


def _documented_spellings() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "data.md").read_text(encoding="utf-8")
    units = text.split("<!-- units: begin")[1].split("<!-- units: end -->")[0]
    out = []
    for line in units.splitlines():
        if line.startswith("- volumes") or line.startswith("- flows"):
            out += line.split(":", 1)[1].split("`")[1::2]
    return out


def test_every_documented_volume_spelling_converts_as_worked_out_by_hand():
    from waterplan.units import to_model_volume

    documented = _documented_spellings()
    assert sorted(documented) == sorted(_BY_HAND)
    for unit in documented:
        assert to_model_volume(2.0, unit, file="t", field="f") == pytest.approx(2.0 * _BY_HAND[unit], rel=1e-12), unit
