"""GIS layers of a run, and their export to GeoPackage, Shapefile, GeoJSON, CSV or Excel.

A run folder holds three WGS84 layers (``counties.geojson``, ``network_edges.geojson``,
``network_nodes.geojson``) beside its tables. :func:`export_run` writes them in another format
and coordinate system — WGS84 (EPSG:4326), CGCS2000 (EPSG:4490) or a CGCS2000 Gauss–Krüger zone
(``gk3``/``gk6`` picks the zone from the data; EPSG:4513–4554 name them) — with a QGIS layer style
(``.qml``) for the coverage choropleth. Shapefile field names are cut to 10 characters with a
fixed, documented mapping (:data:`SHP_FIELDS`), written beside the files as ``fields.csv``.
Outputs are written to a temporary path first; an existing output is replaced only with
``force``.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyproj

from ._errors import InputError, Problem
from .boundaries import load_counties
from .convert import graph_to_gdfs
from .i18n import tr
from .maps import county_indicators
from .network import is_illustrative
from .outputs import check_output_file, check_output_folder, staging, write_marker
from .results import Results
from .styles import QML_MARK, layer_styles, store_styles, write_qml

__all__ = [
    "FILE_FORMATS",
    "FORMATS",
    "LAYER_FILES",
    "SHP_FIELDS",
    "export_format",
    "export_run",
    "layer_styles",
    "resolve_crs",
    "run_layers",
    "store_styles",
    "write_qml",
]

FORMATS = ("gpkg", "shp", "geojson", "csv", "xlsx")
#: the formats written as one file, by the ending of the file's name (the others write a folder)
FILE_FORMATS = {".gpkg": "gpkg", ".xlsx": "xlsx"}
#: the datums a layer is read in (WGS84) and the national one (CGCS2000) of the Gauss–Krüger zones
WGS84, CGCS2000 = pyproj.CRS.from_epsg(4326), pyproj.CRS.from_epsg(4490)
LAYER_FILES = {
    "counties": "counties.geojson",
    "network_edges": "network_edges.geojson",
    "network_nodes": "network_nodes.geojson",
}
#: Shapefile field names (≤ 10 characters) for the long names of the layers.
SHP_FIELDS = {
    "adcode": "adcode",
    "name_zh": "name_zh",
    "name_en": "name_en",
    "city_zh": "city_zh",
    "city_en": "city_en",
    "city_adcode": "city_code",
    "demand_10k_m3": "dem_10km3",
    "supplied_10k_m3": "sup_10km3",
    "shortage_10k_m3": "sht_10km3",
    "coverage": "coverage",
    "reclaimed_share": "recl_shr",
    "groundwater_share": "gw_shr",
    "id": "id",
    "kind": "kind",
    "from": "from_node",
    "to": "to_node",
    "flow_10k_m3": "flow_10km3",
    "loss_10k_m3": "loss_10km3",
    "capacity_10k_m3": "cap_10km3",
    "utilisation": "util",
    "source_kind": "src_kind",
    "county": "county",
    "available_10k_m3": "avl_10km3",
    "withdrawn_10k_m3": "wdr_10km3",
    "scenario": "scenario",
    "period": "period",
    **{f"shortage_{c}_10k_m3": f"sht_{c}" for c in ("dom", "ind", "agr", "mun", "eco", "ecb")},
    **{f"coverage_{c}": f"cov_{c}" for c in ("dom", "ind", "agr", "mun", "eco", "ecb")},
    **{f"guarantee_{c}": f"guar_{c}" for c in ("dom", "ind", "agr", "mun", "eco", "ecb")},
    "years": "years",
    "provenance": "provenance",
    "illustrative": "illustr",
    "demand_illustrative": "dem_illus",
}
#: a Shapefile text field holds at most 254 bytes
SHP_TEXT_BYTES = 254


def _cut(text: object) -> object:
    """A text cut to what a Shapefile field holds (whole UTF-8 characters)."""
    if not isinstance(text, str) or len(text.encode("utf-8")) <= SHP_TEXT_BYTES:
        return text
    return text.encode("utf-8")[: SHP_TEXT_BYTES - 3].decode("utf-8", errors="ignore") + "…"


assert all(len(v) <= 10 for v in SHP_FIELDS.values()) and len(set(SHP_FIELDS.values())) == len(SHP_FIELDS)
#: the tables exported beside the layers: an annual run's, and a monthly run's (its manifest has a ``mode``)
RUN_TABLES = {
    "annual": ("balance", "allocation", "indicators"),
    "monthly": ("balance", "allocation", "guarantee", "indicators"),
}


def _run_kind(run_dir: Path) -> str:
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "annual"
    if not isinstance(manifest, dict):
        return "annual"
    return str(manifest.get("run_kind", "monthly" if "mode" in manifest else "annual"))


#: sector → the short code of its per-sector county columns (Shapefile fields ≤ 10 characters)
SECTOR_CODES = {
    "domestic": "dom",
    "industry": "ind",
    "agriculture": "agr",
    "municipal": "mun",
    "ecology": "eco",
    "ecology_basic": "ecb",
}


def _per_sector(results: Results) -> pd.DataFrame:
    """County columns per sector: ``shortage_<code>_10k_m3`` and ``coverage_<code>``; for a monthly
    run's mean year also ``guarantee_<code>``, the share of years the sector was fully supplied."""
    b = results.balance
    out = pd.DataFrame(index=sorted(b["county"].unique()))
    for sector, g in b.groupby("sector"):
        code = SECTOR_CODES.get(str(sector), str(sector)[:3])
        g = g.set_index("county")
        out[f"shortage_{code}_10k_m3"] = g["shortage_10k_m3"]
        out[f"coverage_{code}"] = g["coverage"]
        if "years_fully_supplied" in g:
            out[f"guarantee_{code}"] = g["years_fully_supplied"]
    return out


def _rounded(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Volumes to 0.01 万m³ (100 m³), shares to 0.0001: what a map or a table needs."""
    out = gdf.copy()
    for c in out.columns:
        if c.endswith("_10k_m3"):  # an object column when a value is missing (an unlimited capacity)
            out[c] = pd.to_numeric(out[c], errors="coerce").round(2)
        elif c.startswith(("coverage", "utilisation", "guarantee")) or c.endswith("_share"):
            out[c] = pd.to_numeric(out[c], errors="coerce").round(4)
    return out


def run_layers(G: nx.DiGraph, results: Results, *, scenario: str, period: int) -> dict[str, gpd.GeoDataFrame]:
    """The run's three GIS layers in WGS84: counties, network edges and nodes with results."""
    per = county_indicators(results)
    counties = load_counties(sorted(results.balance["county"].unique()))
    counties = counties.merge(per, left_on="adcode", right_index=True, how="left")
    counties = counties.merge(_per_sector(results), left_on="adcode", right_index=True, how="left")
    stand_in = {
        d["county"] for _n, d in G.nodes(data=True) if d["kind"] == "demand" and is_illustrative(d.get("derivation"))
    }
    counties["demand_illustrative"] = counties["adcode"].isin(stand_in)
    counties.insert(0, "scenario", scenario)
    counties.insert(1, "period", period)
    flows = results.flows.groupby("layer_id", as_index=False).agg(
        kind=("kind", "first"),
        flow_10k_m3=("flow_10k_m3", "sum"),
        loss_10k_m3=("loss_10k_m3", "sum"),
        capacity_10k_m3=("capacity_10k_m3", "first"),
    )
    flows["utilisation"] = flows["flow_10k_m3"] / flows["capacity_10k_m3"]
    gdf_nodes, gdf_edges = graph_to_gdfs(G, physical=True)
    edges = gdf_edges[["id", "from", "to", "name_zh", "name_en", "provenance", "geometry"]].drop_duplicates("id")
    edges["illustrative"] = edges["provenance"].map(is_illustrative)
    edges["to"] = edges["to"].str.split("@").str[-1]  # a county delivery point is named edge@adcode
    edges = edges.merge(flows, left_on="id", right_on="layer_id", how="inner").drop(columns="layer_id")
    edges.insert(0, "scenario", scenario)
    edges.insert(1, "period", period)
    edges = gpd.GeoDataFrame(edges.infer_objects(), geometry="geometry", crs="EPSG:4326")
    keep = ["id", "kind", "name_zh", "name_en", "source_kind", "county", "available", "provenance", "geometry"]
    nodes = gdf_nodes.loc[gdf_nodes["kind"] != "delivery", keep].rename(columns={"available": "available_10k_m3"})
    nodes["illustrative"] = nodes["provenance"].map(is_illustrative)
    nodes = nodes.fillna({"source_kind": "", "county": ""}).infer_objects()
    withdrawn = results.sources.set_index("source")["withdrawn_10k_m3"]
    nodes["withdrawn_10k_m3"] = nodes["id"].map(withdrawn)
    nodes.insert(0, "scenario", scenario)
    nodes.insert(1, "period", period)
    return {
        name: _rounded(g) for name, g in (("counties", counties), ("network_edges", edges), ("network_nodes", nodes))
    }


def projected(gdf: gpd.GeoDataFrame, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """``gdf`` in ``crs``. From WGS84 into a CRS on CGCS2000 (EPSG:4490, its Gauss–Krüger zones),
    PROJ applies no shift between the two datums (its "ballpark" offset is zero: the same
    coordinates) but searches its database for one, about 50 ms a layer: the WGS84 coordinates are
    read as CGCS2000 and projected, the same numbers without the search.

    >>> g = gpd.GeoDataFrame(geometry=gpd.points_from_xy([112.5], [37.8]), crs=4326)
    >>> gk = resolve_crs("gk3", (112.0, 37.0, 113.0, 38.0))
    >>> projected(g, gk).geometry.equals(g.to_crs(gk).geometry), projected(g, gk).crs == gk
    (True, True)
    """
    if gdf.crs is not None and gdf.crs == WGS84 and crs.geodetic_crs is not None and crs.geodetic_crs == CGCS2000:
        gdf = gdf.set_crs(CGCS2000, allow_override=True)
    return gdf.to_crs(crs)


def resolve_crs(crs: str, bounds: tuple[float, float, float, float] | None = None) -> pyproj.CRS:
    """Turn ``EPSG:4490``, ``4326``, ``gk3`` or ``gk6`` into a CRS (Gauss–Krüger zones chosen by longitude).

    >>> resolve_crs("gk3", (111.5, 37.0, 113.0, 38.5)).to_epsg()
    4546
    """
    text = str(crs).strip()
    if text.lower() in ("gk3", "gk6"):
        if bounds is None:
            msg = tr("a Gauss–Krüger zone needs the data's extent")
            raise ValueError(msg)
        lon = (bounds[0] + bounds[2]) / 2
        if text.lower() == "gk3":
            cm_ = 3 * round(lon / 3)
            return pyproj.CRS.from_epsg(4534 + (cm_ - 75) // 3)  # CGCS2000 / 3-degree GK CM 75E … 135E
        zone = int(lon // 6) + 1
        return pyproj.CRS.from_epsg(4502 + zone - 13)  # CGCS2000 / GK CM 75E (zone 13) … 135E (zone 23)
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise InputError(
            Problem(
                "<command line>",
                "--crs",
                crs,
                tr(
                    "a coordinate system such as EPSG:4326 (WGS84), EPSG:4490 (CGCS2000), a CGCS2000 "
                    "Gauss–Krüger zone EPSG:4513–4554, or gk3 / gk6 to pick the zone"
                ),
            )
        ) from None


def _check_run(run_dir: Path) -> None:
    if not run_dir.is_dir():
        raise InputError(
            Problem("<command line>", "RUN", str(run_dir), tr("the folder of a run (waterplan run … --out)"))
        )
    required = ["manifest.json", *LAYER_FILES.values(), *(f"{t}.csv" for t in RUN_TABLES[_run_kind(run_dir)])]
    missing = [f for f in required if not (run_dir / f).is_file()]
    if missing:
        raise InputError(
            Problem(
                str(run_dir),
                "(files)",
                ", ".join(missing),
                tr("a complete run folder; run the scenario again to write it"),
            )
        )


def _write_gpkg(staged: Path, layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame]) -> None:
    for name, gdf in layers.items():
        gdf.to_file(staged, layer=name, driver="GPKG", engine="pyogrio", metadata={"written_by": XLSX_CREATOR})
    store_styles(staged, layer_styles(layers))
    write_qml(staged.with_suffix(".qml"))


#: characters GBK cannot hold, spelt as it can (units: 万m³ → 万m3)
_GBK_SPELLINGS = {"³": "3", "²": "2", "⁴": "4", "–": "-"}


def _gbk_char(c: str) -> str:
    try:
        c.encode("gbk")
    except UnicodeEncodeError:
        return _GBK_SPELLINGS.get(c, "?")
    return c


def _as_gbk(short: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """The text fields spelt so that GBK holds them (万m³ → 万m3); another character it cannot hold
    becomes "?" (counted: fields.csv says how many, and the GeoPackage export keeps every character)."""
    replaced = 0
    out = short.copy()
    for col in out.columns:
        if col == "geometry" or not (out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype)):
            continue
        held = out[col].map(lambda v: "".join(map(_gbk_char, v)) if isinstance(v, str) else v)
        replaced += int(
            sum(("?" in b) and ("?" not in a) for a, b in zip(out[col], held, strict=True) if isinstance(a, str))
        )
        out[col] = held
    return out, replaced


def _write_shp(
    staged: Path, layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame], encoding: str = "UTF-8"
) -> None:
    staged.mkdir()
    legend = []
    for name, gdf in layers.items():
        short = gdf.rename(columns={c: SHP_FIELDS[c] for c in gdf.columns if c in SHP_FIELDS})
        if "provenance" in short:
            short["provenance"] = short["provenance"].map(_cut)
        if encoding == "GBK":
            short, replaced = _as_gbk(short)
            if replaced:
                note = (f"{replaced} text value(s) held a character GBK cannot hold, written as ?; "
                        "the GeoPackage has them")  # fmt: skip
                legend.append({"layer": name, "field": "*", "long_name": note})
        short.to_file(staged / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding=encoding)
        legend += [
            {
                "layer": name,
                "field": SHP_FIELDS.get(c, c),
                "long_name": c
                + (" (cut to 254 bytes; the full text is in the GeoPackage)" if c == "provenance" else ""),
            }
            for c in gdf.columns
            if c != "geometry"
        ]
    pd.DataFrame(legend).to_csv(staged / "fields.csv", index=False, encoding="utf-8")
    for name, qml in layer_styles(layers, SHP_FIELDS).items():  # QGIS loads name.qml with name.shp
        (staged / f"{name}.qml").write_text(qml, encoding="utf-8")


def _write_geojson(staged: Path, layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame]) -> None:
    staged.mkdir()
    for name, gdf in layers.items():
        gdf.to_file(staged / f"{name}.geojson", driver="GeoJSON", engine="pyogrio")


def _write_csv(staged: Path, layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame]) -> None:
    staged.mkdir()
    for name, gdf in layers.items():
        df = pd.DataFrame(gdf.drop(columns="geometry"))
        df["wkt"] = gdf.geometry.to_wkt()
        df.to_csv(staged / f"{name}.csv", index=False, encoding="utf-8")
    for name, df in tables.items():
        df.to_csv(staged / f"{name}.csv", index=False, encoding="utf-8")


def _write_xlsx(staged: Path, layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame]) -> None:
    with pd.ExcelWriter(staged, engine="openpyxl") as xl:
        xl.book.properties.creator = XLSX_CREATOR
        for name, gdf in layers.items():
            df = pd.DataFrame(gdf.drop(columns="geometry"))
            if name == "counties":  # polygons are too long for a cell: give the label point
                pts = gdf.geometry.representative_point()
                df["x"], df["y"] = pts.x, pts.y
            else:
                df["wkt"] = gdf.geometry.to_wkt()
            df.to_excel(xl, sheet_name=name, index=False)
        for name, df in tables.items():
            df.to_excel(xl, sheet_name=name, index=False)


#: the creator recorded in every workbook and GeoPackage layer waterplan writes
XLSX_CREATOR = "waterplan"


def _own_styles(path: Path) -> bool:
    """A GeoPackage's layer_styles, if any, hold only the styles waterplan stored."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'layer_styles'").fetchone():
            return True
        return all(d == QML_MARK for (d,) in db.execute("SELECT description FROM layer_styles"))


def _is_own_file(path: Path, fmt: str) -> bool:
    """Whether a GeoPackage or workbook at ``path`` is one of waterplan's earlier exports."""
    try:
        if fmt == "gpkg":
            import pyogrio

            layers = [str(n) for n, _t in pyogrio.list_layers(path) if n != "layer_styles"]
            ours = bool(layers) and all(
                (pyogrio.read_info(path, layer=n).get("layer_metadata") or {}).get("written_by") == XLSX_CREATOR
                for n in layers
            )
            return ours and _own_styles(path)
        if fmt == "xlsx":
            import openpyxl

            return bool(openpyxl.load_workbook(path, read_only=True).properties.creator == XLSX_CREATOR)
        if fmt == "qml":
            return QML_MARK in path.read_text(encoding="utf-8", errors="replace")
    except Exception:  # unreadable as that format: not ours
        return False
    return False


def _check_out(out: Path, fmt: str, force: bool) -> None:
    """Only a free path or waterplan's own earlier export (and its QGIS style) is replaced."""
    if fmt in ("gpkg", "xlsx"):
        check_output_file(out, force, is_own=out.is_file() and _is_own_file(out, fmt))
        qml = out.with_suffix(".qml")
        if fmt == "gpkg" and qml.exists():
            check_output_file(qml, True, is_own=qml.is_file() and _is_own_file(qml, "qml"))
    else:
        check_output_folder(out, force)


_WRITERS = {"gpkg": _write_gpkg, "shp": _write_shp, "geojson": _write_geojson, "csv": _write_csv, "xlsx": _write_xlsx}


def _read_run(run_dir: Path, crs: str) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, pd.DataFrame], pyproj.CRS]:
    """A run folder's layers (in ``crs``) and the tables exported beside them."""
    layers = {name: gpd.read_file(run_dir / f) for name, f in LAYER_FILES.items()}
    for gdf in layers.values():
        for col in gdf.columns:
            if col in ("adcode", "county", "city_adcode"):
                gdf[col] = gdf[col].astype(str)
    target = resolve_crs(crs, tuple(layers["counties"].total_bounds))
    tables = {
        name: pd.read_csv(run_dir / f"{name}.csv", dtype={"county": str}) for name in RUN_TABLES[_run_kind(run_dir)]
    }
    return {k: projected(v, target) for k, v in layers.items()}, tables, target


def export_format(out: Path, fmt: str | None) -> str:
    """The format of an export to ``out``: ``fmt``, or, not given, the one the name's ending says
    (.gpkg, .xlsx). A file's name ends as its format's does, a folder's as no file format's: a
    GeoPackage named ``.xlsx`` (or a workbook named ``.gpkg``) would open in no program."""
    by_name = FILE_FORMATS.get(out.suffix.lower())
    if fmt is None:
        if by_name is None:
            raise InputError(Problem("<command line>", "--out", str(out),
                                     tr("a file ending in .gpkg or .xlsx, or a folder with --format shp, geojson or "
                                        "csv")))  # fmt: skip
        return by_name
    if fmt not in FORMATS:
        raise InputError(Problem("<command line>", "--format", fmt, tr("one of {0}", ", ".join(FORMATS))))
    if fmt in FILE_FORMATS.values() and by_name != fmt:
        raise InputError(Problem("<command line>", "--out", str(out),
                                 tr("a file name ending in .{format} (--format {format})", format=fmt)))  # fmt: skip
    if fmt not in FILE_FORMATS.values() and by_name is not None:
        raise InputError(Problem("<command line>", "--out", str(out),
                                 tr("a folder for --format {format}, its name not ending in {suffix}", format=fmt,
                                    suffix=out.suffix)))  # fmt: skip
    return fmt


def export_run(
    run_dir: str | Path, out: str | Path, *, fmt: str | None = None, crs: str = "EPSG:4326", force: bool = False,
    encoding: str = "UTF-8",
) -> Path:  # fmt: skip
    """Export a run folder's layers and tables.

    Parameters
    ----------
    run_dir
        A folder written by ``waterplan run``.
    out
        The output: a file for ``gpkg`` and ``xlsx``, a folder for ``shp``, ``geojson`` and ``csv``.
    fmt
        One of :data:`FORMATS`; None (default): the one ``out``'s ending says, ``.gpkg`` or
        ``.xlsx`` (a file format's name must end as the format's does, see :func:`export_format`).
    crs
        Target coordinate system (see :func:`resolve_crs`).
    force
        Replace ``out`` if it exists and is an earlier export of waterplan's (nothing else is ever
        replaced: see :mod:`waterplan.outputs`).
    encoding
        A Shapefile's text encoding: ``UTF-8`` (default) or ``GBK``, for older Chinese GIS software
        (the ``.cpg`` file names it; units spelt 万m3, a character GBK lacks written as ``?`` and counted
        in ``fields.csv``).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    run_dir, out = Path(run_dir), Path(out)
    fmt = export_format(out, fmt)
    encoding = encoding.upper().replace("UTF8", "UTF-8")
    if encoding not in ("UTF-8", "GBK") or (encoding == "GBK" and fmt != "shp"):
        raise InputError(Problem("<command line>", "--encoding", encoding, tr("UTF-8, or GBK with --format shp")))
    _check_run(run_dir)
    _check_out(out, fmt, force)
    layers, tables, target = _read_run(run_dir, crs)
    with staging(out) as tmp_dir:
        staged = tmp_dir / out.name
        if fmt == "shp":
            _write_shp(staged, layers, tables, encoding)
        else:
            _WRITERS[fmt](staged, layers, tables)
        if staged.is_dir():
            (staged / "crs.json").write_text(json.dumps({"crs": target.to_string()}), encoding="utf-8")
            write_marker(staged)
        _check_out(out, fmt, force)  # nothing of the user's appeared meanwhile
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        staged.rename(out)
        if fmt == "gpkg":
            staged.with_suffix(".qml").replace(out.with_suffix(".qml"))
    return out
