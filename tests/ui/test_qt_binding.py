"""The Qt binding must not corrupt reference counts: PySide6 6.12.0 on Python 3.11 drops a
reference to None on each void call and to True on each emit, and the app dies once a
count reaches zero. This fails on such a binding before a clinician's session does."""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox


class _Emitter(QObject):
    happened = Signal()


def test_void_calls_and_emits_keep_refcounts(qtbot):
    box = QCheckBox()
    qtbot.addWidget(box)
    emitter = _Emitter()
    before = (sys.getrefcount(None), sys.getrefcount(True))
    for i in range(500):
        box.setChecked(i % 2 == 0)
        emitter.happened.emit()
    after = (sys.getrefcount(None), sys.getrefcount(True))
    assert after[0] >= before[0] - 5, "calls drop references to None"
    assert after[1] >= before[1] - 5, "emits drop references to True"
