"""The page at `/`: what the tool is, and a link to each app the visitor may use.

Without it the root address was Voilà's list of notebook files. It is a plain server page (no
kernel is started for it), added by each identity provider of `app.auth` and `app.hub`, so it
knows who is signed in and offers only what their role opens: a unit's account its own
self-assessment, an appraiser the appraisal, the administrator everything.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler

from cchc_widgets.app.voila import ADMIN_NOTEBOOK, NO_ACCOUNT, SCORING_NOTEBOOK, WHATIF_NOTEBOOK
from cchc_widgets.core.vocabulary import APPRAISAL, SELF
from cchc_widgets.services import access
from cchc_widgets.services.permissions import allowed

SCORING, WHATIF, ADMIN = (f"voila/render/{name}" for name in (SCORING_NOTEBOOK, WHATIF_NOTEBOOK, ADMIN_NOTEBOOK))


@dataclass(frozen=True)
class Link:
    path: str
    title: str
    text: str


def links_for(actor: Any, signed_in: bool) -> list[Link]:
    """The apps a visitor may open: every app on a laptop (`signed_in` False, no accounts); by
    role when people sign in; none before signing in."""
    score = Link(SCORING, "Chấm điểm", "Tự đánh giá của đơn vị và thẩm định của Sở Nội vụ, có tài liệu kiểm chứng.")
    whatif = Link(WHATIF, "Thử trọng số", "Đổi trọng số các lĩnh vực và xem thứ hạng, xếp loại thay đổi ra sao.")
    admin = Link(ADMIN, "Quản trị kỳ đánh giá", "Tài khoản, giai đoạn và hạn chót, chốt kết quả, nhật ký thay đổi.")
    if not signed_in:
        return [score, whatif, admin]
    if actor is None:
        return []
    if allowed(actor, "administer"):
        return [score, whatif, admin]
    if allowed(actor, f"write-{APPRAISAL}"):
        return [Link(f"{SCORING}?stage=appraisal", "Thẩm định", "Chấm thẩm định các đơn vị được giao, ghi lý do."), whatif]
    if allowed(actor, f"write-{SELF}"):
        own = min(actor.units) if actor.units else ""
        query = urlencode({"unit": own, "stage": "self"}) if own else "stage=self"
        return [Link(f"{SCORING}?{query}", "Tự đánh giá của đơn vị", score.text)]
    if allowed(actor, "whatif"):
        return [Link(SCORING, "Xem kết quả chấm", "Điểm tự đánh giá, thẩm định và lý do của từng đơn vị."), whatif]
    return [score, whatif, admin]


def landing_page(base_url: str, actor: Any, mode: str) -> str:
    """One self-contained HTML page (no script, no outside resource)."""
    signed_in = mode != "none"
    items = "".join(
        f'<li><a href="{html.escape(base_url + link.path, quote=True)}">{html.escape(link.title)}</a>'
        f"<span>{html.escape(link.text)}</span></li>"
        for link in links_for(actor, signed_in)
    )
    if actor is not None:
        role = access.ROLES.get(actor.role, actor.role)
        who = f"<p>Đang đăng nhập: <strong>{html.escape(actor.name)}</strong> ({html.escape(role)})"
        who += f' · <a href="{html.escape(base_url)}logout">Đăng xuất</a></p>' if mode == "accounts" else "</p>"
    elif mode == "accounts":
        who = f'<p><a class="button" href="{html.escape(base_url)}login">Đăng nhập</a></p>'
    elif mode == "none":
        who = "<p>Dùng trên một máy: không cần đăng nhập, ghi tên người chấm ở đầu trang chấm điểm.</p>"
    else:  # signed in at the hub (it redirects those who are not), but no account in the store
        who = f"<p>{html.escape(NO_ACCOUNT)}</p>"
    apps = f'<ul class="apps">{items}</ul>' if items else ""
    body = f"""<h1>Chỉ số cải cách hành chính</h1>
<p>Công cụ chấm điểm Chỉ số cải cách hành chính (Chỉ số CCHC) của các sở, ban, ngành: đơn vị tự đánh giá
kèm tài liệu kiểm chứng, Sở Nội vụ thẩm định và ghi lý do, điểm khảo sát cộng vào, rồi công bố tổng điểm,
chỉ số, thứ hạng và xếp loại.</p>
{who}
{apps}"""
    return page("Chỉ số CCHC", body)


def page(title: str, body: str, narrow: bool = False) -> str:
    """A self-contained server page in the apps' look (no script, no outside resource): the
    landing page, and narrow for the sign-in and sign-out pages (`app.auth`). Every link, field
    and button is at least 44 px tall, a finger's size on a phone (`tests/e2e/test_targets.py`)."""
    width = "24rem" if narrow else "44rem"
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f4f6f8;color:#1a1a1a;margin:0;display:flex;justify-content:center}}
main{{background:#fff;margin:6vh 1rem;padding:2rem;max-width:{width};width:100%;border-radius:8px;
box-shadow:0 1px 4px #0002;line-height:1.5}}
h1{{font-size:1.4rem;margin-top:0}} a{{color:#0b4a8b}}
a{{display:inline-flex;align-items:center;min-height:44px}}
.apps{{list-style:none;padding:0}} .apps li{{margin:1rem 0;padding:1rem;border:1px solid #c9d3de;border-radius:6px}}
.apps a{{font-size:1.15rem;font-weight:600;display:flex}} .apps span{{color:#37474f}}
.button{{padding:0 1.4rem;background:#0b5394;color:#fff;border-radius:4px;text-decoration:none}}
label{{display:block;margin-top:1rem;font-weight:600}}
input{{width:100%;min-height:44px;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #555;border-radius:4px}}
button{{margin-top:1.5rem;width:100%;min-height:44px;padding:.7rem;font-size:1rem;background:#0b5394;color:#fff;border:0;border-radius:4px}}
:focus-visible{{outline:3px solid #c25100;outline-offset:2px}} .error{{color:#a00000;font-weight:600}}
</style></head><body><main>{body}</main></body></html>"""


class LandingHandler(JupyterHandler):
    """GET `/`: the landing page for whoever is at the browser (signed in or not)."""

    @allow_unauthenticated
    def get(self) -> None:
        provider = self.identity_provider
        mode = getattr(provider, "mode", "none")
        user = self.current_user
        if mode == "hub" and user is None:  # the hub signs people in: its OAuth brings them back here
            self.redirect(self.get_login_url())
            return
        actor = None
        if mode != "none" and user is not None and getattr(user, "username", ""):
            actor = access.actor_of(provider.store, user.username)  # the providers with sign-in hold the store
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(landing_page(self.base_url, actor, mode))
