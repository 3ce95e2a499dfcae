"""Linux without a desktop: the app names the system library Qt needs for a window,
instead of Qt's "could not load the Qt platform plugin" that names none."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from practitioner_app.ui import qt_libraries
from practitioner_app.ui.qt_libraries import display_problem, message_for, uses_xcb


def _loader(missing: set[str]):
    def load(name: str) -> object:
        if name in missing:
            raise OSError(f"{name}: cannot open shared object file")
        return object()
    return load


@pytest.mark.parametrize("environ, expected", [
    ({}, True),                                               # Qt's default on X11
    ({"QT_QPA_PLATFORM": "xcb"}, True),
    ({"QT_QPA_PLATFORM": "xcb:nograb;wayland"}, True),
    ({"QT_QPA_PLATFORM": "offscreen"}, False),                 # the tests, a server
    ({"QT_QPA_PLATFORM": "wayland;xcb"}, False),
    ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, True),
])
def test_only_a_start_on_x11_is_checked(environ, expected):
    assert uses_xcb(environ, "linux") is expected
    assert uses_xcb(environ, "win32") is False
    assert uses_xcb(environ, "darwin") is False


def test_the_missing_library_is_named_with_its_package():
    problem = display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux",
                              _loader({"libxcb-cursor.so.0"}))
    assert problem == "Qt needs the system library libxcb-cursor0 (apt install libxcb-cursor0)"
    problem = display_problem({}, "linux", _loader({"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}))
    assert problem == ("Qt needs the system libraries libxcb-icccm4, libxcb-keysyms1 "
                       "(apt install libxcb-icccm4 libxcb-keysyms1)")
    assert display_problem({}, "linux", _loader(set())) is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux",
                           _loader({"libxcb-cursor.so.0"})) is None


def test_every_library_the_xcb_plugin_loads_is_looked_for():
    """The list is the plugin's own (readelf), less what Qt's core libraries already load."""
    names = [library for library, _package in qt_libraries.XCB_LIBRARIES]
    assert "libxcb-cursor.so.0" in names and len(names) == len(set(names)) == 16
    assert all(package == package.lower() for _library, package in qt_libraries.XCB_LIBRARIES)
    assert message_for(["libxcb-cursor0"]).endswith("(apt install libxcb-cursor0)")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 is Linux's")
def test_the_app_says_which_library_is_missing_and_exits(tmp_path):
    """The real start on X11 with one library missing (a name no system has): the message
    on stderr, a non-zero exit, and no Qt abort."""
    script = textwrap.dedent(f"""
        import sys
        from practitioner_app.ui import qt_libraries
        qt_libraries.XCB_LIBRARIES = (("libxcb-not-installed.so.0", "libxcb-not-installed0"),)
        from practitioner_app.app import main
        sys.exit(main(["--db", {str(tmp_path / "clinic.sqlite3")!r}]))
    """)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "WAYLAND"))}
    environ.update(QT_QPA_PLATFORM="xcb", DISPLAY=":7777", PATH=str(tmp_path),
                   XDG_SESSION_TYPE="x11")  # no message program: stderr only
    done = subprocess.run([sys.executable, "-c", script], env=environ, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert "Qt needs the system library libxcb-not-installed0 (apt install " \
           "libxcb-not-installed0)" in done.stderr
    assert "platform plugin" not in done.stderr
