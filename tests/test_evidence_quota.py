"""A unit's evidence files for one period stay within a quota (issue 24: thirty 2 MB uploads in
two seconds were all kept): 200 MB unless CCHC_EVIDENCE_QUOTA_MB says otherwise; withdrawn
files count (they stay on disk); over it the upload is refused in Vietnamese and nothing is
written, also when uploads arrive at the same moment."""

import threading

import pandas as pd
import pytest

from cchc_widgets.core.criteria import load_dict
from cchc_widgets.core.errors import CchcError, EvidenceError
from cchc_widgets.services.writes import Scope, Writer
from cchc_widgets.store.config import evidence_quota

PDF = b"%PDF-1.4\n"
UNIT = "so-tu-phap"


def pdf(megabytes: float) -> bytes:
    return PDF + b"0" * (int(megabytes * 1_000_000) - len(PDF))


def kept(store, evidence_dir, unit=UNIT, period="2017"):
    files = sorted(p.name for p in evidence_dir.rglob("*") if p.is_file())
    return store.evidence(period, unit)["filename"].tolist(), files


def test_the_quota_is_200_mb_unless_configured(monkeypatch):
    monkeypatch.delenv("CCHC_EVIDENCE_QUOTA_MB", raising=False)
    assert evidence_quota() == 200_000_000
    monkeypatch.setenv("CCHC_EVIDENCE_QUOTA_MB", "2,5")
    assert evidence_quota() == 2_500_000
    monkeypatch.setenv("CCHC_EVIDENCE_QUOTA_MB", "nhiều")
    with pytest.raises(CchcError, match="CCHC_EVIDENCE_QUOTA_MB phải là số MB lớn hơn 0; đang là 'nhiều'"):
        evidence_quota()


def test_an_upload_past_the_quota_is_refused_and_nothing_is_written(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_EVIDENCE_QUOTA_MB", "5")
    writer, scope = Writer(demo), Scope("2017", UNIT, "self")
    first = writer.add_evidence(scope, "1.5.2", "mot.pdf", pdf(2), "Đơn vị")
    writer.add_evidence(scope, "1.5.2", "hai.pdf", pdf(2), "Đơn vị")
    writer.remove_evidence(scope, first, "Đơn vị")  # withdrawn, still on disk: still counted
    before = kept(demo, tmp_path / "evidence")
    with pytest.raises(EvidenceError) as refused:
        writer.add_evidence(scope, "1.1.1", "ba.pdf", pdf(2), "Đơn vị")
    assert str(refused.value) == (
        "Tệp 'ba.pdf' không được lưu: tài liệu kiểm chứng của Sở Tư pháp trong kỳ 2017 đã dùng 4 MB của hạn mức 5 MB "
        "(kể cả tệp đã gỡ, được giữ để đối chiếu); thêm 2 MB sẽ vượt hạn mức. Liên hệ Sở Nội vụ nếu cần thêm."
    )
    assert kept(demo, tmp_path / "evidence") == before
    writer.add_evidence(scope, "1.1.1", "vua-du.pdf", pdf(1), "Đơn vị")  # up to the quota exactly
    other = Writer(demo).add_evidence(Scope("2017", "so-y-te", "self"), "1.1.1", "khac.pdf", pdf(2), "Đơn vị")
    assert other > 0  # the quota is each unit's own


def test_uploads_at_the_same_moment_cannot_pass_the_quota_together(store, small_doc, tmp_path, monkeypatch):
    monkeypatch.setenv("CCHC_EVIDENCE_QUOTA_MB", "4")
    units = pd.DataFrame({"id": ["u1"], "name": ["Đơn vị 1"], "kind": [""], "group": [""], "ranked": [True]})
    Writer(store).set_up_period("P", "Kỳ thử", load_dict(small_doc), units)
    scope, results, start = Scope("P", "u1", "self"), [], threading.Barrier(8)

    def upload(k):
        start.wait()
        try:
            results.append(Writer(store).add_evidence(scope, "L1", f"tep-{k}.pdf", pdf(1), "Đơn vị"))
        except EvidenceError as exc:
            results.append(str(exc))

    threads = [threading.Thread(target=upload, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(isinstance(r, int) for r in results) == 4
    assert sum("vượt hạn mức" in str(r) for r in results) == 4
    names, files = kept(store, tmp_path / "evidence", unit="u1", period="P")
    assert (len(names), len(files)) == (4, 4)
