import csv
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "criteria" / "dien-bien-so-2016.yaml"
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


@pytest.fixture
def store(tmp_path):
    from cchc_widgets.store.database import Store

    s = Store(f"sqlite:///{tmp_path / 'test.sqlite'}")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """A store file with the demo loaded once; tests get a copy (loading takes seconds)."""
    import sqlalchemy as sa

    from cchc_widgets.services.demo import load_demo
    from cchc_widgets.store.database import Store

    path = tmp_path_factory.mktemp("template") / "demo.sqlite"
    s = Store(f"sqlite:///{path}")
    load_demo(s)
    with s.engine.begin() as conn:
        conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    s.close()
    return path


@pytest.fixture
def demo(demo_template, tmp_path):
    """A real SQLite store holding the demo, evidence kept under tmp_path."""
    import shutil

    from cchc_widgets.store.database import Store

    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, path)
    s = Store(f"sqlite:///{path}", evidence_dir=tmp_path / "evidence")
    yield s
    s.close()


@pytest.fixture(scope="session")
def reference():
    from cchc_widgets.core.criteria import load_criteria

    return load_criteria(REFERENCE)
