"""The annual report as a province publishes it, read back from the PDF Chromium prints: A4
pages (landscape for the wide tables), the official heading and signer, the ranking table
whole on its page (every header, every unit's index and class), no word outside the page, no
heading left alone at a page's end, the document's title; blank survey points where no
survey was run. Every page is kept as a PNG under exports/test-artefacts/ for a person to look at."""

import re
import subprocess
from pathlib import Path

import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.core.numbers import format_number
from cchc_widgets.report import analysis
from cchc_widgets.report import annual as report
from tests.artefacts import ARTEFACTS

A4 = {(595, 842), (842, 595)}  # points, rounded
HEADINGS = (
    "Những điểm chính",
    "Kết quả xếp hạng",
    "Chỉ số thành phần theo lĩnh vực (%)",
    "So với Năm 2016",
    "Thẩm định so với tự đánh giá",
    "Các mục thẩm định giảm điểm nhiều nhất",
    "Kịch bản trọng số đưa vào báo cáo",
)
FILLED = 0.4  # a page's printing reaches at least this far down it: no almost-empty page


def run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    info = run("pdfinfo", "-f", "1", "-l", "999", str(pdf))
    return [(round(float(w)), round(float(h))) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]


def pdf_pages(pdf: Path) -> list[str]:
    return [run("pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-") for i in range(1, len(page_sizes(pdf)) + 1)]


def heading_alone(pdf: Path, page: int, heading: str, tmp: Path) -> bool:
    """True when nothing is printed below `heading` on its page: no text (pdftotext) and no
    dark pixel of a chart (the page rendered by pdftoppm)."""
    from PIL import Image

    xml = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    last = heading.split()[-1]
    bottoms = [float(y) for y, word in re.findall(r'yMax="([\d.]+)">([^<]*)</word>', xml) if word == last]
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml).group(1))
    run("pdftoppm", "-r", "30", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf), str(tmp / "page"))
    image = Image.open(tmp / "page.png").convert("L")
    top = int((max(bottoms) + 4) / height * image.height)
    below = image.crop((0, top, image.width, image.height))
    return below.getextrema()[0] > 200  # only white-ish below


def filled(pdf: Path, page: int, tmp: Path) -> float:
    """How far down the page its lowest printed pixel is (0 top, 1 bottom), from pdftoppm."""
    from PIL import Image

    run("pdftoppm", "-r", "30", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf), str(tmp / "ink"))
    image = Image.open(tmp / "ink.png").convert("L")
    inked = [y for y in range(image.height) if image.crop((0, y, image.width, y + 1)).getextrema()[0] < 200]
    return (max(inked) + 1) / image.height if inked else 0.0


def page_number(pdf: Path, page: int, size: tuple[int, int]) -> list[str]:
    """Words in the top margin (above 20 mm), centred on the page: where Nghị định 30 puts
    the page's number."""
    xml = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    out = []
    for x0, _y0, x1, y1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml
    ):
        centre = (float(x0) + float(x1)) / 2
        if float(y1) < 57 and 0.4 * size[0] < centre < 0.6 * size[0]:
            out.append(word)
    return out


def words_outside(pdf: Path, page: int, size: tuple[int, int], margin: float = 28) -> list[str]:
    """Words whose box leaves the printable area (the page less `margin` points, ~10 mm)."""
    xml = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-")
    out = []
    for x0, y0, x1, y1, word in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml
    ):
        if float(x0) < margin or float(y0) < margin or float(x1) > size[0] - margin or float(y1) > size[1] - margin:
            out.append(word)
    return out


def headings_whole(pages: list[str]) -> list[str]:
    """The annex headings as printed: each on one line, or broken after «Phụ lục II.» only —
    never inside «Kết quả khối UBND cấp huyện». Returns the headings read back."""
    out = []
    for text in pages:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for at, line in enumerate(lines):
            if not re.match(r"Phụ lục [IVXLC]+\.", line):
                continue
            heading = line if re.fullmatch(r"Phụ lục [IVXLC]+\. Kết quả khối .+", line) else f"{line} {lines[at + 1]}"
            assert re.fullmatch(r"Phụ lục [IVXLC]+\.", line) or heading == line, f"tiêu đề ngắt giữa cụm từ: {line!r}"
            out.append(heading)
    return out


def pages_read_well(pdf: Path, tmp: Path) -> tuple[list[str], list[tuple[int, int]]]:
    """What holds for every page of a published report: A4, nothing outside the printable box,
    the page's number in the top margin from page 2, no heading alone at a page's end, and no
    page almost empty — but the last, when it carries the closing block under real content."""
    sizes = page_sizes(pdf)
    assert sizes
    assert set(sizes) <= A4, sizes  # never US Letter
    pages = pdf_pages(pdf)
    for number, (text, size) in enumerate(zip(pages, sizes, strict=True), start=1):
        assert words_outside(pdf, number, size) == [], f"trang {number}"
        assert page_number(pdf, number, size) == ([] if number == 1 else [str(number)]), f"trang {number}"
        above = [line for line in text.split("Nơi nhận:")[0].splitlines() if line.strip() not in ("", str(number))]
        closing = number == len(pages) and "Nơi nhận:" in text and above != []  # the report's last lines, then the signer
        if not closing:
            assert filled(pdf, number, tmp) >= FILLED, f"trang {number} gần như trống"
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines and lines[-1] in HEADINGS:
            assert not heading_alone(pdf, number, lines[-1], tmp), f"trang {number} kết thúc bằng tiêu đề {lines[-1]}"
    return pages, sizes


@pytest.mark.external  # the report runs in a kernel; Chromium prints it; poppler reads it back
@pytest.mark.parametrize("period", ["2016", "2017"])
def test_the_pdf_report_is_a_publishable_a4_document(demo, tmp_path, period):
    """Both demo periods: 2016 left a page holding four bullets (the district annex's highlights
    cut short by the landscape ranking page after them) and broke «Phụ lục II. Kết quả khối
    UBND cấp / huyện» inside its phrase."""
    pdf = tmp_path / f"bao-cao-{period}.pdf"
    assert main(["--db", demo.url, "report", "--period", period, "--out", str(pdf)]) == 0
    info = run("pdfinfo", str(pdf))
    assert f"Title:           Báo cáo kết quả Chỉ số cải cách hành chính — Năm {period}" in info
    pages, sizes = pages_read_well(pdf, tmp_path)
    assert headings_whole(pages) == [  # each block as its set says what it is (issue 30: «minh họa» on every annex)
        "Phụ lục I. Kết quả khối Sở, ban, ngành (phân bổ điểm tham khảo)",
        "Phụ lục II. Kết quả khối UBND cấp huyện (bộ tiêu chí minh họa)",
    ]
    first = pages[0]
    for words in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND TỈNH ĐIỆN BIÊN",
        "SỞ NỘI VỤ",
        "/BC-SNV",
        "Điện Biên, ngày",
    ):
        assert words in first
    for words in ("PHÓ GIÁM ĐỐC", "Nguyễn Văn A", "Nơi nhận:"):
        assert words in pages[-1]
    assert "- Lưu: VT, CCHC." in pages[-1]  # the law's last line of «Nơi nhận»
    closing = pages[-1].split("Nơi nhận:")[0]
    assert re.search(r"^\s*\d+\s+Sở|^\s*Chưa có kịch bản", closing, re.MULTILINE), "the signature alone on the last page"
    views = analysis.block_views(demo, period)  # the departments, then the districts: an annex each
    where = [i for i, text in enumerate(pages) if "Kết quả xếp hạng" in text]
    assert len(where) == len(views) == 2
    assert [v.label for v in views] == ["Sở, ban, ngành", "UBND cấp huyện"]
    for at, view in zip(where, views, strict=True):
        ranking_page_reads_back(pages[at], sizes[at], view)
    waiting = (7, 4) if period == "2017" else (0, 0)  # 2017's appraisal is under way: 12 of 19 departments, 6 of 10 districts
    assert (len(views[0].unappraised), len(views[1].unappraised)) == waiting
    assert "LV 8: Thực hiện cơ chế một cửa" in pages[where[0]]  # the short labels' key
    for view in views:
        domain_table_reads_back(pages, sizes, view)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob(f"bao-cao-{period}-*.png"):
        old.unlink()
    run("pdftoppm", "-r", "60", "-png", str(pdf), str(ARTEFACTS / f"bao-cao-{period}"))
    assert len(list(ARTEFACTS.glob(f"bao-cao-{period}-*.png"))) == len(sizes)


def domain_table_reads_back(pages: list[str], sizes: list[tuple[int, int]], view: analysis.PeriodView) -> None:
    """A block's domain table as README says it prints: in the portrait flow (its short labels
    fit across the page), its header row again on every page it runs on, to its mean row."""
    heading = f"Chỉ số thành phần theo lĩnh vực (%) — khối {view.label}"
    start = next(i for i, text in enumerate(pages) if heading in text)
    end = next(i for i in range(start, len(pages)) if re.search(r"^\s*Trung bình\s+\d", pages[i], re.MULTILINE))
    header = r"Đơn vị\s+" + r"\s+".join(f"LV {c}" for c in view.domains)
    for at in range(start, end + 1):
        assert sizes[at][0] < sizes[at][1], (view.label, at + 1)  # portrait
        assert re.search(header, pages[at]), (view.label, at + 1)


def ranking_page_reads_back(ranking: str, size: tuple[float, float], view: analysis.PeriodView) -> None:
    """A block's ranking table on one landscape page: its block named in the heading, every
    column header, and each unit's rank, name, index and class on one line."""
    table = report.results_table(view)
    assert f"Kết quả xếp hạng — khối {view.label}" in ranking
    assert size[0] > size[1]  # the wide table on a landscape page
    surveyed = ("Điểm khảo sát",) if "Điểm khảo sát" in table.columns else ()
    domains = [f"LV {c}" for c in view.domains]
    for header in ("Hạng", "Đơn vị", *domains, *surveyed, "Tổng điểm", "Điểm tối đa", "Chỉ số (%)", "Xếp loại"):
        assert header in ranking, (view.label, header)
    lines = ranking.splitlines()
    for unit in view.results.to_dict("records"):
        waiting = unit["unit"] not in view.appraised
        rank = "—" if waiting else str(int(unit["rank"]))  # a unit without an appraisal is not ranked…
        start = rf"^\s*{rank}\s+{re.escape(unit['name'])}\s"  # a name on one line here: the column is wide
        line = next((text for text in lines if re.match(start, text)), None)
        assert line is not None, unit["name"]
        klass = "Chưa thẩm định" if waiting else unit["class"]  # …nor classed: marked, its own points printed
        assert re.search(rf"{re.escape(format_number(unit['index'], 2, fixed=True))}\s+{re.escape(klass)}$", line.rstrip())
    if view.unappraised:
        assert "«Chưa thẩm định»: đơn vị chưa được thẩm định, điểm in là điểm tự đánh giá" in re.sub(r"\s+", " ", ranking)
    if surveyed and not view.surveyed:
        assert table["Điểm khảo sát"].isna().all()  # 2017: no survey was run — blank, not 0
        assert "Điểm khảo sát để trống" in ranking


@pytest.mark.external  # the report runs in a kernel; Chromium prints it; poppler reads it back
def test_the_closing_block_stays_whole_and_with_the_last_lines(three_places, tmp_path):
    """On a set of three units published to 3 decimals the signer's title ended a page and his
    name sat alone on the next: «Nơi nhận», the signer's title and name are one block, on the
    page of the report's last lines; the appraisal cuts print the set's 3 places."""
    pdf = tmp_path / "bao-cao-2030.pdf"
    assert main(["--db", three_places.url, "report", "--period", "2030", "--out", str(pdf)]) == 0
    pages, _ = pages_read_well(pdf, tmp_path)
    for words in ("Nơi nhận:", "- Lưu: VT, CCHC.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn A"):
        assert [i for i, text in enumerate(pages, 1) if words in text] == [len(pages)], words
    assert "Chưa có kịch bản nào được đưa vào báo cáo" in pages[-1].split("Nơi nhận:")[0]  # not alone on its page
    assert re.search(r"^\s*1\s+Đơn vị An Bình .*\s9,125\s+8,334\s+-0,792\s", "\n".join(pages), re.MULTILINE)
