"""The landing page's links by role (the page itself is served in tests/e2e)."""

from cchc_widgets.app.landing import ADMIN, SCORING, WHATIF, landing_page, links_for
from cchc_widgets.services.access import Actor


def paths(actor, signed_in=True):
    return [link.path for link in links_for(actor, signed_in)]


def test_each_role_sees_what_it_may_open():
    assert paths(None, signed_in=False) == [SCORING, WHATIF, ADMIN]  # a laptop: no accounts
    assert paths(None) == []  # not signed in yet
    assert paths(Actor("tp", "Trần Thị Pháp", "unit", frozenset({"so-tu-phap"}))) == [f"{SCORING}?unit=so-tu-phap&stage=self"]
    assert paths(Actor("td", "Lê Văn Định", "appraiser", frozenset({"so-tu-phap"}))) == [f"{SCORING}?stage=appraisal", WHATIF]
    assert paths(Actor("xem", "Người xem", "reader")) == [SCORING, WHATIF]
    assert paths(Actor("qt", "Quản trị", "admin")) == [SCORING, WHATIF, ADMIN]


def test_names_are_escaped_and_the_page_speaks_vietnamese():
    text = landing_page("/", Actor("x", "<script>alert(1)</script>", "reader"), "accounts")
    assert '<html lang="vi">' in text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text
    assert 'href="/logout"' in text
    assert 'href="/login"' in landing_page("/", None, "accounts")
