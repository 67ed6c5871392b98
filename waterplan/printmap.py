"""Static maps for printed reports (matplotlib): PNG or PDF, with title, legend, north arrow and
scale bar, drawn in the CGCS2000 Gauss–Krüger zone of the data so that distances are true."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib
from matplotlib import font_manager
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib_scalebar.scalebar import ScaleBar

from ._errors import InputError, Problem
from .export import LAYER_FILES, projected, resolve_crs
from .i18n import tr
from .outputs import check_output_file, write_file
from .palette import CHOROPLETHS, CLASS_BOUNDS, class_labels

__all__ = ["chinese_font_rc", "cjk_font", "extent", "font_rc", "is_own_map", "page_size", "print_map"]

#: the creator a map drawn by :func:`print_map` carries (PNG text chunk ``Software``, PDF ``/Creator``)
PRINT_CREATOR = "waterplan print-map"
#: zlib's level for the PNGs drawn (the printed map, the report's charts): the fastest
PNG_COMPRESS_LEVEL = 1


def is_own_map(path: Path) -> bool:
    """Whether ``path`` is a PNG or PDF :func:`print_map` drew (its creator metadata says so)."""
    try:
        if path.suffix.lower() == ".png":
            from PIL import Image

            with Image.open(path) as im:
                return bool(im.format == "PNG" and im.info.get("Software") == PRINT_CREATOR)
        with path.open("rb") as f:
            head = f.read(5)
            f.seek(max(0, path.stat().st_size - 200_000))
            tail = f.read()
        return head == b"%PDF-" and f"/Creator ({PRINT_CREATOR})".encode() in tail
    except Exception:  # unreadable as a map: not ours
        return False


#: the CJK font shipped with the Python dependencies (Noto Sans SC, SIL Open Font License 1.1, from
#: the pip package pylopdf-fonts-zh-cn): maps and charts never depend on system fonts or font caches
SHIPPED_CJK = "Noto Sans SC"


def cjk_font() -> str:
    """The name of the CJK font maps and charts are drawn in: Noto Sans SC, shipped as a Python
    dependency and registered with matplotlib's font manager at first use (a font cache built
    before it was installed does not matter).

    >>> cjk_font()
    'Noto Sans SC'
    """
    from pylopdf_fonts_zh_cn import sans_path

    path = str(sans_path())
    if not any(f.fname == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return SHIPPED_CJK


def chinese_font_rc() -> dict[str, Any]:
    """matplotlib settings that draw Chinese text in your own plots, with the font shipped with the
    dependencies (no system font needed; nothing changes until you use them)::

        import matplotlib, waterplan as wp
        with matplotlib.rc_context(wp.chinese_font_rc()):
            ax.set_title("太原市供水满足率")

    (``matplotlib.rcParams.update(wp.chinese_font_rc())`` makes it the notebook's default.)"""
    return font_rc()


def font_rc() -> dict[str, Any]:
    """matplotlib settings that draw text in the CJK font (:func:`cjk_font`) at its own weight."""
    font = cjk_font()
    weight = next((f.weight for f in font_manager.fontManager.ttflist if f.name == font), "normal")
    return {
        "font.family": [font],
        "font.weight": weight,
        "figure.titleweight": weight,
        "axes.titleweight": weight,
        "axes.labelweight": weight,
        "axes.unicode_minus": False,
    }


#: how a county without demand (no coverage to show) is drawn
NO_DEMAND = {"color": "#eeeeee", "edgecolor": "#333333", "linewidth": 0.6}
#: class edges of the coverage legend (shares of demand supplied): the web map's and the QGIS style's
COVERAGE_BOUNDS = CLASS_BOUNDS["coverage"] or []


def _save(fig: Figure, path: Path, fmt: str, dpi: int) -> None:
    """Save the printed map as ``fmt``, its creator in the file's metadata; a PNG compressed at
    zlib's fastest level (a sixth larger, a third of the encoding time)."""
    if fmt == "png":
        fig.savefig(path, dpi=dpi, format=fmt, metadata={"Software": PRINT_CREATOR},
                    pil_kwargs={"compress_level": PNG_COMPRESS_LEVEL})  # fmt: skip
    else:
        fig.savefig(path, dpi=dpi, format=fmt, metadata={"Creator": PRINT_CREATOR})


def _read_layers(run_dir: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, Any]:
    """The run's layers in the CGCS2000 Gauss–Krüger 3° zone of the area, and that CRS."""
    missing = [f for f in LAYER_FILES.values() if not (run_dir / f).is_file()]
    if missing:
        raise InputError(Problem(str(run_dir), "(files)", ", ".join(missing), tr("a complete run folder")))
    counties = gpd.read_file(run_dir / LAYER_FILES["counties"])
    edges = gpd.read_file(run_dir / LAYER_FILES["network_edges"])
    nodes = gpd.read_file(run_dir / LAYER_FILES["network_nodes"])
    crs = resolve_crs("gk3", tuple(counties.total_bounds))
    return projected(counties, crs), projected(edges, crs), projected(nodes, crs), crs


def _draw_layers(
    ax: Any, counties: gpd.GeoDataFrame, edges: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, lang: str
) -> None:
    _zh, _en, colours, _rng = CHOROPLETHS["coverage"]
    cmap, norm = ListedColormap(colours), BoundaryNorm(COVERAGE_BOUNDS, len(colours))
    counties.plot(ax=ax, column="coverage", cmap=cmap, norm=norm, edgecolor="#333333", linewidth=0.6,
                  missing_kwds=NO_DEMAND)  # fmt: skip
    flows = edges["flow_10k_m3"].fillna(0.0)
    fmax = max(1.0, float(flows.max()))
    carrying = flows > 1e-6
    if carrying.any():  # (geopandas warns on an empty layer)
        widths = (0.4 + 4.0 * flows[carrying] / fmax).to_numpy()  # by position: the kept edges are not 0..n-1
        edges[carrying].plot(ax=ax, color="#1f4e9c", linewidth=widths, alpha=0.8)
    src = nodes[nodes["kind"].isin(["intake", "reservoir", "spring", "wellfield", "mine", "plant", "wwtp"])]
    if len(src):
        src.plot(ax=ax, markersize=14, color="#6a3d9a", zorder=5)
    name_col = "name_zh" if lang == "zh" else "name_en"
    for r in counties.itertuples():
        p = r.geometry.representative_point()
        ax.annotate(
            str(getattr(r, name_col)), (p.x, p.y), ha="center", va="center", fontsize=7, color="#111111", zorder=6
        )
    frame = extent(counties)
    xmin, ymin, xmax, ymax = frame
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    for artist in [*ax.collections, *ax.lines]:  # nothing is drawn beyond the frame
        artist.set_clip_on(True)
        artist.set_clip_box(ax.bbox)
    _off_frame_sources(ax, nodes, frame, lang)
    ax.set_axis_off()


def _off_frame_sources(ax: Any, nodes: gpd.GeoDataFrame, frame: tuple[float, float, float, float], lang: str) -> None:
    """Sources beyond the frame (a diversion's intake far upstream) are named at the frame's edge,
    in the direction of the source."""
    xmin, ymin, xmax, ymax = frame
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    name_col = "name_zh" if lang == "zh" else "name_en"
    for r in nodes.itertuples():
        x, y = r.geometry.x, r.geometry.y
        if xmin <= x <= xmax and ymin <= y <= ymax:
            continue
        t = min(
            (v for v in ((xmax - cx) / (x - cx) if x > cx else (xmin - cx) / (x - cx) if x < cx else 2.0,
                         (ymax - cy) / (y - cy) if y > cy else (ymin - cy) / (y - cy) if y < cy else 2.0) if v > 0),
            default=1.0,
        )  # fmt: skip
        ex, ey = cx + (x - cx) * t * 0.97, cy + (y - cy) * t * 0.97
        km = ((x - ex) ** 2 + (y - ey) ** 2) ** 0.5 / 1000
        arrow = "→↗↑↖←↙↓↘"[round(math.degrees(math.atan2(y - cy, x - cx)) / 45) % 8]
        ax.annotate(
            f"{arrow} {getattr(r, name_col)} ({km:,.0f} km)", (ex, ey), fontsize=6, color="#1f4e9c",
            ha="left" if x > cx else "right", va="center", zorder=7,
        )  # fmt: skip


def extent(counties: gpd.GeoDataFrame, pad: float = 0.06) -> tuple[float, float, float, float]:
    """The frame of the map: the study area's counties with a margin (sources beyond it are named at
    its edge, and every line is clipped to it)."""
    xmin, ymin, xmax, ymax = counties.total_bounds
    dx, dy = (xmax - xmin) * pad, (ymax - ymin) * pad
    return xmin - dx, ymin - dy, xmax + dx, ymax + dy


#: ISO A4 in inches (portrait)
A4 = (8.27, 11.69)


def page_size(frame: tuple[float, float, float, float]) -> tuple[float, float]:
    """A4, portrait or landscape by the shape of the area."""
    xmin, ymin, xmax, ymax = frame
    return A4 if (ymax - ymin) >= (xmax - xmin) else (A4[1], A4[0])


def _furniture(ax: Any, lang: str, *, no_demand: bool = False) -> None:
    """Scale bar, north arrow and legend."""
    zh, en, colours, _rng = CHOROPLETHS["coverage"]
    weight = matplotlib.rcParams["font.weight"]  # the map's font at its own weight
    ax.add_artist(ScaleBar(1.0, units="m", location="lower left", box_alpha=0.7, font_properties={"weight": weight}))
    ax.annotate(
        "N",
        xy=(0.95, 0.95),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=12,
        arrowprops={"arrowstyle": "-|>", "facecolor": "black", "lw": 1.5},
    )
    labels = class_labels("coverage", COVERAGE_BOUNDS)
    handles: list[Any] = [
        Patch(facecolor=c, edgecolor="#333333", label=lab) for c, lab in zip(colours, labels, strict=True)
    ]
    if no_demand:
        label = "无需水 no demand" if lang == "zh" else "No demand"
        handles.append(Patch(facecolor=str(NO_DEMAND["color"]), edgecolor="#333333", label=label))
    network = "供水网络（线宽=流量）" if lang == "zh" else "Network (width = flow)"
    sources = "水源与水厂" if lang == "zh" else "Sources and plants"
    handles += [
        Line2D([0], [0], color="#1f4e9c", lw=2, label=network),
        Line2D([0], [0], marker="o", color="w", markerfacecolor="#6a3d9a", markersize=6, label=sources),
    ]
    ax.legend(
        handles=handles, title=zh if lang == "zh" else en, loc="lower right", fontsize=7, title_fontsize=8,
        framealpha=0.9,
    )  # fmt: skip


def _title(run_dir: Path, counties: gpd.GeoDataFrame, lang: str) -> str:
    """The scenario's own title from the run's manifest, else its name; a monthly run's map (its
    layers carry the hydrological ``years``) is the mean year's, and says so."""
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    title = manifest.get("title_zh" if lang == "zh" else "title_en")
    if not title:
        title = str(counties["scenario"].iloc[0]) if "scenario" in counties else run_dir.name
    if "years" in counties and len(counties):
        span = counties["years"].iloc[0]
        return f"{title}（{span} 多年平均）" if lang == "zh" else f"{title} (mean year {span})"
    return str(title)


def print_map(
    run_dir: str | Path,
    out: str | Path,
    *,
    lang: str = "zh",
    title: str | None = None,
    dpi: int = 200,
    force: bool = False,
) -> Path:
    """Draw a run's coverage map for print.

    Drawn with matplotlib's object API (no pyplot): it changes no backend or other global state.

    Parameters
    ----------
    run_dir
        A run folder (it holds the GIS layers).
    out
        ``.png`` or ``.pdf``.
    lang
        ``"zh"`` for official names (in the shipped Noto Sans SC) or ``"en"``.
    title
        Map title; by default the scenario's own title (``title_zh`` or ``title_en`` from the run's
        manifest), else its name.
    force
        Replace ``out`` if it is a map this function drew earlier (nothing else is ever replaced:
        see :mod:`waterplan.outputs`).

    The page is A4 (portrait or landscape by the shape of the area); the frame holds the study area
    and clips every line to it, and a source beyond it (a diversion's intake) is named at its edge;
    text in a PDF is embedded TrueType (Type 42), not Type 3.
    """
    run_dir, out = Path(run_dir), Path(out)
    if out.suffix.lower() not in (".png", ".pdf"):
        raise InputError(Problem("<command line>", "--out", str(out), tr("a file ending in .png or .pdf")))
    check_output_file(out, force, is_own=out.is_file() and is_own_map(out))  # before drawing
    counties, edges, nodes, crs = _read_layers(run_dir)
    rc: dict[str, Any] = font_rc()
    rc.update({"pdf.fonttype": 42, "ps.fonttype": 42})  # embedded TrueType text
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig = Figure(figsize=page_size(extent(counties)))
        ax = fig.add_axes((0.04, 0.05, 0.92, 0.86))
        _draw_layers(ax, counties, edges, nodes, lang)
        _furniture(ax, lang, no_demand=bool(counties["coverage"].isna().any()))
        fig.suptitle(title or _title(run_dir, counties, lang), fontsize=14, y=0.96)
        fig.text(
            0.01,
            0.01,
            f"CGCS2000 / {crs.name.split('/')[-1].strip()} · data illustrative · waterplan",
            fontsize=6,
            color="#555555",
        )
        write_file(out, force, lambda tmp: _save(fig, tmp, out.suffix.lower()[1:], dpi), is_own=is_own_map)
    return out
