"""Typed preferences and window state, stored with QSettings in the app's config folder.

Never patient data: QSettings is a plain-text file under ~/.config on Linux (PITFALLS 9).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from ..paths import config_dir


class AppSettings:
    """Preferences (`practitioner_*`) and window state (`*_geometry`), declared once."""

    def __init__(self) -> None:
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._q = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)

    def _str(self, key: str) -> str:
        return str(self._q.value(key, "") or "")

    @property
    def practitioner_name(self) -> str:
        """The practitioner last recorded on this workstation, offered for the next session."""
        return self._str("preferences/practitioner_name")

    @practitioner_name.setter
    def practitioner_name(self, value: str) -> None:
        self._q.setValue("preferences/practitioner_name", value)

    @property
    def practitioner_role(self) -> str:
        return self._str("preferences/practitioner_role")

    @practitioner_role.setter
    def practitioner_role(self, value: str) -> None:
        self._q.setValue("preferences/practitioner_role", value)

    def geometry(self, window: str) -> QByteArray | None:
        value = self._q.value(f"window/{window}_geometry")
        return value if isinstance(value, QByteArray) else None

    def set_geometry(self, window: str, value: QByteArray) -> None:
        self._q.setValue(f"window/{window}_geometry", value)

    def sync(self) -> None:
        self._q.sync()
