"""Enter sends only SQL the opening thread compiled (reading the same, with the window's
own arguments) while the clinician typed: the password check's reads and the first
screen's, the patient list's first page and the due list included."""

from __future__ import annotations

from practitioner_app.services.container import open_services
from tests.factories import a_patient
from tests.sql_capture import compiled_anew
from tests.ui.conftest import PASSWORD, USERNAME, ensure_admin


def test_the_first_screen_reads_only_what_the_warm_up_compiled(start_app, db_path):
    ensure_admin(db_path)
    services = open_services(db_path)
    try:
        services.patients.register(a_patient())
    finally:
        services.close()
    window = start_app(signed_in=False)
    with compiled_anew(window.services) as compiled:
        dialog = window.access.sign_in_dialog
        dialog.username.setText(USERNAME)
        dialog.password.setText(PASSWORD)
        assert dialog.attempt(), dialog.message.text()
        assert window.patients.rowCount() == 1
        assert window.course_actions.due_list.count.text()
    # The audit chain's newest entry, read as the sign-in is recorded, is the one left
    # (the repository offers that read only inside an append).
    assert [s for s in compiled if "FROM audit_log ORDER BY audit_log.id DESC" not in s] == []
