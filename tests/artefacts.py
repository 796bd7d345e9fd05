"""Where tests keep what a person should look at after a run — rendered report and sheet
pages, screenshots of the apps at a phone's and a laptop's size: folders of
`exports/test-artefacts/`, kept between runs (each test replaces its own files), not the
test's temporary folder."""

from pathlib import Path

ARTEFACTS = Path(__file__).resolve().parent.parent / "exports" / "test-artefacts"


def artefacts(folder: str) -> Path:
    """The folder of `exports/test-artefacts/` a test keeps its files in (made when missing)."""
    path = ARTEFACTS / folder
    path.mkdir(parents=True, exist_ok=True)
    return path
