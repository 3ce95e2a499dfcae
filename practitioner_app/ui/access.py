"""Who may see and change records in the windows: sign-in at start (or creating the
administrator's account on the first start), the idle lock, and the administrator's
menu items. Kept beside MainWindow so the window itself stays about patients."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dialogs.sign_in_dialog import FirstRunDialog, SignInDialog
from .window_context import WindowContext

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QMenu, QWidget

    from .dialogs.audit_anchor_dialog import AuditAnchorDialog
    from .dialogs.audit_viewer import AuditViewerDialog
    from .dialogs.practitioners_dialog import PractitionersDialog
    from .idle_lock import IdleLock


class AccessControl:
    """Until someone signs in, the window shows no patient data and no action works.

    Made with the window's frame, so the prompt shows at once; the menu items come with
    the rest of the window (`add_actions`, then `built`). It shows and hides the window's
    parts itself (that is its job); everything else goes through the window's context.
    While nobody is signed in the change bus holds its notices (nothing is shown to
    bring up to date); signing in reads everything through it."""

    def __init__(self, window, context: WindowContext) -> None:
        self.window = window
        self.context = context
        self.is_open = False
        self.idle_lock: IdleLock | None = None
        self.sign_in_dialog = None
        self.lock_dialog: SignInDialog | None = None
        #: Actions only an administrator may use; others may add theirs.
        self.admin_actions: list[QAction] = []

    def add_actions(self, file_menu: QMenu, clinic_menu: QMenu) -> None:
        """File ▸ Lock now, Clinic ▸ Practitioners…, Audit trail… and Audit anchor…"""
        from .actions import action
        from .lock_key import LockKey

        self.lock_action = action(self.window, "&Lock now", self.lock_now, "Ctrl+L")
        LockKey(self.lock_action)  # Ctrl+L also locks from a dialog, the session editor's
        file_menu.insertAction(file_menu.actions()[0] if file_menu.actions() else None,
                               self.lock_action)
        self.practitioners_action = action(self.window, "&Practitioners…",
                                           self.open_practitioners)
        self.audit_action = action(self.window, "&Audit trail…", self.open_audit)
        self.audit_anchor_action = action(self.window, "Audit a&nchor…",
                                          self.open_audit_anchor)
        clinic_menu.addSeparator()
        clinic_menu.addAction(self.practitioners_action)
        clinic_menu.addAction(self.audit_action)
        clinic_menu.addAction(self.audit_anchor_action)
        self.admin_actions += [self.practitioners_action, self.audit_action,
                               self.audit_anchor_action]

    def built(self) -> None:
        """The rest of the window is made: show and enable it as the sign-in allows, and
        watch for idleness (armed at sign-in)."""
        from .idle_lock import IdleLock

        self.idle_lock = IdleLock(self._show_lock, self.window)
        self._set_open(self.is_open)

    @property
    def services(self):
        return self.context.services

    # -- start-up ----------------------------------------------------------------------------
    def begin(self, has_accounts: bool | None = None) -> QWidget:
        """Hide the records and ask who is there; returns the dialog that asks.

        Before the database is open `has_accounts` (the first look) chooses the dialog,
        which takes the answer and carries it out once `services_ready` is called."""
        self._set_open(False)
        if self.idle_lock is not None:  # asked again (after a restore): nothing to lock
            self.idle_lock.disarm()
        if self.services is not None:
            has_accounts = self.services.accounts.has_accounts()
        accounts = self.services.accounts if self.services is not None else None
        dialog = (SignInDialog(accounts, parent=self.window) if has_accounts
                  else FirstRunDialog(accounts, parent=self.window))
        dialog.signed_in.connect(self._signed_in)
        self.sign_in_dialog = dialog
        dialog.open()
        return dialog

    def services_ready(self) -> None:
        """The database is open: the dialog asking who is there may now check the answer."""
        dialog = self.sign_in_dialog
        if dialog is None or not dialog.isVisible():
            self.begin()
        elif self.services.accounts.has_accounts() != isinstance(dialog, SignInDialog):
            dialog.done(0)  # the first look could not read the accounts: ask again
            self.begin()
        else:
            dialog.set_accounts(self.services.accounts)

    def when_signed_in(self, then) -> None:
        """Call `then` once someone is signed in: now if the records are open (or nobody
        is being asked), else once, when the dialog asking who is there succeeds."""
        dialog = self.sign_in_dialog
        if self.is_open or dialog is None:
            then()
        else:
            from PySide6.QtCore import Qt  # here: see ui/startup.py on loading QtCore

            dialog.signed_in.connect(then, Qt.ConnectionType.SingleShotConnection)

    def stand_down(self) -> None:
        """The database cannot be used: nobody is asked to sign in to it."""
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.done(0)

    def _set_open(self, is_open: bool) -> None:
        """Show or hide everything that shows patient data, and enable the actions the
        signed-in account may use."""
        self.is_open = is_open
        bus = self.context.bus
        if bus is not None and not is_open:
            bus.hold()
        self.window.centralWidget().setVisible(is_open)
        if not self.window.is_built:  # no docks or actions yet: `built` comes back here
            return
        from PySide6.QtGui import QAction
        from PySide6.QtWidgets import QDockWidget

        for dock in self.window.findChildren(QDockWidget):
            dock.setVisible(is_open)
        for each in self.window.findChildren(QAction):
            if each is not self.window.quit_action:
                each.setEnabled(is_open)
        user = self.services.accounts.current_user if self.services is not None else None
        is_admin = bool(is_open and user and user.is_admin)
        for each in self.admin_actions:
            each.setEnabled(is_admin)

    def _signed_in(self) -> None:
        user = self.services.accounts.current_user
        self._set_open(True)
        self.context.bus.resume()  # every view reads what it shows, as it is now
        self.context.show_status(
            f"Signed in as {user.full_name} ({user.username}) · "
            f"Database: {self.services.location.shown}")
        self.idle_lock.set_minutes(self.services.security.idle_minutes())
        self.window.prepare_documents()

    # -- the idle lock -----------------------------------------------------------------------
    def lock_now(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.lock_now()

    def _show_lock(self, unlock) -> None:
        from ..domain.audit import Action

        user = self.services.accounts.current_user
        self.services.audit.log(Action.LOCKED)
        dialog = SignInDialog(self.services.accounts, unlock_user=user.username)

        def unlocked() -> None:
            self.services.audit.log(Action.UNLOCKED)
            unlock()

        dialog.signed_in.connect(unlocked)
        self.lock_dialog = dialog
        dialog.open()

    # -- administration ----------------------------------------------------------------------
    def open_practitioners(self) -> PractitionersDialog:
        from .dialogs.practitioners_dialog import PractitionersDialog

        dialog = PractitionersDialog(self.services, self.window)
        # What the dialog says ("now locks after N idle minutes") holds at once: the
        # countdown restarts with the new minutes, not only from the next sign-in.
        dialog.idle_minutes_saved.connect(self.idle_lock.set_minutes)
        return self.context.open_dialog(dialog)

    def open_audit(self) -> AuditViewerDialog:
        from .dialogs.audit_viewer import AuditViewerDialog

        return self.context.open_dialog(AuditViewerDialog(self.services, self.context.widget))

    def open_audit_anchor(self) -> AuditAnchorDialog:
        from .dialogs.audit_anchor_dialog import AuditAnchorDialog

        return self.context.open_dialog(AuditAnchorDialog(self.services, self.context.widget))
