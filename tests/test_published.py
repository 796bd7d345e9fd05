"""Published PAPI tables scored with the engine and the CLI: totals match the publication,
and the 2019 table's rounding is reported only when the tolerance is below it."""

import csv
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from cchc_widgets.cli.main import main
from cchc_widgets.core import engine
from cchc_widgets.core.criteria import load_criteria
from cchc_widgets.files.score_tables import read_scores

REPO = Path(__file__).resolve().parent.parent
PUBLISHED = Path(__file__).resolve().parent / "data" / "published"
EXAMPLES = REPO / "criteria" / "examples"

PUBLISHED_HEADERS = {
    2016: (re.compile(r"^(D\d(?:\.\d)?) "), "TOTAL unweighted PAPI (source header: Un-weighted2015PAPI)", "province_en"),
    2019: (re.compile(r"^(\d(?:\.\d)?): "), "Unweighted PAPI Score", "province_en (as in source)"),
}


def published_rows(year: int) -> list[dict[str, str]]:
    with open(PUBLISHED / f"papi_{year}_provinces.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_published_wide(year: int, path: Path, keep=lambda code: True) -> Path:
    """The published table as a wide score file: `unit`, one column per code kept, `total`."""
    pattern, total_header, unit_header = PUBLISHED_HEADERS[year]
    rows = published_rows(year)
    columns = [(h, m.group(1)) for h in rows[0] if (m := pattern.match(h)) and keep(m.group(1))]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["unit", *[code for _, code in columns], "total"])
        for row in rows:
            writer.writerow([row[unit_header], *[row[h] for h, _ in columns], row[total_header]])
    return path


def _published_totals(year):
    _, total, unit = PUBLISHED_HEADERS[year]
    return {row[unit]: float(row[total]) for row in published_rows(year)}


def test_papi_2016_totals_match_to_float32_storage_precision(tmp_path):
    cs = load_criteria(EXAMPLES / "papi-2016.csv")
    data = read_scores(write_published_wide(2016, tmp_path / "p16.csv", keep=lambda c: "." in c), cs)
    res = engine.aggregate(data.scores, cs).results.set_index("unit")
    published = _published_totals(2016)
    assert len(res) == 63
    for unit, total in published.items():
        assert res.loc[unit, "total"] == pytest.approx(total, abs=1e-5), unit  # float32 source: 22 parts × ≤4e-7
    # ranked by total, high to low
    assert res.sort_values("rank").index[0] == max(published, key=published.get)


def test_papi_2019_dimension_totals_match_within_published_rounding(tmp_path):
    cs = load_criteria(EXAMPLES / "papi-2019-dimensions.csv")
    assert cs.depth == 1
    data = read_scores(write_published_wide(2019, tmp_path / "p19.csv", keep=lambda c: "." not in c), cs)
    res = engine.aggregate(data.scores, cs).results.set_index("unit")
    published = _published_totals(2019)
    exact = sum(abs(res.loc[u, "total"] - t) < 0.005 for u, t in published.items())
    assert exact == 63 - 37  # the 37 rows the publication notes differ by 0.01–0.02
    assert all(abs(res.loc[u, "total"] - t) <= 0.02 + 1e-9 for u, t in published.items())
    top = res.sort_values("rank").index[:3].tolist()
    assert top == ["Ben Tre", "Dong Thap", "Quang Ninh"]
    assert res.loc["Binh Dinh", "rank"] == 63


def _run(capsys, *args):
    code = main(list(map(str, args)))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_reports_2019_rounding_only_below_its_size(tmp_path, capsys):
    scores = write_published_wide(2019, tmp_path / "p19.csv")
    criteria = EXAMPLES / "papi-2019.csv"
    code, _, err = _run(capsys, "score", "--criteria", criteria, "--scores", scores)
    assert code == 3
    lines = err.strip().splitlines()
    assert lines[0].startswith("209 tổng")  # 172 dimension cells + 37 totals, as documented
    assert sum(" Tổng điểm " in line for line in lines) == 37
    code, _, err = _run(capsys, "score", "--criteria", criteria, "--scores", scores, "--tolerance", "0.01")
    assert code == 3
    assert err.startswith("5 tổng")
    code, out, err = _run(capsys, "score", "--criteria", criteria, "--scores", scores, "--tolerance", "0.02")
    assert (code, err) == (0, "")
    assert len(out.strip().splitlines()) == 64


def test_cli_2016_default_tolerance_passes_and_writes_file(tmp_path, capsys):
    scores = write_published_wide(2016, tmp_path / "p16.csv")
    out = tmp_path / "result.xlsx"
    code, _, err = _run(
        capsys, "score", "--criteria", EXAMPLES / "papi-2016.csv", "--scores", scores, "--out", out, "--machine-headings"
    )
    assert (code, err) == (0, "")
    table = pd.read_excel(out)
    assert table.columns.tolist() == ["unit", "D1", "D2", "D3", "D4", "D5", "D6", "total", "index", "rank", "class"]
    published = _published_totals(2016)
    for row in table.itertuples():  # the file holds totals to the set's two places (the default)
        assert row.total == round(published[row.unit], 2)


def test_papi_2019_as_published_reads_its_headings_as_codes(tmp_path, capsys):
    """The published file, its 37 component headings as printed («1: Participation at Local Levels»,
    «1.1: Civic Knowledge»): only the province and total columns are named for the reader."""
    text = (PUBLISHED / "papi_2019_provinces.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace("province_en (as in source)", "unit").replace("Unweighted PAPI Score", "total")
    scores = tmp_path / "papi_2019.csv"
    scores.write_text(f"{header}\n{rest}", encoding="utf-8")
    code, out, err = _run(capsys, "score", "--criteria", EXAMPLES / "papi-2019.csv", "--scores", scores, "--tolerance", "0.02")
    assert (code, err) == (0, "")  # was 1: «cột '1: Participation at Local Levels' không phải mã tiêu chí»
    assert out.splitlines()[1].split()[:2] == ["Ben", "Tre"]
    assert len(out.strip().splitlines()) == 64
    # a heading whose code the set does not have is still refused, named as printed
    code, _, err = _run(capsys, "score", "--criteria", EXAMPLES / "papi-2019-dimensions.csv", "--scores", scores)
    assert code == 1
    assert "papi_2019.csv: dòng 2, cột '1.1: Civic Knowledge': mã '1.1' không có trong bộ" in err
    assert "cột '8.3: E-Responsiveness of Provincial Authorities': mã '8.3' không có" in err
    assert "cột '1: Participation" not in err


def test_decimal_check_of_the_published_note():
    """The published README's numbers, recomputed exactly, so the CLI figures above are grounded."""
    pattern, total, _ = PUBLISHED_HEADERS[2019]
    diffs = 0
    for row in published_rows(2019):
        dims = sum(Decimal(row[h]) for h in row if (m := pattern.match(h)) and "." not in m.group(1))
        diffs += dims != Decimal(row[total])
    assert diffs == 37
