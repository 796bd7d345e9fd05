"""A running `cchc serve` answers 404 for Voilà's unknown and bare routes (issue 24: Voilà 0.5
answered 500 for /voila/templates/, /voila/render/%00 and the laptop mode's /logout), and
still serves the pages and Voilà's own static files. Plain HTTP: no browser."""

import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import demo_copy, serving

pytestmark = pytest.mark.external

NOT_FOUND = [
    "/voila/templates/",
    "/voila/templates/x",
    "/voila/templates/lab",
    "/voila/templates/lab/static/",
    "/voila/templates/lab/nostatic/x",
    "/voila/templates/x/y",
    "/voila/templates/lab/static/%2e%2e/conf.json",  # climbing out: Voilà normalised it and answered 500
    "/voila/templates/lab/static/%2e%2e/%2e%2e/x/y/z",
    "/voila/static/",
    "/voila/render/",
    "/voila/render/nope.ipynb",
    "/voila/render/x/",
    "/voila/render/%00",
    "/voila/render/..%2f..%2fetc%2fpasswd",
    "/voila/files/",
    "/voila/files/scoring.ipynb",
    "/voila/",
    "/nope",
    "/logout",
    "/login",
]
SERVED = ["/", "/voila/render/scoring.ipynb", "/voila/templates/lab/static/voila.js", "/voila/static/voila.js"]


def status(url: str, host: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_unknown_and_bare_routes_answer_404_and_the_apps_are_served(demo_template, tmp_path):
    with serving(demo_copy(demo_template, tmp_path), tmp_path) as server:
        base = f"http://127.0.0.1:{server.port}"
        answers = {path: status(base + path) for path in NOT_FOUND + SERVED}
        log = server.log.read_text(errors="replace")
    assert {path: code for path, code in answers.items() if path in NOT_FOUND and code != 404} == {}
    assert [answers[path] for path in SERVED] == [200] * len(SERVED)
    assert "Traceback" not in log
    assert " 500 " not in log
    # what the administrator's terminal shows: no library's English warnings about itself
    noise = ["DeprecationWarning", "is not trusted", "without encryption", "frozen modules"]
    assert [line for line in log.splitlines() if any(word in line for word in noise)] == []


def test_without_sign_in_only_this_machine_may_name_the_host(demo_template, tmp_path):
    """A laptop's server answers pages asked for by this machine's name only: a web page whose
    name was pointed at 127.0.0.1 (DNS rebinding) gets nothing, not even a kernel."""
    with serving(demo_copy(demo_template, tmp_path), tmp_path) as server:
        page = f"http://127.0.0.1:{server.port}/voila/render/scoring.ipynb"
        assert status(page, host=f"evil.example:{server.port}") == 403
        assert status(page, host=f"localhost:{server.port}") == 200
        assert status(page) == 200
