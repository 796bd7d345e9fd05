"""The README's examples run as written, from a folder laid out like the checkout."""

import re

from tests.conftest import REPO


def readme_block(heading: str) -> str:
    """The first Python block under a README heading."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_widget_kit_example_runs_as_written(tmp_path, monkeypatch, capsys):
    for folder in ("criteria", "data"):
        (tmp_path / folder).symlink_to(REPO / folder)
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path)
    names: dict = {}
    exec(compile(readme_block("## The widget kit in JupyterLab"), "README.md", "exec"), names)
    out = capsys.readouterr().out
    assert "Sở Tư pháp: mã 1.1.2: điểm thẩm định khác điểm tự đánh giá (1 điểm): ghi lý do trước khi lưu" in out
    assert "quy tắc cho 2 điểm, vượt điểm tối đa 1" in out
    assert "weights:\n  '1': 2.0" in out
    form, editor = names["form"], names["editor"]
    assert (
        form.scores.query("unit == 'so-tu-phap' and code == '1.1.1' and stage == 'appraisal'")["value"].item() == "Ban hành chậm"
    )
    assert (tmp_path / "exports" / "bo-tieu-chi-moi.yaml").read_text(encoding="utf-8").startswith("id: dien-bien-so")
    assert editor.ranks["delta_rank"].abs().sum() > 0
    assert (form.results["max"] < 100).any()  # «N/A» answers read as answers, leaving the denominator
    assert names["whatif"].comparison["delta_rank"].abs().sum() > 0
    form.set_value("1.1.3", "Không", note="không có phân công")  # the observer the example set prints
    assert re.search(r"^\d+ dòng điểm$", capsys.readouterr().out, re.M)


def test_readme_names_only_public_widget_api():
    import cchc_widgets

    block = readme_block("## The widget kit in JupyterLab")
    used = set(re.findall(r"from cchc_widgets import ([\w, ]+)", block)[0].replace(" ", "").split(","))
    assert used <= set(cchc_widgets.__all__)
