"""What a wide or irreversible action of the administrator will change, said before it is
done: finalising, reopening a period or a unit, removing an account, closing a stage. The
counts are read at the moment the administrator asks (submitted n/N, fully appraised n/N,
differing rows without a reason), so the confirmation never shows the page's older figures;
a finalising with nothing submitted or appraised says so in as many words.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.vocabulary import ROLES, SELF, WINDOW_LABELS, block_label
from cchc_widgets.services import progress
from cchc_widgets.services.access import Workflow
from cchc_widgets.services.writes import local_time
from cchc_widgets.store.database import Store

KINDS = ("finalise", "reopen_period", "reopen_unit", "remove_account", "close_stage")


def what(store: Store, period: str, kind: str, target: str | None = None, block: str = "") -> dict[str, Any]:
    """{kind, target, title, lines, reason (a reason must be typed), button}: what the page's
    confirmation shows for `kind` of `KINDS` (`target`: the unit, the login or the stage;
    `block`: closing a stage for that block's units only, counted among them)."""
    if kind not in KINDS:
        raise ProblemsError([Problem("quản trị", f"thao tác '{kind}' không có")])
    table = progress.progress(store, period)
    if block and kind == "close_stage":
        table = table[table["block"] == block]
    s = progress.summary(table)
    n = s["units"]
    name = dict(zip(store.periods()["id"], store.periods()["name"], strict=True)).get(period, period)
    counts = (
        f"Hiện nay: đã nộp {s['submitted']}/{n} đơn vị · thẩm định xong {s['appraised']}/{n} đơn vị · "
        f"{s['unreasoned']} dòng khác nhau chưa có lý do."
    )
    workflow = Workflow.of(store, period)
    out: dict[str, Any] = {"kind": kind, "target": target, "reason": False}
    if kind == "finalise":
        lines = [counts]
        if s["submitted"] == 0 and s["appraised"] == 0:
            nothing = "Chưa đơn vị nào nộp và chưa đơn vị nào được thẩm định xong: chốt bây giờ là chốt một kết quả chưa có."
            lines.insert(0, nothing)
        elif s["submitted"] < n or s["appraised"] < n:
            lines.insert(0, f"Còn {n - s['submitted']} đơn vị chưa nộp và {n - s['appraised']} đơn vị chưa thẩm định xong.")
        if s["unreasoned"]:
            lines.append("Kỳ có dòng khác nhau chưa có lý do: việc chốt sẽ bị từ chối cho đến khi có lý do.")
        lines.append("Sau khi chốt, mọi thay đổi điểm bị từ chối cho đến khi mở lại kỳ (có ghi lý do).")
        return out | {"title": f"Chốt kết quả {name}?", "lines": lines, "button": "Chốt kết quả"}
    if kind == "reopen_period":
        final = workflow.final
        when = "" if final is None else f" (đã chốt lúc {local_time(final['finalised_at'])})"
        lines = [
            f"Mở lại {name}{when}: kết quả không còn là kết quả đã chốt; mã kiểm tra bị bỏ, điểm sửa được trở lại.",
            counts,
            "Lý do được ghi vào nhật ký.",
        ]
        return out | {"title": f"Mở lại {name} đã chốt?", "lines": lines, "reason": True, "button": "Mở lại kỳ"}
    if kind == "reopen_unit":
        row = table[table["unit"] == target]
        if row.empty:
            raise ProblemsError([Problem(f"kỳ {period}", f"đơn vị '{target}' không tham gia kỳ '{period}'")])
        r = row.iloc[0]
        # said without brackets around it: a submitter's name may hold its own («quản trị (dòng lệnh)»)
        said = (
            "chưa nộp"
            if pd.isna(r["submitted_at"])
            else f"nộp lúc {r['submitted_at']:%H:%M %d/%m/%Y}, người nộp: {r['submitted_by']}"
        )
        lines = [
            f"{r['name']}: {said}. Sau khi mở lại, đơn vị sửa được bản tự đánh giá và phải nộp lại.",
            f"Đơn vị đã tự chấm {r['scored']}/{r['leaves']} mục; đã thẩm định {r['appraised']}/{r['leaves']} mục.",
            "Lý do được ghi vào nhật ký.",
        ]
        return out | {"title": f"Mở lại bản tự đánh giá của {r['name']}?", "lines": lines, "reason": True, "button": "Mở lại"}
    if kind == "remove_account":
        account = store.account(target or "")
        if account is None:
            raise ProblemsError([Problem("tài khoản", f"không có tài khoản '{target}'")])
        names = store.unit_names(period)
        units = ", ".join(names.get(u, u) for u in account["units"]) or "không gắn đơn vị"
        lines = [
            f"{account['name']} ({target}), {ROLES.get(account['role'], account['role'])}: {units}.",
            "Người này không đăng nhập được nữa; các phiên đang mở kết thúc ngay. Những gì họ đã ghi vẫn giữ trong nhật ký.",
        ]
        return out | {"title": f"Gỡ tài khoản {target}?", "lines": lines, "button": "Gỡ tài khoản"}
    label = str(WINDOW_LABELS.get(target or "", target)).lower() + (f" cho khối {block_label(block)}" if block else "")
    until = (workflow.row(target or "", block) or {}).get("until")
    early = "" if until is None else f" (hạn đến hết ngày {pd.Timestamp(until):%d/%m/%Y})"
    lines = [f"Đóng giai đoạn {label}{early}: từ lúc này không ai ghi được vào giai đoạn này."]
    if target == SELF:
        lines.append(f"{n - s['submitted']}/{n} đơn vị chưa nộp sẽ không sửa được bản tự đánh giá nữa.")
    lines.append(counts)
    return out | {"title": f"Đóng giai đoạn {label}?", "lines": lines, "button": "Đóng giai đoạn"}
