"""Markup and script typed into the page or put in its URL stay text: shown literally, never
run, and stored as typed (issue 12's hostile input, in a real browser)."""

import pytest

from tests.e2e.test_scoring_app import open_form, row, store_of, wait_points

pytestmark = pytest.mark.e2e

ATTACKS = [
    '<img src=x onerror="window.__pwned = 1">',
    "<script>window.__pwned = 2</script>",
    '"><svg onload="window.__pwned = 3">',
]


def test_markup_in_the_url_and_in_every_text_field_is_shown_as_text(page, server):
    page.goto(f"{server.url}?unit={ATTACKS[0]}&period=2017&stage={ATTACKS[1]}")
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    alert = page.inner_text(".cchc-alert")
    assert ATTACKS[0] in alert
    assert ATTACKS[1] in alert
    open_form(page, server, author=ATTACKS[2])  # the name of whoever scores
    note = f".cchc-row-{'1.5.2'.replace('.', '-')} .cchc-note"
    page.fill(f"{row('1.5.2')} .cchc-input", "2")
    page.fill(note, " ".join(ATTACKS))
    page.press(note, "Tab")
    wait_points(page, "1.5.2", "2,00")
    page.reload()  # drawn again from what the store holds
    page.wait_for_selector(".cchc-row-8-5-1 .cchc-input")
    assert page.input_value(note) == " ".join(ATTACKS)
    assert page.evaluate("() => window.__pwned") is None
    assert page.query_selector("img[src=x], svg[onload], .cchc-form script") is None
    store = store_of(server)
    kept = store.scores("2017", "so-tu-phap", "self").set_index("code").loc["1.5.2"]
    store.close()
    assert kept["note"] == " ".join(ATTACKS)
    assert kept["author"] == ATTACKS[2]
