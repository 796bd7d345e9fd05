"""Standard charts of a period, each one call returning a matplotlib `Figure`.

No pyplot and no global state: every function builds its own Figure, so analysts adjust it
like any Figure (`fig.axes[0].set_title(...)`) and reports render it without side effects.
Inputs are plain DataFrames (see `analysis.py` for where they come from). Vietnamese text
renders with DejaVu Sans, which matplotlib ships and which covers the diacritics.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, ScalarFormatter

from cchc_widgets.core.criteria import DEFAULT_DECIMALS, ClassBand
from cchc_widgets.core.numbers import format_number, rounded

FONT = "DejaVu Sans"
DOMAIN_COLORS = ["#1f5f8b", "#4f9bd1", "#2e8b57", "#8fc97a", "#c9a227", "#e07b39", "#b8474a", "#7d5ba6", "#5c6b73", "#9aa5ab"]
CLASS_COLORS = ["#e8f5e9", "#f1f8e9", "#fffde7", "#fff3e0", "#ffebee", "#f3e5f5"]
UP, DOWN, SAME = "#2e7d32", "#c62828", "#78909c"


class Chart(Figure):
    """A Figure that shows itself in a notebook with alt text: its title and axis labels, in the
    output's metadata (`image/png` → `alt`), which the report's HTML writes on the image."""

    def alt_text(self) -> str:
        ax = self.axes[0]
        parts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        return "Biểu đồ: " + ". ".join(p for p in parts if p)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict, dict]:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        return {"image/png": data}, {"image/png": {"alt": self.alt_text()}}


def _wrapped(label: str, width: int = 48) -> str:
    """A long name on several lines (legends and axes), never cut."""
    return textwrap.fill(label, width)


def _whole_numbers(axis: Any) -> None:
    """Ranks and counts of units are whole numbers: no 17,5 on a rank axis, no 0,2 of a unit."""
    axis.set_major_locator(MaxNLocator(integer=True))


class DecimalComma(ScalarFormatter):
    """Matplotlib's own tick labels with the decimal comma our tables print (83,5, not 83.5),
    and no offset («+8.35e1» above an axis): for an axis whose range is the data's."""

    def __init__(self) -> None:
        super().__init__(useOffset=False)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def _commas(*axes: Any) -> None:
    for axis in axes:
        axis.set_major_formatter(DecimalComma())


def _figure(n_rows: int = 10, width: float = 9.0, min_height: float = 3.5) -> tuple[Figure, object]:
    """A Figure whose height grows with the number of rows, so 19 to 100 units stay readable."""
    height = max(min_height, 0.9 + 0.24 * n_rows)
    fig = Chart(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    _style(ax)
    return fig, ax


def _style(ax: object) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8 if len(ax.get_yticklabels()) > 40 else 9)
    for text in (ax.title, ax.xaxis.label, ax.yaxis.label):
        text.set_fontfamily(FONT)


def _row_font(n: int) -> float:
    return 9 if n <= 30 else 7.5 if n <= 60 else 6


def _class_bands(ax: object, classes: Sequence[ClassBand], horizontal: bool = False) -> None:
    """Shade the class bands (index %) behind the data, with their labels."""
    bands = sorted(classes, key=lambda b: b.min)
    for i, band in enumerate(bands):
        upper = bands[i + 1].min if i + 1 < len(bands) else 100
        color = CLASS_COLORS[(len(bands) - 1 - i) % len(CLASS_COLORS)]
        if horizontal:
            ax.axhspan(band.min, upper, color=color, zorder=0, label=f"_band {band.label}")
        else:
            ax.axvspan(band.min, upper, color=color, zorder=0, label=f"_band {band.label}")
            ax.text(
                (band.min + upper) / 2,
                0.995,
                band.label,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=7,
                color="#455a64",
                fontfamily=FONT,
                zorder=5,
            )


def ranking_bar(
    results: pd.DataFrame,
    domains: dict[str, str],
    classes: Sequence[ClassBand] = (),
    names: dict[str, str] | None = None,
    title: str = "Chỉ số CCHC theo đơn vị",
    decimals: int = DEFAULT_DECIMALS,
) -> Figure:
    """Units by rank, each bar the index (%) stacked by each domain's share of it, labelled
    with the index as the tables print it (`decimals`: the set's).

    `results`: unit, rank, index, max, and one points column per domain code.
    """
    data = results.sort_values("rank", ascending=False, na_position="first")
    labels = [
        f"{int(r)}. {(names or {}).get(u, u)}" if pd.notna(r) else (names or {}).get(u, u)
        for u, r in zip(data["unit"], data["rank"], strict=True)
    ]
    fig, ax = _figure(len(data))
    _class_bands(ax, classes)
    left = np.zeros(len(data))
    with np.errstate(invalid="ignore", divide="ignore"):
        for i, (code, name) in enumerate(domains.items()):
            share = np.nan_to_num(100 * data[code].to_numpy(float) / data["max"].to_numpy(float))
            ax.barh(labels, share, left=left, color=DOMAIN_COLORS[i % len(DOMAIN_COLORS)], label=f"{code}. {name}", zorder=2)
            left += share
    for y, value in enumerate(data["index"]):
        if pd.notna(value):
            label = format_number(value, decimals, fixed=True)
            ax.text(value + 0.5, y, label, va="center", fontsize=_row_font(len(data)), zorder=3)
    ax.set_xlim(0, 105)
    ax.set_ylim(-0.6, len(data) + 0.4)  # room at the top for the class labels
    ax.set_xlabel("Chỉ số (%) — mỗi đoạn là phần đóng góp của một lĩnh vực")
    ax.set_title(title, fontfamily=FONT)
    ax.tick_params(axis="y", labelsize=_row_font(len(data)))
    handles, labels_ = ax.get_legend_handles_labels()
    fig.legend(handles, [_wrapped(label) for label in labels_], loc="outside lower center", fontsize=7, ncols=2, frameon=False)
    return fig


def profile(
    components: pd.DataFrame, unit: str, domains: dict[str, str], kind: str = "radar", names: dict[str, str] | None = None
) -> Figure:
    """One unit's index per domain against the mean of all units. `components`: unit + one
    index column per domain code. `kind`: "radar" or "bar"."""
    codes = list(domains)
    mine = components.set_index("unit").loc[unit, codes].to_numpy(float)
    mean = components[codes].mean().to_numpy(float)
    label = (names or {}).get(unit, unit)
    if kind == "bar":
        fig, ax = _figure(len(codes), width=8)
        y = np.arange(len(codes))
        ax.barh(y + 0.2, mine, height=0.4, color=DOMAIN_COLORS[0], label=label)
        ax.barh(y - 0.2, mean, height=0.4, color="#b0bec5", label="Trung bình các đơn vị")
        ax.set_yticks(y, [_wrapped(f"{c}. {domains[c]}", 45) for c in codes])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("Chỉ số thành phần (%)")
    elif kind == "radar":
        fig = Chart(figsize=(7, 7), layout="constrained")
        ax = fig.add_subplot(projection="polar")
        angles = np.linspace(0, 2 * np.pi, len(codes), endpoint=False)
        for values, color, name in ((mine, DOMAIN_COLORS[0], label), (mean, "#90a4ae", "Trung bình các đơn vị")):
            closed = np.append(values, values[0])
            ax.plot(np.append(angles, angles[0]), closed, color=color, label=name)
            ax.fill(np.append(angles, angles[0]), closed, color=color, alpha=0.15)
        ax.set_xticks(angles, codes)
        ax.set_ylim(0, 100)
    else:
        raise ValueError("kind must be 'radar' or 'bar'")
    ax.set_title(f"{label}: chỉ số thành phần so với trung bình", fontfamily=FONT)
    ax.legend(loc="lower right", fontsize=8)
    return fig


def heatmap(
    matrix: pd.DataFrame, names: dict[str, str] | None = None, title: str = "Tỷ lệ điểm đạt theo tiêu chí (% điểm tối đa)"
) -> Figure:
    """Units (rows) × criteria (columns) as % of max; N/A cells left blank."""
    fig = Chart(figsize=(max(7.0, 1.5 + 0.32 * matrix.shape[1]), max(3.5, 1.2 + 0.24 * matrix.shape[0])), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(matrix.to_numpy(float), aspect="auto", cmap="RdYlGn", vmin=0, vmax=100, interpolation="nearest")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=90, fontsize=8)
    ax.set_yticks(range(matrix.shape[0]), [(names or {}).get(u, u) for u in matrix.index], fontsize=_row_font(matrix.shape[0]))
    fig.colorbar(image, ax=ax, label="% điểm tối đa", shrink=0.8)
    ax.set_title(title, fontfamily=FONT)
    return fig


def self_vs_appraised(totals: pd.DataFrame, names: dict[str, str] | None = None, kind: str = "dumbbell") -> Figure:
    """Self-assessed beside appraised totals per unit. `totals`: unit, self, appraised.
    `kind`: "dumbbell" (sorted by the cut) or "scatter" (with the y = x line)."""
    data = totals.assign(cut=totals["appraised"] - totals["self"]).sort_values("cut", ascending=False)
    if kind == "scatter":
        fig, ax = _figure(8, width=6.5)
        ax.scatter(data["self"], data["appraised"], color=DOMAIN_COLORS[0], zorder=3)
        low = float(min(data["self"].min(), data["appraised"].min())) - 2
        high = float(max(data["self"].max(), data["appraised"].max())) + 2
        ax.plot([low, high], [low, high], color="#90a4ae", linestyle="--", label="Thẩm định = tự đánh giá")
        ax.set_xlabel("Điểm tự đánh giá")
        ax.set_ylabel("Điểm thẩm định")
        _commas(ax.xaxis, ax.yaxis)
        ax.legend(fontsize=8)
    elif kind == "dumbbell":
        fig, ax = _figure(len(data))
        y = np.arange(len(data))
        labels = [(names or {}).get(u, u) for u in data["unit"]]
        ax.hlines(y, data["self"], data["appraised"], color="#b0bec5", zorder=1)
        ax.scatter(data["self"], y, facecolors="white", edgecolors="#546e7a", label="Tự đánh giá", zorder=2)
        ax.scatter(data["appraised"], y, color=DOWN, label="Thẩm định", zorder=3)
        ax.set_yticks(y, labels, fontsize=_row_font(len(data)))
        ax.set_xlabel("Tổng điểm")
        _commas(ax.xaxis)
        ax.legend(fontsize=8, loc="lower right")
    else:
        raise ValueError("kind must be 'dumbbell' or 'scatter'")
    ax.set_title("Tự đánh giá và thẩm định", fontfamily=FONT)
    return fig


def slope(
    before: pd.Series,
    after: pd.Series,
    labels: tuple[str, str],
    names: dict[str, str] | None = None,
    title: str = "Chỉ số qua hai kỳ",
) -> Figure:
    """Each unit's index in two periods (Series indexed by unit), rising lines green, falling red;
    each unit's name right of the lines' ends, tied to its end by a leader from the name's left
    edge (it ran from the name's middle, across the names beside it)."""
    units = before.index.intersection(after.index)
    fig, ax = _figure(len(units), width=7)
    ends = after[units].astype(float)
    low, high = float(min(before[units].min(), ends.min())), float(max(before[units].max(), ends.max()))
    margin = max(high - low, 1.0) * 0.05
    ax.set_ylim(low - margin, high + margin)
    ax.set_xlim(-0.1, 1.75)
    ax.set_xticks([0, 1], labels)
    ax.set_ylabel("Chỉ số (%)")
    _commas(ax.yaxis)
    ax.set_title(title, fontfamily=FONT)
    font = _row_font(len(units))
    places = _spread(ends, ax, font)
    for unit in units:
        a, b = float(before[unit]), float(after[unit])
        color = UP if b > a + 1e-9 else DOWN if b < a - 1e-9 else SAME
        ax.plot([0, 1], [a, b], color=color, marker="o", linewidth=1.4)
        ax.annotate(  # the label, moved apart from the others where lines end close together, tied to its line
            (names or {}).get(unit, unit),
            xy=(1.0, b),
            xytext=(1.05, places[unit]),
            va="center",
            fontsize=font,
            color=color,
            arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.5, "shrinkA": 0, "shrinkB": 2, "relpos": (0, 0.5)},
        )
    return fig


def _spread(values: pd.Series, ax: Any, font: float) -> dict[str, float]:
    """Heights for the labels at the lines' ends, in the order of the ends (so no two leaders
    cross), each at least a text line and a bit from the next, all inside the axes: units whose
    indices end close together (84,2 and 84,5) would print their names on top of each other.
    A label stays at its value when there is room, and moves as little as it can. The line's
    height in data units is measured on the axes as laid out (their height in points)."""
    fig = ax.get_figure()
    fig.get_layout_engine().execute(fig)
    bottom, top = ax.get_ylim()
    points = ax.get_window_extent().height * 72 / fig.dpi
    gap = (top - bottom) * font * 1.5 / points
    order = values.sort_values(kind="stable")
    places = order.to_numpy(float).copy()
    floor, ceiling = bottom + gap / 2, top - gap / 2
    for i in range(len(places)):  # upwards: each at least `gap` above the one below, none below the axes
        places[i] = max(places[i], floor if i == 0 else places[i - 1] + gap)
    for i in range(len(places) - 1, -1, -1):  # then down from the top: none above the axes
        places[i] = min(places[i], ceiling if i == len(places) - 1 else places[i + 1] - gap)
    return dict(zip(order.index, places.tolist(), strict=True))


def domain_change(
    before: pd.Series, after: pd.Series, domains: dict[str, str], labels: tuple[str, str], decimals: int = DEFAULT_DECIMALS
) -> Figure:
    """Mean index of each domain (Series indexed by code) in two periods, with the change (to
    `decimals`, the set's)."""
    codes = list(domains)
    fig, ax = _figure(len(codes), width=8)
    y = np.arange(len(codes))
    ax.barh(y - 0.2, before[codes], height=0.4, color="#b0bec5", label=labels[0])
    ax.barh(y + 0.2, after[codes], height=0.4, color=DOMAIN_COLORS[0], label=labels[1])
    for i, code in enumerate(codes):
        delta = float(after[code] - before[code])
        ax.text(
            max(float(after[code]), float(before[code])) + 1,
            i,
            ("+" if rounded(delta, decimals) > 0 else "") + format_number(delta, decimals, fixed=True),
            va="center",
            fontsize=8,
            color=UP if delta > 0 else DOWN if delta < 0 else SAME,
        )
    ax.set_yticks(y, [_wrapped(f"{c}. {domains[c]}", 45) for c in codes])
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("Chỉ số thành phần trung bình (%)")
    ax.set_title("Thay đổi theo lĩnh vực", fontfamily=FONT)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def index_distribution(index: pd.Series, classes: Sequence[ClassBand] = (), title: str = "Phân bố chỉ số CCHC") -> Figure:
    """Histogram of units' indices (%) over the class bands."""
    fig, ax = _figure(8, width=8)
    _class_bands(ax, classes)
    ax.hist(index.dropna(), bins=np.arange(0, 105, 5), color=DOMAIN_COLORS[0], edgecolor="white", zorder=2)
    ax.set_xlim(0, 100)
    _whole_numbers(ax.yaxis)  # three units gave 0.0, 0.2 … 1.0
    ax.set_xlabel("Chỉ số (%)")
    ax.set_ylabel("Số đơn vị")
    ax.set_title(title, fontfamily=FONT)
    return fig


def rank_shift(table: pd.DataFrame, names: dict[str, str] | None = None, title: str = "Đổi hạng theo kịch bản") -> Figure:
    """Baseline rank → scenario rank per unit (`whatif.compare(...).table`)."""
    data = table.sort_values("rank_alt", ascending=False)
    fig, ax = _figure(len(data), width=8)
    y = np.arange(len(data))
    colors = [UP if d < 0 else DOWN if d > 0 else SAME for d in data["delta_rank"].fillna(0)]
    ax.hlines(y, data["rank_base"], data["rank_alt"], colors=colors, zorder=1)
    ax.scatter(data["rank_base"], y, facecolors="white", edgecolors="#546e7a", label="Hiện trạng", zorder=2)
    ax.scatter(data["rank_alt"], y, c=colors, label="Kịch bản", zorder=3)
    ax.set_yticks(y, [(names or {}).get(u, u) for u in data["unit"]], fontsize=_row_font(len(data)))
    ax.invert_xaxis()
    _whole_numbers(ax.xaxis)
    ax.set_xlabel("Hạng (1 = cao nhất)")
    ax.set_title(title, fontfamily=FONT)
    ax.legend(fontsize=8, loc="lower left")
    return fig


def rank_uncertainty(
    table: pd.DataFrame, names: dict[str, str] | None = None, title: str = "Hạng khi trọng số không chắc chắn"
) -> Figure:
    """Median rank with the 5–95 % interval per unit (`sensitivity.uncertainty(...)`)."""
    data = table.sort_values("rank", ascending=False)
    fig, ax = _figure(len(data), width=8)
    y = np.arange(len(data))
    ax.hlines(y, data["q05"], data["q95"], color="#1565c0", linewidth=4, alpha=0.45, label="Khoảng 5–95 %")
    ax.scatter(data["median_rank"], y, color="#1565c0", zorder=3, label="Hạng trung vị")
    ax.scatter(data["rank"], y, marker="|", s=120, color="#263238", zorder=4, label="Hạng hiện trạng")
    ax.set_yticks(y, [(names or {}).get(u, u) for u in data["unit"]], fontsize=_row_font(len(data)))
    ax.invert_xaxis()
    _whole_numbers(ax.xaxis)
    ax.set_xlabel("Hạng (1 = cao nhất)")
    ax.set_title(title, fontfamily=FONT)
    ax.legend(fontsize=8, loc="lower left")
    return fig
