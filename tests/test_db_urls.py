"""A store that cannot be opened (issue 24): an unreachable PostgreSQL, a database cchc does not
use, a malformed URL, an SQLite file in a folder that does not exist — every command says so in
one Vietnamese line naming the store with its password hidden, and exits 1; a mistyped --db
makes no folder."""

import subprocess
import sys

import pytest

from cchc_widgets.report.chromium import free_port
from tests.conftest import cchc_here

SECRET = "mat-khau-bi-mat"
COMMANDS = [
    ("periods",),
    ("units",),
    ("demo",),
    ("ranking",),
    ("users", "list"),
    ("stage", "open", "--period", "2017", "--stage", "self"),
    ("submit", "--period", "2017", "--unit", "so-tu-phap"),
    ("log", "--period", "2017"),
    ("export", "--period", "2017", "--out", "ket-qua.xlsx"),
    ("survey", "points", "--period", "2017"),
    ("import", "phieu.csv", "--period", "2017"),
]


def _one_line(ran):
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert "Traceback" not in ran.stderr
    assert SECRET not in ran.stderr + ran.stdout
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_an_unreachable_postgresql_is_one_line_without_the_password(command):
    port = free_port()  # a loopback port nobody listens on
    url = f"postgresql+psycopg://cchc:{SECRET}@127.0.0.1:{port}/cchc"
    ran = cchc_here(*command, db=url)
    assert ran.returncode == 1
    assert _one_line(ran) == (
        f"Không mở được kho dữ liệu postgresql+psycopg://cchc:***@127.0.0.1:{port}/cchc: "
        "không kết nối được máy chủ (sai tên máy hoặc cổng, hoặc máy chủ chưa chạy)"
    )


BAD_URLS = {
    # URL: what the line says after the store's name
    f"mysql://cchc:{SECRET}@localhost/cchc": "mysql://cchc:***@localhost/cchc: cchc dùng SQLite hoặc PostgreSQL",
    f"postgresql+psycopg://cchc:{SECRET}@localhost:cong/cchc": "postgresql+psycopg:…: địa chỉ không đúng dạng (kiểm tra",
    f"postgresql+psycopg2://cchc:{SECRET}@localhost/cchc": "postgresql+psycopg2://cchc:***@localhost/cchc: thiếu trình",
    "không-phải-địa-chỉ": "không-phải-địa-chỉ:…: địa chỉ không đúng dạng",
}


@pytest.mark.parametrize("url", list(BAD_URLS))
def test_a_url_cchc_cannot_use_is_one_line_naming_the_problem(url):
    ran = cchc_here("periods", db=url)
    assert ran.returncode == 1
    assert _one_line(ran).startswith(f"Không mở được kho dữ liệu {BAD_URLS[url]}")


def test_an_sqlite_file_in_a_missing_folder_is_refused_and_no_folder_is_made(tmp_path):
    missing = tmp_path / "khong" / "co"
    ran = cchc_here("periods", db=f"sqlite:///{missing / 'kho.sqlite'}")
    assert ran.returncode == 1
    assert _one_line(ran) == (
        f"Không mở được kho dữ liệu sqlite:///{missing / 'kho.sqlite'}: thư mục '{missing}' không tồn tại "
        "(chỉ thư mục dữ liệu mặc định được tự tạo): hãy tạo thư mục hoặc sửa --db"
    )
    assert not (tmp_path / "khong").exists()


def test_the_default_data_folder_is_made_on_first_use(tmp_path, monkeypatch):
    data = tmp_path / "du-lieu" / "moi"
    monkeypatch.setenv("CCHC_DATA_DIR", str(data))
    monkeypatch.delenv("CCHC_DB")
    ran = cchc_here("periods")
    assert (ran.returncode, ran.stderr) == (0, "")
    assert (data / "cchc.sqlite").is_file()


@pytest.mark.external
def test_cchc_serve_on_an_unreachable_postgresql_says_one_line_and_exits_1():
    port = free_port()
    url = f"postgresql+psycopg://cchc:{SECRET}@127.0.0.1:{port}/cchc"
    done = subprocess.run(
        [sys.executable, "-m", "cchc_widgets.cli", "--db", url, "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert _one_line(done).startswith(f"Không mở được kho dữ liệu postgresql+psycopg://cchc:***@127.0.0.1:{port}/cchc: ")
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("postgresql+psycopg://u:s3cr3t@127.0.0.1:1/x", "s3cr3t"),
        ("postgresql://127.0.0.1:1/x?password=s3cr3t", "s3cr3t"),  # libpq takes it in the query too
        ("postgresql://u:s3c@r3t@127.0.0.1:1/x", "r3t"),  # an unencoded @: a naive reading shows half of it
    ],
)
def test_no_part_of_a_password_is_shown_whatever_the_url_looks_like(url, secret):
    ran = cchc_here("ranking", db=url)
    assert ran.returncode == 1
    assert secret not in ran.stdout + ran.stderr
    assert "s3c" not in ran.stdout + ran.stderr
