"""What one edit from the scoring form costs the database, counted on the real engine (SQLite
and PostgreSQL) with SQLAlchemy's event listeners: the save's checks, its compare-and-set and
its change-log row in one transaction, the page's re-read in a second. A change that adds a
round trip to every edit of every person fails here."""

import pandas as pd
import pytest
import sqlalchemy as sa

from cchc_widgets.app.scoring_session import FieldError, ScoringSession
from cchc_widgets.core.criteria import load_dict
from cchc_widgets.services.access import actor_of, add_account, open_sign_in, token_hash
from cchc_widgets.services.permissions import console

# one edit, as measured when the save became one transaction (before: 17 statements in 8 transactions)
TRANSACTIONS = 2
# statements (BEGIN/COMMIT not counted): the account and its sign-in, the units, the workflow,
# the row, the compare-and-set and the log row, then the page's stamp and its scores; a first
# score is inserted inside a savepoint (a row created meanwhile is named as a conflict)
STATEMENTS = {"1,5": 13, "2": 11, "0,5": 11}


class Counter:
    """Statements and transactions begun on an engine while it listens."""

    def __init__(self, engine: sa.Engine) -> None:
        self.statements: list[str] = []
        self.transactions = 0
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "begin", self._begin)

    def _statement(self, _conn, _cursor, statement, *_args) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            self.statements.append(statement.split()[0].upper())

    def _begin(self, _conn) -> None:
        self.transactions += 1

    def reset(self) -> None:
        self.statements, self.transactions = [], 0


@pytest.fixture(params=["one set", "two blocks"])
def page(request, store, small_doc):
    """A unit officer's scoring page, signed in, on each backend; in a period of one set, and in
    one whose units are in two blocks on two sets (the page's unit on the second: its set found
    by its block)."""
    cs = load_dict(small_doc)
    blocks = {}
    if request.param == "two blocks":
        blocks = {"so": load_dict({**small_doc, "id": "so-thu", "name": "Bộ sở thử"}), "huyen": cs}
    store.add_period("2020", "Năm 2020", cs, blocks)
    block = ["huyen", "so"] if blocks else ["", ""]
    store.add_units(pd.DataFrame({"id": ["u1", "u2"], "name": ["Huyện Một", "Sở Hai"], "block": block}), period="2020")
    add_account(store, "mot", "Người Một", "unit", ["u1"], "mat-khau-dai", console("test"))
    token = open_sign_in(store, "mot")
    return ScoringSession(store, "2020", "u1", "self", actor_of(store, "mot", token_hash(token)))


def test_an_edit_is_one_transaction_for_the_save_and_one_for_the_page(page):
    counted = Counter(page.store.engine)
    for value in ("1,5", "2", "0,5"):  # an insert first, then updates, each at the version the page shows
        counted.reset()
        page.edit("L3", value, "", "")
        assert counted.transactions <= TRANSACTIONS, counted.statements
        assert len(counted.statements) <= STATEMENTS[value], counted.statements
        assert counted.statements.count("UPDATE") + counted.statements.count("INSERT") == 2  # the row and its log
    stored = page.store.scores("2020", "u1", "self")
    assert stored.set_index("code").loc["L3", "points"] == 0.5
    log = page.store.change_log("2020", "u1")
    assert list(log["new_points"]) == [1.5, 2.0, 0.5]
    assert list(log["author"]) == ["mot"] * 3


def test_a_refused_edit_writes_only_its_refusal_in_the_same_transaction(page):
    page.edit("L3", "1,5", "", "")
    page.store.set_submitted("2020", "u1", "mot")  # submitted meanwhile (stages set: the workflow applies)
    page.store.set_stage("2020", "self", "open", None, "test")
    counted = Counter(page.store.engine)
    with pytest.raises(FieldError, match="đã nộp bản tự đánh giá"):
        page.edit("L3", "2", "", "")
    assert counted.transactions <= TRANSACTIONS
    assert "UPDATE" not in counted.statements
    assert page.store.scores("2020", "u1", "self").set_index("code").loc["L3", "points"] == 1.5
    refused = page.store.events("2020")
    assert refused["action"].iloc[-1] == "refused"  # the refusal's log row was committed with the failed save


@pytest.fixture
def frames_built(monkeypatch):
    """Every pandas DataFrame built from now on, counted (the list grows by one each)."""
    built = []
    real = pd.DataFrame.__init__

    def counted(self, *args, **kwargs):
        built.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "__init__", counted)
    return built


def test_the_page_rereads_and_sums_a_change_without_building_a_frame(page, request):
    """After a save, its own or a colleague's, the page re-reads the unit's rows and redraws its
    header from plain records (`engine.sums`): building pandas frames for one unit was half of a
    save's kernel CPU."""
    page.edit("L3", "1,5", "", "")
    ScoringSession(page.store, "2020", "u1", "self", page.actor).edit("L3", "2", "", "")  # another page saves
    built = request.getfixturevalue("frames_built")
    assert page.changed()
    page.reload()
    header = page.header()
    assert not built, f"{len(built)} frames built to re-read and sum one unit"
    assert (header["total"], header["done"]) == (2.0, 1)
    assert page.row("L3")["mine"]["points"] == 2.0


def test_an_edit_checks_its_rules_and_saves_without_building_a_frame(page, request):
    """The whole edit — the rules' reading of the one row (`resolution.resolve_records`), the
    checks, the write and the page's re-read — on plain values: a one-row frame for the rules
    cost a save about 5 ms of pandas before any rule ran."""
    page.edit("L3", "1,5", "", "")  # the page's first reads done
    built = request.getfixturevalue("frames_built")
    page.edit("L3", "2", "", "")
    assert not built, f"{len(built)} frames built for one edit"
    assert page.row("L3")["mine"]["points"] == 2.0
    with pytest.raises(FieldError, match="điểm phải là một số; đã nhập 'chín'"):  # the rules refuse it, alike
        page.edit("L3", "chín", "", "")
    assert not built, f"{len(built)} frames built for one refused edit"


def test_opening_the_form_reads_the_periods_once(page):
    """The form's `select` reads the periods to choose one and hands them to the session it
    opens, which read them again (issue 25: a statement and a frame per opening)."""
    from cchc_widgets.app.widgets.scoring_form import ScoringForm

    read = []

    def statement(_conn, _cursor, text, *_args) -> None:
        read.append(" ".join(text.split()))

    sa.event.listen(page.store.engine, "before_cursor_execute", statement)
    try:
        form = ScoringForm(page.store, "2020", "u1", "self", page.actor)
    finally:
        sa.event.remove(page.store.engine, "before_cursor_execute", statement)
    assert form.session.period_name == "Năm 2020"
    assert sum("FROM periods JOIN criteria_sets" in text for text in read) == 1
