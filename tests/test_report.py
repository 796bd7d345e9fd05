import re

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from cchc_widgets.cli.main import main
from cchc_widgets.report import analysis
from cchc_widgets.report import annual as report
from cchc_widgets.services.writes import Writer


@pytest.fixture
def views(demo):
    return analysis.period_view(demo, "2017"), analysis.period_view(demo, "2016")


def test_facts_name_the_right_units(views):
    now, before = views
    facts = analysis.facts(now, before)
    top = now.results.iloc[0]
    assert facts[0].startswith(f"Dẫn đầu Năm 2017: {top['name']}")
    counts = [int(n) for n in re.findall(r"(\d+) [^\d,(]+", facts[2].split("(")[0])]
    assert sum(counts) == now.results["rank"].notna().sum() == len(now.appraised) == 12  # classes of appraised units only
    assert facts[3].startswith("7 đơn vị chưa thẩm định (")  # the demo's 2017 appraisal is under way
    assert all(now.names[u] in facts[3] for u in now.unappraised)
    moves = analysis.movers(now, before)
    best = moves.iloc[0]
    assert f"{best['name']} (+{int(best['rank_gain'])} bậc, hạng trong 12 đơn vị được xếp hạng cả hai năm" in " ".join(facts)
    # 19 ranked in 2016, 12 in 2017: a move is counted among the 12 ranked in both, never 18th of 19 → 12th of 12 as "up 6"
    assert moves.attrs["among"] == 12
    ranked = moves.dropna(subset=["rank_gain"])
    assert sorted(ranked["common_now"]) == sorted(ranked["rank_now"]) == list(range(1, 13))
    assert ranked["common_before"].max() == 12 < ranked["rank_before"].max()
    assert (ranked["rank_gain"] == ranked["common_before"] - ranked["common_now"]).all()
    assert ranked.loc[ranked["common_now"] == 12, "rank_gain"].iloc[0] <= 0
    cut = now.self_appraised["appraised"] - now.self_appraised["self"]
    worst = now.names[now.self_appraised["unit"].iloc[int(cut.to_numpy().argmin())]]
    assert worst in facts[-1]


def test_tables(views):
    now, before = views
    table = report.results_table(now)
    ranks = [r for r in table.index if r != "—"]
    assert ranks == list(range(1, len(now.appraised) + 1))  # only appraised units are ranked
    unranked = table[table.index == "—"]
    assert len(unranked) == len(now.unappraised) == 7
    assert (unranked["Xếp loại"] == "Chưa thẩm định").all()
    assert "Chưa thẩm định" not in set(table.loc[ranks, "Xếp loại"])
    assert "điểm in là điểm tự đánh giá" in report.unappraised_key(now)
    assert table.columns[:2].tolist() == ["Đơn vị", "LV 1"]
    assert "Chỉ số (%)" in table.columns
    domains = report.domain_table(now)
    assert domains.index[-1] == "Trung bình"
    assert len(domains) == len(now.results) + 1
    movers = report.movers_table(now, before)
    gain = "Tăng hạng (so trong 12 đơn vị xếp hạng cả hai năm)"  # the years rank different units: said in the heading
    assert movers[gain].dropna().is_monotonic_decreasing  # units ranked in both periods; the others unranked
    cuts = report.appraisal_table(now)
    assert (cuts["Chênh lệch"] < 0).all()
    assert cuts["Lý do"].str.len().gt(0).all()


def test_survey_points_shown_and_kept_out_of_self_vs_appraisal(views):
    _, surveyed = views  # 2016 has the demo survey
    table = report.results_table(surveyed)
    assert (table["Điểm khảo sát"] > 0).all()
    res = surveyed.results.set_index("unit")
    pairs = surveyed.self_appraised.set_index("unit")
    assert pairs["appraised"].to_numpy() == pytest.approx((res["total"] - res["survey"]).loc[pairs.index].to_numpy())
    assert (pairs["appraised"] <= pairs["self"] + 1e-9).all()  # the demo's appraisals only ever cut


@pytest.mark.external  # the report runs in a kernel; the PDF is Chromium's
def test_cchc_report_html_and_pdf(demo, tmp_path, capsys):
    db = demo.url
    out = tmp_path / "bao-cao-2017.html"
    assert main(["--db", db, "report", "--period", "2017", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "Báo cáo kết quả Chỉ số cải cách hành chính — Năm 2017" in html
    assert "Tăng hạng nhiều nhất so với Năm 2016" in html
    assert re.findall(r'<script[^>]+src="([^"]+)"', html) == []  # nothing fetched from another server (was require.js, MathJax)
    assert "cdnjs" not in html
    assert html.count("data:image/png;base64") >= 6
    assert "from cchc_widgets" not in html  # code cells are hidden
    assert '<html lang="vi">' in html
    images = html.count("<img ")
    assert images == html.count('alt="Biểu đồ: ')  # every chart has its alt text
    assert 'alt="Biểu đồ: Chỉ số CCHC theo đơn vị' in html
    assert "<th>STT</th>" in html or ">STT<" in html  # the differences table is numbered, not pandas' index
    first = tmp_path / "bao-cao-2016.html"
    assert main(["--db", db, "report", "--period", "2016", "--out", str(first)]) == 0
    assert "Chưa có kỳ trước để so sánh" in first.read_text(encoding="utf-8")
    pdf = tmp_path / "bao-cao-2017.pdf"
    assert main(["--db", db, "report", "--out", str(pdf)]) == 0  # latest period
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 50_000
    assert main(["--db", db, "report", "--out", str(tmp_path / "x.docx")]) == 1
    assert ".html hoặc .pdf" in capsys.readouterr().err
    assert "Chưa có kịch bản nào được đưa vào báo cáo" in html


@pytest.mark.external  # the report runs in a kernel; the PDF is Chromium's
def test_report_shows_saved_scenarios(demo, tmp_path):
    from cchc_widgets.core.whatif import Scenario

    Writer(demo).save_scenario(Scenario("TTHC nặng hơn", "tăng lĩnh vực 3", weights={"3": 2.0}))
    Writer(demo).save_scenario(Scenario("Bộ khác", weights={"Z9": 2.0}))  # another criteria set's codes: left out
    Writer(demo).save_scenario(Scenario("Nháp", "thử nghiệm nội bộ", weights={"5": 3.0}))  # a draft: left out
    for name in ("TTHC nặng hơn", "Bộ khác"):
        Writer(demo).mark_scenario(name, True)
    out = tmp_path / "r.html"
    assert main(["--db", demo.url, "report", "--period", "2017", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "TTHC nặng hơn" in html
    assert "tăng lĩnh vực 3" in html
    assert "Bộ khác" not in html
    assert "thử nghiệm nội bộ" not in html
    assert html.count("data:image/png;base64") >= 7
    comparisons = analysis.scenario_comparisons(demo, "2017")
    assert [s.name for s, _ in comparisons] == ["TTHC nặng hơn"]
    table = report.scenario_table(comparisons, demo.units()[["id", "name"]].set_index("id")["name"].to_dict())
    assert table.loc["TTHC nặng hơn", "Spearman ρ"] == round(comparisons[0][1].spearman, 3)


@pytest.mark.external  # each notebook runs in a kernel
@pytest.mark.parametrize("name", ["scoring.ipynb", "whatif.ipynb", "admin.ipynb"])
def test_app_notebooks_run(name, repo, demo, monkeypatch):
    """The Voilà app notebooks are kept output-free; they must run top to bottom on the demo store."""
    monkeypatch.setenv("CCHC_DB", demo.url)
    nb = nbformat.read(repo / "notebooks" / "apps" / name, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")
    folder = str(repo / "notebooks" / "apps")
    NotebookClient(nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": folder}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert not [o for o in outputs if o.output_type == "error"]


def test_the_distribution_counts_appraised_indices_only(views):
    """While the 2017 appraisal is under way, the published distribution is the 12 appraised
    units' indices; a period with every unit appraised counts them all."""
    now, before = views
    assert set(now.judged()["unit"]) == now.appraised
    assert len(now.judged()) == 12
    assert len(before.judged()) == len(before.results) == 19


def test_a_unit_is_appraised_only_when_its_appraisal_covers_its_items(demo):
    """An appraiser who has re-scored 2 of 70 items leaves the unit's own points standing for the
    other 68: the unit is printed «Chưa thẩm định», unranked and unclassed, until the end."""
    from cchc_widgets.services.writes import Scope

    before = analysis.period_view(demo, "2017")
    assert "ban-dan-toc" in before.unappraised
    rows = demo.scores("2017", "ban-dan-toc", "self").head(2)[["unit", "code", "value"]]
    rows = rows.assign(stage="appraisal", note="đã đối chiếu hồ sơ")
    Writer(demo, None).save_scores(Scope("2017", "ban-dan-toc", "appraisal"), rows, "Thẩm định viên", "test")
    after = analysis.period_view(demo, "2017")
    assert "ban-dan-toc" in after.unappraised
    assert "ban-dan-toc" not in after.appraised
    shown = after.results.set_index("unit").loc["ban-dan-toc"]
    assert pd.isna(shown["rank"])
    assert shown["class"] is None
    assert after.appraised == before.appraised  # the 12 appraised in full are untouched


def test_every_figure_the_report_prints_has_the_sets_places(three_places):
    """A set published to 3 decimals: the highlights, the ranking, the domain indices and the
    appraisal cuts print 3 places, as the ranking's CSV does (was 9,12 / 8,33 / -0,79 in the
    cuts, 83,33 % in the highlights beside a table saying 83,335, one place per domain)."""
    view = analysis.period_view(three_places, "2030")
    facts = " ".join(analysis.facts(view))
    assert "(chỉ số 83,335 %, xếp loại Tốt)" in facts
    assert "(30,000 %)" in facts
    assert "(-0,792 điểm)" in facts  # 8,3335 − 9,125 = −0,7915: half away from zero, as Excel rounds
    cuts = report.section("Các mục thẩm định giảm điểm nhiều nhất", report.appraisal_table(view)).html
    assert re.search(r">9,125<.*>8,334<.*>-0,792<", cuts, re.DOTALL)
    domains = report.section("Chỉ số thành phần", report.domain_table(view)).html
    assert ">83,333<" in domains  # An Bình's first domain: 2,5 of the 3 points that apply
    assert not re.search(r">\d+,\d{1,2}<", domains)  # never fewer places
    ranking = report.section("Kết quả xếp hạng", report.results_table(view)).html
    assert ">83,335<" in ranking
    assert ">13,000<" in ranking


def test_highlights_keep_trailing_zeros(views):
    """The demo's set publishes 2 places: a cut of 10,5 points reads «-10,50 điểm», of 10
    «-10,00 điểm», every index «…,dd %» — as the tables print them."""
    now, before = views
    facts = analysis.facts(now, before)
    cuts = facts[-1]
    assert cuts.startswith("Điểm thẩm định thấp hơn tự đánh giá nhiều nhất")
    figures = re.findall(r"\((-?[\d.,]+) điểm\)", cuts)
    assert len(figures) == 3
    assert all(re.fullmatch(r"-\d+,\d{2}", f) for f in figures), figures
    percents = re.findall(r"([\d.,]+) %", " ".join(facts))
    assert percents
    assert all(re.fullmatch(r"\d+,\d{2}", p) for p in percents), percents
    assert not re.search(r">\d+,\d<", report.section("LV", report.domain_table(now)).html)  # was one place


@pytest.mark.external  # a real kernel, started and shut down as the report's
def test_the_report_kernel_is_shut_down_without_an_interrupt(demo, tmp_path):
    """jupyter_client interrupts a kernel (SIGINT) before it asks it to shut down; a kernel the
    signal caught inside a message handler printed «KeyboardInterrupt caught in kernel» under
    `cchc report`'s own lines, now and then. Every cell has run by then: no signal is sent. The
    notebook's kernel records any SIGINT it receives in a file (its hooks that reset SIGINT
    around each message are emptied, so the record holds whenever the signal comes)."""
    marker = tmp_path / "sigint"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell('period = "2017"\ndb = None', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import signal\nfrom pathlib import Path\n"
            f"signal.signal(signal.SIGINT, lambda *_: Path({str(marker)!r}).write_text('SIGINT'))\n"
            "get_ipython().kernel.pre_handler_hook = get_ipython().kernel.post_handler_hook = lambda: None"
        ),
    ]
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nb, notebook)
    report.execute("2017", demo.url, tmp_path / "out.ipynb", notebook)
    assert not marker.exists()


@pytest.mark.external  # the report runs in a kernel
def test_no_reduction_is_said_in_a_sentence_not_an_empty_table(three_places, tmp_path):
    """An appraisal that lowered nothing (it raised An Bình's 2.1): the report's «Các mục thẩm
    định giảm điểm nhiều nhất» says so in a sentence, never a table of headers over no rows (issue
    28's audit), nor the raised item as a reduction."""
    from cchc_widgets.services.writes import Scope

    raised = pd.DataFrame([{"unit": "don-vi-a", "code": "2.1", "stage": "appraisal", "points": 9.5, "note": "Bổ sung tài liệu"}])
    Writer(three_places).save_scores(Scope("2030"), raised, "Người thử", "test")
    view = analysis.period_view(three_places, "2030")
    assert view.differences["diff"].tolist() == [0.375]  # one item differs, raised
    out = tmp_path / "bao-cao.html"
    assert main(["--db", three_places.url, "report", "--period", "2030", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    section = re.search(r"<h2>Các mục thẩm định giảm điểm nhiều nhất</h2>(.*?)</section>", html, re.DOTALL).group(1)
    assert section.strip() == f"<p>{report.NO_CUTS}</p>"
