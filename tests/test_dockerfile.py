"""The Dockerfile is linted by hadolint (from requirements-dev.txt), as `make lint` does."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HADOLINT = Path(sys.executable).parent / "hadolint"


def hadolint(path):
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, check=False
    )


def test_the_dockerfile_passes_hadolint():
    result = hadolint(ROOT / "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_hadolint_finds_what_it_should(tmp_path):
    # So a clean result above means something: an unpinned base image and a bare
    # `pip install` are reported.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install django\n")
    result = hadolint(bad)
    assert result.returncode == 1
    assert "DL3007" in result.stdout  # the latest tag
    assert "DL3013" in result.stdout  # pip install without a version
