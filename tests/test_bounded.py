"""Bounded work per file (issue 24): files of at most 8 MB built to be expensive — xlsx parts that
inflate (styles, shared strings, sheets, drawings), deep or wide XML, CSV with long fields or a
million columns — are refused naming the file and the limit hit (or read, when they are valid
and cheap), the store unchanged; `cchc import` stays under 300 MB, and a page's kernel gives
back what an upload took."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from cchc_widgets.core.errors import ProblemsError
from cchc_widgets.core.tables import read_table
from tests import hostile_files as hostile
from tests.conftest import cchc_here

MB = hostile.MB
ROLE = "vượt giới hạn {} MB của phần này"
REFUSED = {
    # file: what the refusal says (the limit that was hit)
    "styles": "phần 'xl/styles.xml' (định dạng ô) giải nén ra 57,7 MB, " + ROLE.format("5,2"),
    "shared-strings": "phần 'xl/sharedStrings.xml' (chuỗi văn bản dùng chung) giải nén ra 57,7 MB, " + ROLE.format("21"),
    "sheet-rows": "phần 'xl/worksheets/sheet1.xml' (dữ liệu sheet) giải nén ra 57,7 MB, " + ROLE.format("31,5"),
    "wide-row": "phần 'xl/worksheets/sheet1.xml' (dữ liệu sheet) giải nén ra 57,7 MB, " + ROLE.format("31,5"),
    "costly-sheet": "đọc tệp cần hơn 2,5 giây xử lý (giới hạn khi đọc một tệp): không đọc — tệp quá lớn hoặc quá "
    "phức tạp (hãy chia nhỏ tệp, hoặc lưu dưới dạng .csv), hoặc được tạo để gây hại",
    "deep-xml": "đọc tệp cần hơn 100 MB bộ nhớ (giới hạn khi đọc một tệp)",
    "csv-long-field": "dòng 3: không đọc được — một ô dài hơn 128 KB (giới hạn của một ô)",
    "csv-wide": "dòng 1 dài hơn 1.000.000 ký tự (giới hạn của một dòng)",
    "csv-columns": "dòng 1 có 603 cột, vượt giới hạn 500 cột",
    "csv-many-rows": "bảng có hơn 200.000 dòng (giới hạn của một bảng)",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return hostile.write_all(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_hostile_file_is_refused_naming_file_and_limit_and_nothing_is_stored(demo, files, name):
    path = files[name]
    assert path.stat().st_size <= 8 * MB
    before = demo.scores("2017")
    ran = cchc_here("import", path, "--period", "2017", db=demo.url)
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    assert f"{path.name}: TỪ CHỐI — không lưu gì (1 lỗi)" in ran.stderr
    assert f"  {path.name}: " in ran.stderr
    assert REFUSED[name] in ran.stderr
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_a_drawing_the_table_does_not_need_is_not_read(demo, files):
    ran = cchc_here("import", files["drawing"], "--period", "2017", "--dry-run", db=demo.url)
    assert ran.returncode == 0, ran.stderr
    assert "drawing.xlsx: hợp lệ (chạy thử, chưa lưu) — Sở Tư pháp, kỳ 2017" in ran.stdout


def test_one_part_over_its_limit_is_named_not_the_whole_file_limit(tmp_path):
    """Issue 24: «65,8 MB … vượt giới hạn 125,8 MB» named the whole file's limit for one part."""
    path = tmp_path / "phan-lon.xlsx"
    path.write_bytes(hostile._rebuilt(hostile.one_row_table(), {}, {"xl/media/anh.bin": b"\0" * (65 * MB)}))
    with pytest.raises(ProblemsError) as refused:
        read_table(path)
    assert str(refused.value) == (
        "phan-lon.xlsx: phần 'xl/media/anh.bin' giải nén ra 68,2 MB, vượt giới hạn 62,9 MB của một phần: "
        "không đọc (tệp quá lớn hoặc tệp độc hại)"
    )


def test_a_template_with_a_drawing_that_inflates_is_refused_by_the_reader(demo, tmp_path):
    from cchc_widgets.services.imports import import_any, template

    data = template(demo, "2017", "so-tu-phap")
    path = tmp_path / "phieu-co-hinh.xlsx"
    path.write_bytes(hostile.with_drawing(data, 55 * MB))
    before = demo.scores("2017")
    with pytest.raises(ProblemsError, match=r"phieu-co-hinh\.xlsx: đọc tệp cần hơn 100 MB bộ nhớ \(giới hạn khi đọc một tệp\)"):
        import_any(demo, path, None)
    pd.testing.assert_frame_equal(demo.scores("2017"), before)


def test_a_batch_reads_every_file_in_one_reader_and_goes_on_after_a_refusal(demo, files, tmp_path, monkeypatch):
    from cchc_widgets.core import sandbox

    good = tmp_path / "tot.xlsx"
    good.write_bytes(hostile.one_row_table())
    started = []
    real = sandbox.Reader.__init__

    def counted(self):
        started.append(self)
        real(self)

    monkeypatch.setattr(sandbox.Reader, "__init__", counted)
    ran = cchc_here("import", good, files["deep-xml"], good, "--period", "2017", "--dry-run", db=demo.url)
    assert ran.returncode == 1
    assert ran.stdout.count("tot.xlsx: hợp lệ") == 2
    assert "deep-xml.xlsx: TỪ CHỐI" in ran.stderr
    assert len(started) == 1
    assert all(r.proc.poll() is not None for r in started)  # stopped after the batch


PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
print(done.stderr)
"""


@pytest.mark.external
@pytest.mark.parametrize("name", [*REFUSED, "drawing"])
def test_cchc_import_of_a_hostile_file_peaks_under_300_mb(demo, files, name):
    """The peak resident memory of `cchc import` and of every process it starts (the reader and
    its forks), measured by a parent that ran nothing else."""
    command = [sys.executable, "-m", "cchc_widgets.cli", "--db", demo.url, "import", str(files[name]), "--period", "2017"]
    done = subprocess.run([sys.executable, "-c", PEAK, *command], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    code, peak = map(int, done.stdout.split("\n", 1)[0].split())
    assert code == (0 if name == "drawing" else 1), done.stdout
    assert peak <= 300, f"{name}: {peak} MB"


KERNEL = """
import gc, json, sys
from pathlib import Path
from cchc_widgets.app.scoring_session import ScoringSession
from cchc_widgets.services.uploads import scores_upload
from cchc_widgets.services.writes import Scope
from cchc_widgets.store.database import Store

def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) / 1024

store = Store(sys.argv[1], evidence_dir=sys.argv[2])
scope = Scope("2017", "so-tu-phap", "self")
ScoringSession(store, "2017", "so-tu-phap", "self")  # the page the upload is made from
scores_upload(store, "mot-dong.csv", b"unit,code,points\\nso-tu-phap,1.1.1,1\\n", "A", scope)  # what a first upload loads
gc.collect()
before, out = rss(), {}
for name in sys.argv[3:]:
    report = scores_upload(store, Path(name).name, Path(name).read_bytes(), "A", scope)
    gc.collect()
    out[Path(name).name] = [report.ok, rss() - before]
print(json.dumps(out))
"""


@pytest.mark.external
def test_a_page_kernel_gives_back_what_a_hostile_upload_took(demo, files, tmp_path):
    """What a scoring page's kernel runs for «Nhập phiếu Excel đã điền», in a fresh interpreter:
    after each hostile upload its resident memory is within 20 MB of where it was."""
    env = {**os.environ, "CCHC_DATA_DIR": str(tmp_path)}
    paths = [str(files[name]) for name in (*REFUSED, "drawing")]
    command = [sys.executable, "-c", KERNEL, demo.url, str(tmp_path / "ev"), *paths]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    grown = json.loads(done.stdout.strip().splitlines()[-1])
    assert [ok for ok, _ in grown.values()] == [False] * len(REFUSED) + [True]
    assert {name: mb for name, (_, mb) in grown.items() if mb > 20} == {}


def test_a_stale_dimension_tag_drops_no_row(tmp_path):
    """Writers forget to update a sheet's <dimension>: every row there is is read all the same."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in (["unit", "code", "points"], ["u1", "A1", 1], ["u2", "A1", 2], ["u3", "A1", 3]):
        book.active.append(row)
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<dimension ref="A1:C4"/>', b'<dimension ref="A1:C2"/>')
                assert b'<dimension ref="A1:C2"/>' in data
            target.writestr(item, data)
    assert [row.text("unit") for row in read_table(stale).rows()] == ["u1", "u2", "u3"]
