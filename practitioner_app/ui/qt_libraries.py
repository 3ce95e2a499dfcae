"""Before the first window on Linux: are the system libraries there that Qt needs to
open a window on an X11 display?

Qt 6's X11 platform plugin (xcb) loads a dozen xcb libraries that a desktop normally has
but a plain Debian/Ubuntu installation may not (libxcb-cursor0 first of all). Without one,
Qt aborts with "Could not load the Qt platform plugin "xcb"", which names no library.
This looks for each of them first (a few milliseconds: they are loaded once, and Qt then
finds them loaded) and names the package to install. Standard library only: it runs
before Qt makes its application object.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

#: What the xcb plugin of the PySide6 wheels loads (readelf -d libqxcb.so and
#: libQt6XcbQpa.so.6), with the Debian/Ubuntu package that provides it.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb.so.1", "libxcb1"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
)

#: Programs that can show a message without Qt, tried in this order.
_MESSAGE_PROGRAMS = (
    ("zenity", ["--error", "--title=Practitioner", "--text"]),
    ("kdialog", ["--title", "Practitioner", "--error"]),
    ("xmessage", ["-center"]),
)


def uses_xcb(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether Qt will first try its X11 plugin: on Linux, when QT_QPA_PLATFORM asks for
    xcb, or asks for nothing outside a Wayland session (offscreen, wayland: no check)."""
    if not platform.startswith("linux"):
        return False
    wanted = environ.get("QT_QPA_PLATFORM", "").strip()
    if wanted:
        return wanted.split(";")[0].split(":")[0].strip() == "xcb"
    return not (environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"))


def missing_packages(load: Callable[[str], object] = ctypes.CDLL) -> list[str]:
    """The packages of the xcb libraries that cannot be loaded, in XCB_LIBRARIES order."""
    missing = []
    for library, package in XCB_LIBRARIES:
        try:
            load(library)
        except OSError:
            missing.append(package)
    return missing


def message_for(packages: list[str]) -> str:
    """What the user is told, naming each package and the command that installs it."""
    if len(packages) == 1:
        return f"Qt needs the system library {packages[0]} (apt install {packages[0]})"
    return (f"Qt needs the system libraries {', '.join(packages)} "
            f"(apt install {' '.join(packages)})")


def display_problem(environ: Mapping[str, str] = os.environ, platform: str = sys.platform,
                    load: Callable[[str], object] = ctypes.CDLL) -> str | None:
    """The message naming what is missing for a window on this display, or None."""
    if not uses_xcb(environ, platform):
        return None
    packages = missing_packages(load)
    return message_for(packages) if packages else None


def tell(message: str) -> None:
    """On stderr, and in a message window where the desktop has a program for one."""
    import shutil  # only now: the check itself stays a few milliseconds
    import subprocess

    print(f"practitioner-app: {message}", file=sys.stderr)
    for program, arguments in _MESSAGE_PROGRAMS:
        found = shutil.which(program)
        if found:
            try:
                subprocess.run([found, *arguments, message], check=False, timeout=600)
            except (OSError, subprocess.SubprocessError):
                continue
            return
