"""Small things of blocks (issue 30) a person meets: `cchc period add` names the criteria file
it refuses (never the database's address), the progress table's «Khối» column, the block in
`cchc ranking --out`."""

from cchc_widgets.cli.main import main
from tests.conftest import REFERENCE


def test_period_add_names_the_file_of_a_set_given_to_another_block_not_the_database(tmp_path, capsys):
    units = tmp_path / "don-vi.csv"
    units.write_text("id,name,khối\ns1,Sở Một,so\nh1,Huyện Một,huyen\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'kho.sqlite'}"
    given = ["--criteria", f"so={REFERENCE}", "--criteria", f"huyen={REFERENCE}"]
    assert main(["--db", db, "period", "add", "2025", "--units", str(units), *given]) == 1
    err = capsys.readouterr().err
    assert f"{REFERENCE}: bộ tiêu chí 'dien-bien-so' dành cho khối 'Sở, ban, ngành', không dùng cho khối 'UBND cấp huyện'" in err
    assert "sqlite" not in err
    assert "kho.sqlite" not in err
