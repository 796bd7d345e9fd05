"""Charts checked through the Figure's artists (values drawn, labels), not pixels."""

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text

from cchc_widgets.core.criteria import ClassBand
from cchc_widgets.report import charts

DOMAINS = {"1": "Chỉ đạo, điều hành", "2": "Thủ tục hành chính"}
CLASSES = (ClassBand("Tốt", 80), ClassBand("Khá", 50))
RESULTS = pd.DataFrame(
    {
        "unit": ["a", "b", "c"],
        "1": [6.0, 3.0, 1.0],
        "2": [3.0, 2.0, 1.0],
        "total": [9.0, 5.0, 2.0],
        "max": [10.0, 10.0, 8.0],
        "index": [90.0, 50.0, 25.0],
        "rank": [1, 2, 3],
        "class": ["Tốt", "Khá", None],
    }
)
NAMES = {"a": "Sở Tư pháp", "b": "Sở Y tế", "c": "Ban Dân tộc"}


def bars(ax):
    return [p for p in ax.patches if p.get_height() > 0 and p.get_label() != "" and not p.get_label().startswith("_band")]


def test_ranking_bar_stacks_domain_shares_to_the_index():
    fig = charts.ranking_bar(RESULTS, DOMAINS, CLASSES, NAMES)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3. Ban Dân tộc", "2. Sở Y tế", "1. Sở Tư pháp"]
    rects = [r for c in ax.containers for r in c]
    widths = np.array([r.get_width() for r in rects]).reshape(2, 3)  # domains × units (bottom rank first)
    assert widths[:, 2].tolist() == pytest.approx([60, 30])  # Sở Tư pháp: 6/10 and 3/10 of its index
    assert widths.sum(axis=0).tolist() == pytest.approx([25, 50, 90])
    texts = {t.get_text() for t in ax.texts}
    assert {"Tốt", "Khá", "90,00", "25,00"} <= texts  # the index as the tables print it: two places by default
    assert fig.legends[0].texts[0].get_text() == "1. Chỉ đạo, điều hành"


def test_profile_radar_and_bar():
    comps = pd.DataFrame({"unit": ["a", "b"], "1": [80.0, 40.0], "2": [60.0, 20.0]})
    radar = charts.profile(comps, "a", DOMAINS, "radar", NAMES)
    lines = radar.axes[0].get_lines()
    assert lines[0].get_ydata().tolist() == [80, 60, 80]  # closed polygon
    assert lines[1].get_ydata().tolist() == [60, 40, 60]  # mean of the units
    bar = charts.profile(comps, "a", DOMAINS, "bar", NAMES)
    widths = [r.get_width() for c in bar.axes[0].containers for r in c]
    assert widths == [80, 60, 60, 40]
    assert "Sở Tư pháp" in bar.axes[0].get_title()
    with pytest.raises(ValueError, match="radar"):
        charts.profile(comps, "a", DOMAINS, "pie")


def test_heatmap_values_and_labels():
    matrix = pd.DataFrame({"1.1": [100.0, 50.0], "1.2": [np.nan, 0.0]}, index=["a", "b"])
    fig = charts.heatmap(matrix, NAMES)
    image = fig.axes[0].get_images()[0]
    data = image.get_array()
    assert data[0, 0] == 100
    assert data[1, 0] == 50
    assert np.isnan(np.ma.filled(data, np.nan)[0, 1])  # N/A stays blank
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Sở Tư pháp", "Sở Y tế"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1.1", "1.2"]


def test_self_vs_appraised_dumbbell_and_scatter():
    totals = pd.DataFrame({"unit": ["a", "b"], "self": [90.0, 70.0], "appraised": [85.0, 70.0]})
    fig = charts.self_vs_appraised(totals, NAMES)
    ax = fig.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert points[0].get_offsets()[:, 0].tolist() == [70, 90]  # self, sorted by the cut (none first)
    assert points[1].get_offsets()[:, 0].tolist() == [70, 85]
    scatter = charts.self_vs_appraised(totals, kind="scatter")
    assert scatter.axes[0].collections[0].get_offsets().tolist() == [[70, 70], [90, 85]]


def test_slope_and_domain_change_colours():
    before = pd.Series({"a": 80.0, "b": 60.0})
    after = pd.Series({"a": 70.0, "b": 65.0})
    fig = charts.slope(before, after, ("2016", "2017"), NAMES)
    lines = fig.axes[0].get_lines()
    assert [line.get_ydata().tolist() for line in lines] == [[80, 70], [60, 65]]
    assert lines[0].get_color() == charts.DOWN
    assert lines[1].get_color() == charts.UP
    change = charts.domain_change(pd.Series({"1": 50.0, "2": 70.0}), pd.Series({"1": 60.0, "2": 65.0}), DOMAINS, ("2016", "2017"))
    assert {"+10,00", "-5,00"} <= {t.get_text() for t in change.axes[0].texts}
    change = charts.domain_change(pd.Series({"1": 50.0, "2": 70.0}), pd.Series({"1": 50.0, "2": 65.125}), DOMAINS, ("a", "b"), 3)
    assert {"0,000", "-4,875"} <= {t.get_text() for t in change.axes[0].texts}  # the set's places; no «+0»


def test_index_distribution_counts():
    fig = charts.index_distribution(pd.Series([91.0, 92.0, 55.0, np.nan]), CLASSES)
    heights = [p.get_height() for p in fig.axes[0].patches if not p.get_label().startswith("_band")]
    assert sum(heights) == 3
    assert max(heights) == 2  # 91 and 92 share the 90–95 bin


def test_rank_shift_and_uncertainty():
    table = pd.DataFrame({"unit": ["a", "b", "c"], "rank_base": [1, 2, 3], "rank_alt": [2, 1, 3], "delta_rank": [1, -1, 0]})
    fig = charts.rank_shift(table, NAMES)
    segs = next(c for c in fig.axes[0].collections if isinstance(c, LineCollection)).get_segments()
    assert sorted((s[0][0], s[1][0]) for s in segs) == [(1, 2), (2, 1), (3, 3)]
    unc = pd.DataFrame({"unit": ["a", "b"], "rank": [1, 2], "median_rank": [1, 2], "q05": [1, 1], "q95": [2, 3]})
    fig = charts.rank_uncertainty(unc, NAMES)
    segs = next(c for c in fig.axes[0].collections if isinstance(c, LineCollection)).get_segments()
    assert sorted((s[0][0], s[1][0]) for s in segs) == [(1, 2), (1, 3)]


def test_rank_axes_show_whole_ranks():
    units = [f"u{i}" for i in range(19)]
    table = pd.DataFrame({"unit": units, "rank_base": range(1, 20), "rank_alt": range(19, 0, -1)})
    table["delta_rank"] = table["rank_alt"] - table["rank_base"]
    fig = charts.rank_shift(table)
    fig.canvas.draw()
    ticks = [t for t in fig.axes[0].get_xticks() if 1 <= t <= 19]
    assert ticks
    assert all(float(t).is_integer() for t in ticks)  # once 17.5, 15.0, 12.5


def test_long_domain_names_wrap_and_charts_carry_alt_text():
    long = {"1": "Cải cách tổ chức bộ máy hành chính nhà nước và nâng cao chất lượng đội ngũ", "2": "Thủ tục hành chính"}
    fig = charts.ranking_bar(RESULTS, long, CLASSES, NAMES)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[0].replace("\n", " ") == "1. " + long["1"]  # whole, on two lines
    assert "\n" in legend[0]
    data, metadata = fig._repr_mimebundle_()
    assert data["image/png"].startswith("iVBOR")  # a PNG, base64
    assert metadata["image/png"]["alt"].startswith("Biểu đồ: Chỉ số CCHC theo đơn vị")


def test_large_unit_counts_get_taller_figures():
    many = pd.concat([RESULTS.assign(unit=[f"{u}{i}" for u in "abc"]) for i in range(34)], ignore_index=True)
    many["rank"] = range(1, len(many) + 1)
    small, big = charts.ranking_bar(RESULTS, DOMAINS), charts.ranking_bar(many, DOMAINS)
    assert big.get_size_inches()[1] > 5 * small.get_size_inches()[1] / 2
    assert big.axes[0].get_yticklabels()[0].get_fontsize() < 9


def _segments_cross(points: np.ndarray, box) -> bool:
    """Whether the polyline `points` (display coordinates) enters `box` (a label's extent):
    each segment walked in steps of a tenth of a pixel."""
    for (x0, y0), (x1, y1) in pairwise(points):
        steps = max(2, int(np.hypot(x1 - x0, y1 - y0) * 10))
        xs, ys = np.linspace(x0, x1, steps), np.linspace(y0, y1, steps)
        if ((xs > box.x0) & (xs < box.x1) & (ys > box.y0) & (ys < box.y1)).any():
            return True
    return False


def slope_labels_read(fig) -> None:
    """Every label of a slope chart, as drawn: no two overlap, and no line — another unit's line
    or leader — passes through a label (boxes from the renderer, lines from their paths)."""
    canvas = FigureCanvasAgg(fig)  # the renderer savefig uses
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    labels = [t for t in ax.texts if t.arrow_patch is not None]
    boxes = [Text.get_window_extent(t, renderer) for t in labels]  # the words only (an Annotation's adds its leader)
    assert len(boxes) == len(ax.get_lines())
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1 :], start=i + 1):
            assert not a.overlaps(b), (labels[i].get_text(), labels[j].get_text())
    lines = [line.get_transform().transform(line.get_xydata()) for line in ax.get_lines()]
    leaders = [t.arrow_patch.get_transform().transform(t.arrow_patch.get_path().vertices) for t in labels]
    for i, box in enumerate(boxes):
        for j, (line, leader) in enumerate(zip(lines, leaders, strict=True)):
            if j != i:
                assert not _segments_cross(line, box), (labels[j].get_text(), "line crosses", labels[i].get_text())
                assert not _segments_cross(leader, box), (labels[j].get_text(), "leader crosses", labels[i].get_text())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_slope_labels_neither_overlap_nor_are_crossed(seed):
    """19 units whose indices end within a few points of each other (their labels pushed apart
    over the ends of other units' lines), and the demo's department names: the leaders used to
    start from the middle of a label and cross its neighbours."""
    rng = np.random.default_rng(seed)
    units = [f"u{i}" for i in range(19)]
    names = {u: f"Sở thử nghiệm số {i} của tỉnh" for i, u in enumerate(units)}
    before = pd.Series(rng.uniform(50, 95, 19), index=units)
    after = pd.Series(rng.uniform(70, 76, 19), index=units)
    after.iloc[:4] = rng.uniform(40, 95, 4)  # a few far from the cluster
    slope_labels_read(charts.slope(before, after, ("Năm 2016", "Năm 2017"), names))


def test_the_reports_slope_charts_read(demo):
    """The demo report's own slope charts, 2016 → 2017, one per block, as the report draws them."""
    from cchc_widgets.report import analysis

    before = {v.block: v for v in analysis.block_views(demo, "2016")}
    for view in analysis.block_views(demo, "2017"):
        was = before[view.block]
        fig = charts.slope(
            was.results.set_index("unit")["index"],
            view.results.set_index("unit")["index"],
            (was.period_name, view.period_name),
            view.marked_names(),
        )
        slope_labels_read(fig)
