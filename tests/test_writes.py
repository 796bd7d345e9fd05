"""The one write path (services.writes.Writer) on SQLite and PostgreSQL: rules, versions,
reasons, explanations, scope, Unicode, and a compare-and-set that holds under concurrency."""

import threading
import unicodedata

import pandas as pd
import pytest

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import ConflictError, ProblemsError
from cchc_widgets.services import access, progress
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.database import Store

UNITS = pd.DataFrame({"id": ["u1", "u2"], "name": ["Sở Một", "Sở Hai"]})
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def filled(store, small_doc):
    """The small set on each backend, two units enrolled in 2020."""
    small_doc["criteria"][0]["children"][1]["children"][0]["evidence"] = "Quyết định giao điểm"
    store.add_period("2020", "Năm 2020", load_dict(small_doc))
    store.add_units(UNITS, period="2020")
    return store


def save(store, rows, author="A", scope=None, versions=None):
    return Writer(store).save_scores(scope or Scope("2020"), pd.DataFrame(rows), author, "test", versions=versions)


def test_round_trip_of_scores(filled):
    rows = [
        {"unit": "u1", "code": "L1", "stage": "self", "value": "có", "note": "Có quyết định"},
        {"unit": "u1", "code": "L4", "stage": "self", "value": {"done": 3, "planned": 4}},
        {"unit": "u1", "code": "L3", "stage": "self", "points": 1.5},
        {"unit": "u2", "code": "L1", "stage": "self", "value": "N/A"},
    ]
    report = save(filled, rows, author="chuyên viên A")
    assert (report.inserted, report.updated, report.unchanged) == (4, 0, 0)
    got = filled.scores("2020").set_index(["unit", "code"])
    assert got.loc[("u1", "L1"), "points"] == 1
    assert got.loc[("u1", "L1"), "value"] == "Có"  # kept in the rule's one spelling
    assert got.loc[("u1", "L1"), "note"] == "Có quyết định"
    assert got.loc[("u1", "L4"), "value"] == {"done": 3, "planned": 4}
    assert got.loc[("u1", "L4"), "points"] == 4  # 75 % is in the 50–100 band
    assert got.loc[("u1", "L3"), "value"] is None
    assert got.loc[("u1", "L3"), "points"] == 1.5
    assert bool(got.loc[("u2", "L1"), "na"])
    assert pd.isna(got.loc[("u2", "L1"), "points"])
    assert (got["author"] == "chuyên viên A").all()
    assert (got["version"] == 1).all()


def test_decimal_comma_is_read_as_a_decimal_everywhere(filled):
    save(
        filled,
        [{"unit": "u1", "code": "L3", "value": "1,5"}, {"unit": "u2", "code": "L4", "value": {"done": "2,0", "planned": "4"}}],
    )
    got = filled.scores("2020").set_index(["unit", "code"])
    assert got.loc[("u1", "L3"), "points"] == 1.5
    assert got.loc[("u1", "L3"), "value"] == 1.5
    assert got.loc[("u2", "L4"), "points"] == 4
    with pytest.raises(ProblemsError, match=r"'1\.500' có thể là 1500 hoặc 1,5"):
        save(filled, [{"unit": "u1", "code": "L3", "value": "1.500"}])


def test_rows_given_as_records_reach_the_rules_as_typed(filled):
    """Rows handed as Python records are read as they are, never through a frame's column types:
    a whole number beside a row of points alone is named as typed ('2'; a frame of them made it
    '2.0', pandas' float column, not what the person gave)."""
    rows = [{"unit": "u1", "code": "L1", "value": 2}, {"unit": "u1", "code": "L3", "value": None, "points": 1}]
    with pytest.raises(ProblemsError) as refused:
        Writer(filled).save_scores(Scope("2020"), rows, "A", "test")
    assert [(p.code, p.message) for p in refused.value.problems] == [("L1", "chọn Có hoặc Không; đã nhập '2'")]
    assert filled.scores("2020").empty


def test_change_log_and_versions(filled):
    save(filled, [{"unit": "u1", "code": "L2", "value": "b"}], author="A")
    save(filled, [{"unit": "u1", "code": "L2", "value": "a"}], author="B")
    again = save(filled, [{"unit": "u1", "code": "L2", "value": "A "}], author="C")  # the same answer spelled otherwise
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    log = filled.change_log("2020", "u1")
    assert log[["new_points", "author", "version"]].values.tolist() == [[1.5, "A", 1], [3.0, "B", 2]]
    assert log["old_points"].isna().tolist() == [True, False]
    assert log["new_value"].tolist() == ['"b"', '"a"']
    assert filled.scores("2020", unit="u1").iloc[0]["version"] == 2


def test_bad_batch_writes_nothing(filled):
    save(filled, [{"unit": "u1", "code": "L2", "value": "b"}])
    before = filled.scores("2020")
    bad = [
        {"unit": "u1", "code": "L2", "value": "a"},  # fine on its own
        {"unit": "u1", "code": "L3", "points": 5},  # above the max
    ]
    with pytest.raises(ProblemsError, match="vượt điểm tối đa"):
        save(filled, bad)
    with pytest.raises(ProblemsError, match="không tham gia kỳ"):
        save(filled, [{"unit": "u9", "code": "L2", "value": "a"}])
    with pytest.raises(ProblemsError, match="thiếu tên người nhập"):
        save(filled, [{"unit": "u1", "code": "L2", "value": "a"}], author=" ")
    pd.testing.assert_frame_equal(filled.scores("2020"), before)
    assert len(filled.change_log()) == 1


def test_stale_version_is_refused_and_the_batch_rolls_back(filled):
    save(filled, [{"unit": "u1", "code": "L2", "value": "b"}], author="A")
    save(filled, [{"unit": "u1", "code": "L2", "value": "c"}], author="B")
    rows = [{"unit": "u1", "code": "L1", "value": "có"}, {"unit": "u1", "code": "L2", "value": "a"}]
    with pytest.raises(ConflictError, match="đã được B sửa") as refused:
        save(filled, rows, author="A", versions={("u1", "L2", "self"): 1})
    assert "Sở Một" in str(refused.value)  # the unit by its name
    assert filled.scores("2020")["code"].tolist() == ["L2"]  # L1 was not written either
    assert filled.scores("2020")["value"].tolist() == ["c"]


def test_a_clear_is_a_write_with_a_version(filled):
    save(filled, [{"unit": "u1", "code": "L2", "value": "b"}], author="A")
    save(filled, [{"unit": "u1", "code": "L2", "value": "c"}], author="B")
    clear = [{"unit": "u1", "code": "L2", "clear": True}]
    with pytest.raises(ConflictError, match="đã được B sửa"):
        save(filled, clear, author="A", versions={("u1", "L2", "self"): 1})  # a stale tab's clear
    assert filled.scores("2020")["value"].tolist() == ["c"]
    done = save(filled, clear, author="B", versions={("u1", "L2", "self"): 2})
    assert done.cleared == 1
    assert filled.scores("2020").empty
    assert filled.change_log("2020")["action"].tolist() == ["test", "test", "clear"]


def test_an_appraisal_that_differs_needs_a_reason(filled):
    save(filled, [{"unit": "u1", "code": "L2", "stage": "self", "value": "a"}])
    with pytest.raises(ProblemsError, match=r"khác điểm tự đánh giá \(3 điểm\): ghi lý do"):
        save(filled, [{"unit": "u1", "code": "L2", "stage": "appraisal", "value": "b"}])
    with pytest.raises(ProblemsError, match="đơn vị chưa tự chấm"):
        save(filled, [{"unit": "u2", "code": "L2", "stage": "appraisal", "value": "b"}])
    assert filled.scores("2020", stage="appraisal").empty
    save(filled, [{"unit": "u1", "code": "L2", "stage": "appraisal", "value": "a"}])  # agrees: no reason needed
    save(filled, [{"unit": "u1", "code": "L2", "stage": "appraisal", "value": "b", "note": "Thiếu tài liệu"}])
    assert filled.scores("2020", stage="appraisal")["points"].tolist() == [1.5]


def test_a_file_without_a_note_column_keeps_the_stored_reason(filled):
    save(filled, [{"unit": "u1", "code": "L2", "stage": "self", "value": "a"}])
    save(filled, [{"unit": "u1", "code": "L2", "stage": "appraisal", "value": "b", "note": "Thiếu tài liệu"}])
    save(filled, [{"unit": "u1", "code": "L2", "stage": "appraisal", "value": "c"}])  # note column absent
    assert filled.scores("2020", stage="appraisal")["note"].tolist() == ["Thiếu tài liệu"]


def test_a_frame_s_blank_note_stays_blank_and_is_no_reason(filled):
    """A Python caller's frame where some rows have a note: pandas fills the others with NaN,
    which is no note — not the text «nan», and not a reason for an appraisal that differs."""
    save(
        filled, [{"unit": "u1", "code": "L1", "value": "có", "note": "Có quyết định"}, {"unit": "u1", "code": "L2", "value": "a"}]
    )
    got = filled.scores("2020").set_index("code")["note"]
    assert got["L1"] == "Có quyết định"
    assert got["L2"] in ("", None)
    rows = [{"unit": "u1", "code": "L1", "value": "có", "note": "Đủ"}, {"unit": "u1", "code": "L2", "value": "b"}]
    with pytest.raises(ProblemsError, match=r"L2.*ghi lý do|ghi lý do"):
        save(filled, rows, scope=Scope("2020", stage="appraisal"))
    assert filled.scores("2020", stage="appraisal").empty


def test_evidence_is_asked_when_the_unit_submits_not_when_it_saves(store, small_doc):
    """A score is saved as typed on every path; the submission is what the evidence rule refuses
    (a file, or an explanation where the set accepts one), naming the criterion."""
    small_doc["explain_missing_evidence"] = True
    small_doc["criteria"][0]["children"][1]["children"][0]["evidence"] = "Quyết định giao điểm"
    store.add_period("2020", "Năm 2020", load_dict(small_doc))
    store.add_units(UNITS, period="2020")
    for unit in ("u1", "u2"):
        save(store, [{"unit": unit, "code": c, "value": v} for c, v in (("L1", "có"), ("L2", "a"), ("L3", "1,5"), ("L4", "50"))])
    assert len(store.scores("2020")) == 8  # nothing refused for evidence
    with pytest.raises(ProblemsError, match="mã L3: thiếu tài liệu kiểm chứng") as refused:
        access.submit(store, None, "2020", "u1")
    assert "Sở Một chưa nộp được: 0 mục chưa chấm, 1 mục thiếu tài liệu kiểm chứng" in str(refused.value)
    assert store.submissions("2020") == {}
    save(store, [{"unit": "u1", "code": "L3", "value": "1,5", "note": "Hồ sơ lưu tại văn phòng"}])  # an explanation
    access.submit(store, None, "2020", "u1")
    Writer(store).add_evidence(Scope("2020", "u2", "self"), "L3", "quyet-dinh.png", PNG, "A")  # the file is the proof
    access.submit(store, None, "2020", "u2")
    assert set(store.submissions("2020")) == {"u1", "u2"}


def test_an_item_the_set_allows_may_be_handed_in_unfinished(store, small_doc):
    small_doc["explain_missing_evidence"] = True
    leaf = small_doc["criteria"][0]["children"][1]["children"][0]
    leaf.update(evidence="Quyết định giao điểm", submit_incomplete=True)
    cs = load_dict(small_doc)
    assert cs["L3"].submit_incomplete
    assert load_dict(cs.to_dict())["L3"].submit_incomplete
    store.add_period("2020", "Năm 2020", cs)
    store.add_units(UNITS, period="2020")
    save(store, [{"unit": "u1", "code": c, "value": v} for c, v in (("L1", "có"), ("L2", "a"), ("L4", "50"))])
    found = progress.checklist(store, "2020", "u1")
    assert found.ok
    assert found.allowed == [("L3", "Chấm tay", "chưa chấm")]
    access.submit(store, None, "2020", "u1")
    assert set(store.submissions("2020")) == {"u1"}


def test_scope_keeps_a_page_or_file_to_its_unit_and_stage(filled):
    page = Scope("2020", "u1", "self")
    with pytest.raises(ProblemsError, match="chỉ được ghi điểm cho Sở Một"):
        save(filled, [{"unit": "u2", "code": "L2", "value": "a"}], scope=page)
    with pytest.raises(ProblemsError, match="chỉ được ghi điểm tự đánh giá"):
        save(filled, [{"unit": "u1", "code": "L2", "stage": "appraisal", "value": "a", "note": "x"}], scope=page)
    assert filled.scores("2020").empty
    save(filled, [{"unit": "u1", "code": "L2", "value": "a"}], scope=page)  # no stage: the page's
    assert filled.scores("2020")["stage"].tolist() == ["self"]


def test_decomposed_vietnamese_matches_a_level(store):
    doc = {
        "id": "v",
        "name": "v",
        "version": "1",
        "criteria": [
            {
                "code": "1",
                "name": "Ban hành",
                "max_points": 2,
                "rule": {
                    "type": "levels",
                    "levels": [{"label": "Ban hành đúng hạn", "points": 2}, {"label": "Ban hành chậm", "points": 1}],
                },
            }
        ],
    }
    store.add_period("2020", "Năm 2020", load_dict(doc))
    store.add_units(UNITS, period="2020")
    typed = unicodedata.normalize("NFD", "Ban hành chậm")
    assert typed != "Ban hành chậm"
    save(store, [{"unit": "u1", "code": "1", "value": typed}], author=unicodedata.normalize("NFD", "Lê Thị Hà"))
    got = store.scores("2020").iloc[0]
    assert got["value"] == "Ban hành chậm"
    assert got["author"] == "Lê Thị Hà"


def test_evidence_only_for_the_scope_unit(filled):
    writer = Writer(filled)
    kept = writer.add_evidence(Scope("2020", "u1", "self"), "L3", "a.png", PNG, "A")
    from cchc_widgets.core.errors import EvidenceError

    with pytest.raises(EvidenceError, match="không thuộc đơn vị"):
        writer.remove_evidence(Scope("2020", "u2", "self"), kept, "B")
    with pytest.raises(EvidenceError, match="không phải png"):
        writer.add_evidence(Scope("2020", "u1", "self"), "L3", "a.png", b"%PDF-1.4", "A")
    writer.remove_evidence(Scope("2020", "u1", "self"), kept, "A")
    assert filled.evidence("2020", "u1").empty


@pytest.mark.parametrize("rounds", [20])
def test_of_writers_holding_one_version_exactly_one_wins(filled, rounds):
    """Four threads, each with its own store connection, save the same score at the same
    version at the same moment: exactly one is told «đã lưu», every round."""
    save(filled, [{"unit": "u1", "code": "L3", "value": "0"}])
    writers = 4
    stores = [Store(filled.url) for _ in range(writers)]
    wins_per_round = []
    try:
        for r in range(rounds):
            current = filled.scores("2020").iloc[0]
            version = int(current["version"])
            values = [v for v in (0.0, 0.5, 1.0, 1.5, 2.0) if v != float(current["points"])]  # each writer changes the score
            barrier = threading.Barrier(writers)
            results: list[str] = []
            lock = threading.Lock()

            def write(k, version=version, barrier=barrier, results=results, lock=lock, values=values):
                barrier.wait()
                try:
                    rows = [{"unit": "u1", "code": "L3", "value": values[k]}]
                    save(stores[k], rows, author=f"W{k}", versions={("u1", "L3", "self"): version})
                    outcome = "saved"
                except ConflictError:
                    outcome = "conflict"
                with lock:
                    results.append(outcome)

            threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            wins_per_round.append(results.count("saved"))
            assert len(results) == writers, f"round {r}: {results}"
    finally:
        for s in stores:
            s.close()
    log = filled.change_log("2020")
    assert wins_per_round == [1] * rounds
    assert log["version"].tolist() == list(range(1, rounds + 2))  # one log row per accepted write, no version twice


def _write_in_process(url, k, version, value, barrier, results):
    """One writer process: its own interpreter, its own store, the same moment as the others."""
    store = Store(url)
    barrier.wait()
    try:
        rows = [{"unit": "u1", "code": "L3", "value": value}]
        save(store, rows, author=f"P{k}", versions={("u1", "L3", "self"): version})
        results.put("saved")
    except ConflictError:
        results.put("conflict")
    finally:
        store.close()


@pytest.mark.external  # writers in separate processes
def test_of_writer_processes_holding_one_version_exactly_one_wins(filled):
    """The same guarantee across processes (two servers, or a server and `cchc import`)."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    save(filled, [{"unit": "u1", "code": "L3", "value": "0"}])
    rounds, writers = 3, 2
    for _ in range(rounds):
        current = filled.scores("2020").iloc[0]
        values = [v for v in (0.5, 1.0, 1.5) if v != float(current["points"])]
        barrier, results = context.Barrier(writers), context.Queue()
        procs = [
            context.Process(target=_write_in_process, args=(filled.url, k, int(current["version"]), values[k], barrier, results))
            for k in range(writers)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        outcomes = sorted(results.get(timeout=5) for _ in range(writers))
        assert outcomes == ["conflict", "saved"]
    assert filled.change_log("2020")["version"].tolist() == list(range(1, rounds + 2))
