"""Starting the app on a clinic server: the window shows at once (the first question to
the server is asked on a thread; only psycopg's import comes first, before Qt's), and a
server that cannot be used is said in words."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from practitioner_app.app import main
from tests.conftest import TEST_SERVER

from .conftest import ensure_admin

pytestmark = pytest.mark.skipif(not TEST_SERVER, reason="no test PostgreSQL server given")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server_db(_server_template):
    url = _server_template.create()
    yield url
    _server_template.drop(url)


def test_the_gui_thread_shows_the_window_on_a_server_without_sqlalchemy(
        server_db):
    ensure_admin(server_db)
    script = textwrap.dedent(f"""
        import importlib.abc, sys, threading
        importers = []

        class Watch(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name in ("sqlalchemy", "psycopg") and name not in sys.modules:
                    importers.append((name, threading.current_thread().name))
                return None

        sys.meta_path.insert(0, Watch())
        from practitioner_app.app import main
        from tests.benchmarks.child import run_loop_until
        window = main(["--db", {server_db!r}], exec_=False)
        shown = window.isVisible() and window.access.sign_in_dialog.isVisible()
        assert run_loop_until(lambda: window.services is not None, 30)
        print(shown, sorted(importers))
        window.close()
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    shown, _, importers = out.stdout.strip().partition(" ")
    assert shown == "True"
    assert "('sqlalchemy'" in importers, importers
    assert "('sqlalchemy', 'MainThread')" not in importers, importers


def test_a_server_database_that_does_not_exist_is_told_in_words(qtbot):
    missing = TEST_SERVER.replace("/postgres?", "/no_such_clinic?")
    shown = main(["--db", missing], exec_=False)
    qtbot.addWidget(shown)
    assert isinstance(shown, QMessageBox) and shown.isVisible()
    assert "does not exist on the server" in shown.text()
    assert "no_such_clinic" in shown.text() and "Traceback" not in shown.text()
