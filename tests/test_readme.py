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


# ------------------------------------------------------------ score files and flat sets: every example runs

EXIT = re.compile(r"#\s*exit (\d)")


def fenced(text: str) -> list[tuple[str, str, str]]:
    """Each fenced block of `text`: (its language, the file it is — the last `name.csv` named
    just before it, else "" — and its body)."""
    out = []
    for match in re.finditer(r"```(\w+)\n(.*?)```", text, re.S):
        named = re.findall(r"`([\w.-]+\.csv)`", text[max(0, match.start() - 300) : match.start()])
        out.append((match.group(1), named[-1] if named else "", match.group(2)))
    return out


def section(path, heading: str, end: str | None) -> str:
    text = (REPO / path).read_text(encoding="utf-8").split(heading, 1)[1]
    return text.split(end, 1)[0] if end else text


def run_examples(text: str, folder, capsys) -> list[tuple[str, int, str]]:
    """Write the text's CSV blocks to their files in `folder`, then run each `cchc` line of its
    sh blocks there, checking the exit code its comment gives (`# exit 3`; 0 when none)."""
    import shlex

    from cchc_widgets.cli.main import main

    ran = []
    for language, name, body in fenced(text):
        if language == "csv":
            assert name, body
            (folder / name).write_text(body, encoding="utf-8")
    for language, _name, body in fenced(text):
        if language != "sh":
            continue
        for line in body.splitlines():
            command, _, comment = line.partition("#")
            expected = int(m.group(1)) if (m := EXIT.search("#" + comment)) else 0
            args = shlex.split(command)
            assert args[0] == "cchc", line
            code = main(args[1:])
            out = capsys.readouterr()
            assert code == expected, f"{line}\n{out.err}"
            ran.append((line, code, out.err))
    return ran


def test_every_score_file_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = section("README.md", "### Score files\n", "\n### Survey responses")
    ran = run_examples(text, tmp_path, capsys)
    assert len(ran) == 5
    first = ran[0][2]
    assert first.startswith("3 đơn vị trong danh sách chưa có điểm, không xếp hạng: Sở Nội vụ, Sở Xây dựng, Thanh tra tỉnh\n")
    assert first.endswith("Cột in sẵn khớp với kết quả tính: chỉ số (%) (3 đơn vị), hạng (3 đơn vị), xếp loại (3 đơn vị)\n")
    assert "T1: điểm thưởng/điểm trừ do người thẩm định nhập" in ran[1][2]
    assert re.search(r"so-y-te\s+rank\s+4\s+3$", ran[2][2], re.M)
    assert "chưa có điểm" in (tmp_path / "ket-qua.csv").read_text(encoding="utf-8")


def test_the_flat_set_example_is_the_set_it_says(tmp_path, monkeypatch, capsys):
    from cchc_widgets.cli.main import main
    from cchc_widgets.core.criteria import load_criteria

    monkeypatch.chdir(tmp_path)
    text = section("criteria/README.md", "## Flat table form", None)
    run_examples(text, tmp_path, capsys)
    (tmp_path / "criteria").mkdir()
    (tmp_path / "bo-tieu-chi-so.csv").rename(tmp_path / "criteria" / "bo-tieu-chi-so.csv")
    said = re.search(r"`cchc validate (\S+)`: «(.*?)»", text, re.S)
    assert main(["validate", said.group(1)]) == 0
    assert capsys.readouterr().out == f"{said.group(1)}: {' '.join(said.group(2).split())}\n"
    cs = load_criteria(said.group(1))
    assert cs.meta["rounding"] == {"decimals": 2, "rank_on": "rounded"}
    assert ([c.label for c in cs.classes], cs.index_cap) == (["Xuất sắc", "Tốt", "Khá", "Trung bình"], 100)
    assert [(i.code, i.domain, i.max_points) for i in cs.survey.items] == [("KS1", "2", 4)]


def test_the_yaml_form_names_only_keys_the_schema_knows():
    import yaml

    from cchc_widgets.core.criteria import schema_problems

    block = re.search(r"```yaml\n(.*?)```", section("criteria/README.md", "## YAML form", None), re.S).group(1)
    assert schema_problems(yaml.safe_load(block), "README") == []


def test_the_score_by_block_example_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    text = section("README.md", "**`cchc score` by block.**", "\n## One door for every write")
    ran = run_examples(text, tmp_path, capsys)
    assert [code for _, code, _ in ran] == [0, 0, 1]
    assert "khối UBND cấp huyện: Cột in sẵn khớp với kết quả tính: hạng (2 đơn vị)" in ran[0][2]
    written = (tmp_path / "ket-qua-khoi.csv").read_text(encoding="utf-8").splitlines()
    assert written[0] == "block,unit,LV1,LV2,H1,H2,H3,total,index,rank,class"
    assert written[3].startswith("huyen,tp-dien-bien-phu,,,45.00,28.00,18.00,91.00,91.00,1")
