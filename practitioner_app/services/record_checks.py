"""Checks of the record's own proofs, for `practitioner-app check` and File ▸ Check
database: the audit trail's hash chain, the digest of every signed session, the tie of
every signature, addendum and consent to the audit entry that recorded it, and the
protective triggers.

Each takes the read-only connection the check runner opened (sqlite3, or a server
database's `ServerCheckConnection`, which reads the same with `?` placeholders) and returns
its problems in plain words ([] when all is well), naming the patient and session
concerned. SQLite hands times back as ISO text, PostgreSQL as values: `_when` and `_day`
read both.

Ties: a signature, addendum or consent names the audit entry that recorded it, whose
details hold its digest or content hash (the chain protects them). Rows written before
these links existed name no entry; each such row is matched with an entry of its kind
written before links existed, one entry per row: a signature with its session's
"session signed" entry holding the same digest (or, imported then, the patient's
"import" entry, one per session it imported); an addendum with its session's
"addendum added" entry holding the same reason (or the patient's "import" entry); a
consent with the patient's "consent recorded" entry of the same kind and text version.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..domain.audit import Action, AuditEntry, first_break
from ..domain.signing import Addendum, Consent, addendum_hash, consent_hash, signature_holds
from ..persistence import triggers
from ..persistence.sqlite_checks import CheckConnection


def _is_server(con) -> bool:
    return getattr(con, "dialect", "sqlite") == "postgresql"


def _when(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def audit_chain_problems(con: CheckConnection) -> list[str]:
    if not _has_table(con, "audit_log"):
        return []
    # The id counter first: an entry the app appends between the two reads then only
    # adds to the entries read, instead of looking like one removed from the end.
    row = None if _is_server(con) else con.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    entries = [
        AuditEntry(r[0], _when(r[1]), r[2], r[3], r[4], r[5], r[6], r[7],
                   r[8])
        for r in con.execute("SELECT id, at, username, action, patient_id, session_id, "
                             "details, prev_hash, hash FROM audit_log ORDER BY id")]
    problem = first_break(entries, int(row[0]) if row else 0)
    return [f"the audit trail does not hold: {problem}"] if problem else []


def signed_session_problems(con: CheckConnection) -> list[str]:
    """Recompute each signed session's digest, under its own rule, through the app's own
    reading of the file."""
    if not _has_table(con, "treatment_sessions") or not con.execute(
            "SELECT 1 FROM treatment_sessions WHERE signed_at IS NOT NULL LIMIT 1").fetchone():
        return []
    from sqlalchemy import select
    from sqlalchemy.orm import Session, defer, selectinload
    from sqlalchemy.orm.attributes import set_committed_value

    from ..persistence.engine import make_engine
    from ..persistence.mapping import session_from_record
    from ..persistence.models import AddendumRecord, PatientRecord, SessionRecord

    # A file not yet upgraded to schema 0004 (checked before the app opened it) has no
    # digest rule or audit links: its signatures are all rule 1. One not yet at 0005 has
    # no next appointment time: None, which the digest leaves out. One not yet at 0006
    # has no row versions, which no digest covers.
    missing = [c for c in _SIGNATURE_COLUMNS if not _has_column(con, "treatment_sessions", c)]
    options = [defer(getattr(SessionRecord, c)) for c in missing]
    if not _has_column(con, "addenda", "audit_id"):
        options.append(selectinload(SessionRecord.addenda).defer(AddendumRecord.audit_id))
    if _is_server(con):
        from ..persistence.server import make_server_engine

        engine = make_server_engine(con.url)
    else:
        engine = make_engine(Path(con.execute("PRAGMA database_list").fetchone()[2]))
    problems = []
    try:
        with Session(engine) as db:
            rows = db.execute(select(SessionRecord, PatientRecord.number)
                              .join(PatientRecord, PatientRecord.id == SessionRecord.patient_id)
                              .where(SessionRecord.signed_at.is_not(None)).options(*options))
            for record, number in rows:
                for column in missing:
                    set_committed_value(record, column, None)
                if not signature_holds(number, session_from_record(record)):
                    problems.append(f"signed session {record.id} (patient {number}, "
                                    f"{record.session_date}) no longer matches its signature")
    finally:
        engine.dispose()
    return problems


_SIGNATURE_COLUMNS = ("digest_rule", "signed_audit_id", "imported_from", "imported_at",
                      "imported_by", "aftercare_next_appointment_time", "version")


# -- ties to the audit trail ------------------------------------------------------------------

_TIED_ACTIONS = (Action.SESSION_SIGNED, Action.SIGNATURE_IMPORTED, Action.ADDENDUM_ADDED,
                 Action.CONSENT_RECORDED, Action.IMPORTED)


#: Keys only entries written since rows name their entries hold.
_LINKED_MARKS = {"content", "rule", "signatures"}


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    at: datetime
    username: str
    action: str
    patient_id: int | None
    session_id: int | None
    details: dict


class _Ledger:
    """The audit entries rows may be tied to; each entry recorded one row (a legacy
    import entry: one per session it imported)."""

    def __init__(self, con: CheckConnection) -> None:
        marks = ", ".join("?" for _ in _TIED_ACTIONS)
        self.entries: dict[int, _Entry] = {}
        for r in con.execute("SELECT id, at, username, action, patient_id, session_id, "
                             f"details FROM audit_log WHERE action IN ({marks})",
                             _TIED_ACTIONS):
            try:
                details = json.loads(r[6])
            except ValueError:
                details = {}
            self.entries[r[0]] = _Entry(r[0], _when(r[1]), r[2], r[3], r[4],
                                        r[5], details if isinstance(details, dict) else {})
        self.uses: Counter[int] = Counter()

    def linked(self, entry_id: int, action: tuple[str, ...]) -> _Entry | None:
        entry = self.entries.get(entry_id)
        return entry if entry is not None and entry.action in action else None

    def legacy(self, accept, consume: bool = True) -> _Entry | None:
        """The first entry written before links existed that `accept`s and is unused
        (`consume`: it is used up by this row)."""
        for entry in self.entries.values():
            if _LINKED_MARKS & entry.details.keys():
                continue  # written with links: only the row naming it may use it
            capacity = 1
            if entry.action == Action.IMPORTED:
                capacity = entry.details.get("sessions", 0)
                capacity = capacity if isinstance(capacity, int) else 0
            if self.uses[entry.id] < capacity and accept(entry):
                self.uses[entry.id] += consume
                return entry
        return None


def audit_tie_problems(con: CheckConnection) -> list[str]:
    """Each signature, addendum and consent against the audit entry that recorded it."""
    if not _has_table(con, "audit_log") or not _has_column(con, "consents", "audit_id"):
        return []
    ledger = _Ledger(con)
    linked_uses = Counter(r[0] for r in con.execute(
        "SELECT signed_audit_id FROM treatment_sessions WHERE signed_audit_id IS NOT NULL "
        "UNION ALL SELECT audit_id FROM addenda WHERE audit_id IS NOT NULL "
        "UNION ALL SELECT audit_id FROM consents WHERE audit_id IS NOT NULL"))
    problems = []
    for entry_id, count in sorted(linked_uses.items()):
        if count > 1:
            problems.append(f"{count} records name audit entry {entry_id}, which recorded one")
        ledger.uses[entry_id] = count
    problems += _signature_ties(con, ledger)
    problems += _addendum_ties(con, ledger)
    problems += _consent_ties(con, ledger)
    return problems


def _signature_ties(con: CheckConnection, ledger: _Ledger) -> list[str]:
    problems = []
    for (session_id, patient_id, number, day, created_at, digest, rule, link, signer,
         imported_from, imported_at, imported_by) in con.execute(
            "SELECT s.id, s.patient_id, p.number, s.session_date, s.created_at, s.digest, "
            "s.digest_rule, s.signed_audit_id, s.signer_username, s.imported_from, "
            "s.imported_at, s.imported_by FROM treatment_sessions s "
            "JOIN patients p ON p.id = s.patient_id WHERE s.signed_at IS NOT NULL "
            "ORDER BY s.id"):
        label = f"signed session {session_id} (patient {number}, {day})"
        if link is None:
            if (rule or 1) != 1 or imported_at is not None:
                problems.append(f"{label}: no audit entry recorded its signature (written "
                                "outside the app)")
                continue
            found = ledger.legacy(lambda e, sid=session_id: e.action == Action.SESSION_SIGNED
                                  and e.session_id == sid)
            if found is not None and found.details.get("digest") != digest:
                problems.append(f"{label}: its digest is not the one audit entry "
                                f"{found.id} recorded when it was signed")
            elif found is None and ledger.legacy(
                    lambda e, pid=patient_id, made=created_at: e.action == Action.IMPORTED
                    and e.patient_id == pid and _at_or_before(made, e.at)) is None:
                problems.append(f"{label}: no audit entry recorded its signature (written "
                                "outside the app)")
            continue
        entry = ledger.linked(link, (Action.SESSION_SIGNED, Action.SIGNATURE_IMPORTED))
        if entry is None or entry.session_id != session_id or entry.patient_id != patient_id:
            problems.append(f"{label}: audit entry {link}, which it names, did not record "
                            "its signature")
            continue
        details = entry.details
        if (details.get("digest"), details.get("rule"), details.get("signer")) != (
                digest, rule, signer):
            problems.append(f"{label}: its signature is not the one audit entry {link} "
                            "recorded (digest, rule or signer changed)")
        imported = None if imported_at is None else {
            "source": imported_from, "at": _when(imported_at).isoformat(),
            "by": imported_by}
        if details.get("imported") != imported or (
                (entry.action == Action.SIGNATURE_IMPORTED) != (imported is not None)):
            problems.append(f"{label}: where its signature came from is not what audit "
                            f"entry {link} recorded")
    return problems


def _content_tie(label: str, link: int | None, ledger: _Ledger, action: str, *,
                 legacy, belongs, content) -> str | None:
    """What is wrong with a row's tie to the audit entry that recorded it, or None.

    A row naming no entry (written before rows named them) must match an unclaimed entry
    found by `legacy()`; a row naming one must name an entry of `action` that `belongs`
    to it and whose details hold the row's `content()` hash."""
    if link is None:
        if legacy() is None:
            return f"{label}: no audit entry recorded it (written outside the app)"
        return None
    entry = ledger.linked(link, (action,))
    if entry is None or not belongs(entry):
        return f"{label}: audit entry {link}, which it names, did not record it"
    if entry.details.get("content") != content():
        return f"{label}: it is not what audit entry {link} recorded (changed since)"
    return None


def _addendum_ties(con: CheckConnection, ledger: _Ledger) -> list[str]:
    problems = []
    for (addendum_id, session_id, patient_id, number, day, username, name, created_at,
         reason, text, link) in con.execute(
            "SELECT a.id, a.session_id, s.patient_id, p.number, s.session_date, "
            "a.author_username, a.author_name, a.created_at, a.reason, a.text, a.audit_id "
            "FROM addenda a JOIN treatment_sessions s ON s.id = a.session_id "
            "JOIN patients p ON p.id = s.patient_id ORDER BY a.id"):
        label = f"addendum {addendum_id} to session {session_id} (patient {number}, {day})"
        problem = _content_tie(
            label, link, ledger, Action.ADDENDUM_ADDED,
            legacy=lambda sid=session_id, why=reason, pid=patient_id, made=created_at:
                ledger.legacy(lambda e: e.action == Action.ADDENDUM_ADDED
                              and e.session_id == sid and e.details.get("reason") == why)
                or ledger.legacy(lambda e: e.action == Action.IMPORTED
                                 and e.patient_id == pid and _at_or_before(made, e.at),
                                 consume=False),
            belongs=lambda e, sid=session_id: e.session_id == sid,
            content=lambda sid=session_id, u=username, n=name, at=created_at, why=reason,
            t=text: addendum_hash(sid, Addendum(u, n, _when(at), why, t)))
        if problem is not None:
            problems.append(problem)
    return problems


def _consent_ties(con: CheckConnection, ledger: _Ledger) -> list[str]:
    problems = []
    for (consent_id, patient_id, number, kind, version, consent_date, witnessed_by,
         recorded_by, recorded_at, link) in con.execute(
            "SELECT c.id, c.patient_id, p.number, c.kind, c.text_version, c.consent_date, "
            "c.witnessed_by, c.recorded_by, c.recorded_at, c.audit_id FROM consents c "
            "JOIN patients p ON p.id = c.patient_id ORDER BY c.id"):
        label = f"{kind} consent {consent_id} (version {version}) of patient {number}"
        problem = _content_tie(
            label, link, ledger, Action.CONSENT_RECORDED,
            legacy=lambda pid=patient_id, k=kind, v=version: ledger.legacy(
                lambda e: e.action == Action.CONSENT_RECORDED and e.patient_id == pid
                and e.details.get("kind") == k and e.details.get("version") == v),
            belongs=lambda e, pid=patient_id: e.patient_id == pid,
            content=lambda pid=patient_id, k=kind, v=version, d=consent_date,
            w=witnessed_by, by=recorded_by, at=recorded_at: consent_hash(
                pid, Consent(k, v, _day(d), w, by), _when(at)))
        if problem is not None:
            problems.append(problem)
    return problems


def _at_or_before(stored: str | None, when: datetime) -> bool:
    return stored is not None and _when(stored) <= when


# -- protective triggers ----------------------------------------------------------------------

def trigger_problems(con: CheckConnection) -> list[str]:
    """Protective triggers missing or altered (the app puts them back when it next opens
    the database), and triggers that are not the app's."""
    if not _has_table(con, "treatment_sessions"):
        return []
    if _is_server(con):
        return _server_trigger_problems(con)
    present = dict(con.execute(triggers.PRESENT_SQL).fetchall())
    problems = [f"protective trigger {name} is {state}: the app puts it back when it next "
                "opens the database" for name, state in triggers.differences(present)]
    problems += [f"trigger {name} is not one of the app's: it may change records unseen"
                 for name in sorted(present) if name not in triggers.TRIGGER_NAMES]
    return problems


def _server_trigger_problems(con) -> list[str]:
    from ..persistence.server import make_server_engine

    engine = make_server_engine(con.url)
    try:
        with engine.connect() as connection:
            found = triggers.server_differences(connection)
            present = [r[0] for r in connection.exec_driver_sql(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal "
                "AND c.relnamespace = to_regnamespace(current_schema())")]
    finally:
        engine.dispose()
    ours = {t.name for t in triggers.SERVER_TRIGGERS}
    problems = [f"protective trigger {name} is {state}: the app puts it back when it next "
                "opens the database" for name, state in found]
    problems += [f"trigger {name} is not one of the app's: it may change records unseen"
                 for name in sorted(present) if name not in ours]
    return problems


def _has_table(con: CheckConnection, name: str) -> bool:
    if _is_server(con):
        return con.execute("SELECT to_regclass(?)", (name,)).fetchone()[0] is not None
    return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       (name,)).fetchone() is not None


def _has_column(con: CheckConnection, table: str, column: str) -> bool:
    if _is_server(con):
        return con.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? AND column_name = ?", (table, column)).fetchone() is not None
    return any(r[1] == column for r in con.execute(f"PRAGMA table_info({table})"))
