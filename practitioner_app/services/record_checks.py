"""Checks of the record's own proofs, for `practitioner-app check` and File ▸ Check
database: the audit trail's hash chain, the digest of every signed session, the tie of
every signature, addendum and consent to the audit entry that recorded it, and the
protective triggers.

Each takes the read-only connection the check runner opened (sqlite3, or a server
database's `ServerCheckConnection`, which reads the same with `?` placeholders) and returns
its problems in plain words ([] when all is well), naming the patient and session
concerned. SQLite hands times back as ISO text, PostgreSQL as values: `_when` and `_day`
read both. The chain, the digests and the ties read the records a batch at a time
(`record_stream.pages`): memory stays the same whatever the size of the clinic. They
take the run's `CheckProgress` too (optional): they say how far they are and stop,
raising CheckCancelled, once it is cancelled.

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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from typing import Any

from ..domain.audit import Action, AuditEntry
from ..domain.audit_walk import START, ChainPoint, ChainWalk
from ..domain.signing import Addendum, Consent, addendum_hash, consent_hash, signature_holds
from ..persistence import triggers
from ..persistence.sqlite_checks import CheckConnection
from .check_runner import CheckProgress
from .record_stream import SignedSessionReader, pages, table_columns
from .record_stream import is_server as _is_server

#: Audit entries per batch: small rows, read in larger batches than records.
AUDIT_BATCH = 1000


def _when(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _progress(progress: CheckProgress | None) -> CheckProgress:
    return CheckProgress() if progress is None else progress


def audit_chain_problems(con: CheckConnection, progress: CheckProgress | None = None,
                         after: int = 0, upto: int | None = None) -> list[str]:
    """The hash chain walked entry by entry, a batch at a time (memory stays flat).

    For one part of a check run in parts (services/check_parallel.py): the entries
    numbered above `after`, following entry `after` as stored (the part before verifies
    that one), up to `upto`; only the part reading to the end looks for entries removed
    from the end. The parts' first problem is the whole walk's."""
    progress = _progress(progress)
    if not _has_table(con, "audit_log"):
        return []
    # The id counter first: an entry the app appends between the two reads then only
    # adds to the entries read, instead of looking like one removed from the end.
    row = None if _is_server(con) or upto is not None else con.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'").fetchone()
    progress.total(upto if upto is not None else
                   con.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    start = START
    if after:
        before = con.execute("SELECT hash FROM audit_log WHERE id = ?", (after,)).fetchone()
        if before is None:
            return [f"the audit trail does not hold: entry {after} is missing"]
        start = ChainPoint(after, before[0])
    walk = ChainWalk(start)
    walk.feed(_audit_entries(con, progress, after, upto))
    problem = walk.problem if upto is not None else walk.finish(int(row[0]) if row else 0)
    return [f"the audit trail does not hold: {problem}"] if problem else []


def _audit_entries(con: CheckConnection, progress: CheckProgress, after: int = 0,
                   upto: int | None = None) -> Iterator[AuditEntry]:
    bound, params = ("", ()) if upto is None else ("id <= ? AND ", (upto,))
    for batch in pages(con, "SELECT id, at, username, action, patient_id, session_id, "
                            f"details, prev_hash, hash FROM audit_log WHERE {bound}id > ? "
                            "ORDER BY id LIMIT ?", params, batch=AUDIT_BATCH, start=after):
        for r in batch:
            yield AuditEntry(r[0], _when(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8])
        progress.step(batch[-1][0])


def signed_session_problems(con: CheckConnection, progress: CheckProgress | None = None,
                            after: int = 0, upto: int | None = None) -> list[str]:
    """Recompute each signed session's digest (numbered above `after`, up to `upto`),
    under its own rule, a batch at a time: from the stored values where they give the
    stored digest (`row_digest`), otherwise through the app's own reading of the record
    (`record_stream.SignedSessionReader.session`), whose verdict is the one reported."""
    progress = _progress(progress)
    if not _has_table(con, "treatment_sessions"):
        return []
    reader = SignedSessionReader(con)
    confirmed = reader.digest.holds
    problems = []
    for batch in reader.batches(progress, after, upto):
        for rows in batch:
            if confirmed(rows.number, rows.row, rows.zones, rows.screen):
                continue
            session = reader.session(rows)
            if not signature_holds(rows.number, session):
                problems.append(f"signed session {session.id} (patient {rows.number}, "
                                f"{session.session_date}) no longer matches its signature")
    return problems


# -- ties to the audit trail ------------------------------------------------------------------

#: Keys only entries written since rows name their entries hold.
_LINKED_MARKS = {"content", "rule", "signatures"}

#: The actions an entry may have for a row written before links existed to be matched
#: with it.
_LEGACY_ACTIONS = (Action.SESSION_SIGNED, Action.ADDENDUM_ADDED, Action.CONSENT_RECORDED,
                   Action.IMPORTED)


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    at: datetime
    action: str
    patient_id: int | None
    session_id: int | None
    details: dict


def _details(text) -> dict:
    try:
        details = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return details if isinstance(details, dict) else {}


def _is_legacy(details: dict) -> bool:
    """Written before rows named their entries: any row of its kind may be matched."""
    return not _LINKED_MARKS & details.keys()


class _Ledger:
    """The entries written before links existed that one patient's rows may be matched
    with, in the order they were written; each recorded one row (a legacy import entry:
    one per session it imported). `uses` counts the rows matched with (or naming) each."""

    def __init__(self, entries: list[_Entry], named: Counter[int]) -> None:
        self.entries = entries
        self.uses: Counter[int] = Counter({e.id: named[e.id] for e in entries
                                           if e.id in named})

    def legacy(self, accept, consume: bool = True) -> _Entry | None:
        """The first entry that `accept`s and is unused (`consume`: it is used up by this
        row)."""
        for entry in self.entries:
            capacity = 1
            if entry.action == Action.IMPORTED:
                capacity = entry.details.get("sessions", 0)
                capacity = capacity if isinstance(capacity, int) else 0
            if self.uses[entry.id] < capacity and accept(entry):
                self.uses[entry.id] += consume
                return entry
        return None


class _Problems:
    """Problems found in any order, told in the order of the rows they concern:
    duplicated links, then signatures, addenda and consents, each by id."""

    def __init__(self) -> None:
        self._found: list[tuple[int, int, int, str]] = []

    def add(self, kind: int, row_id: int, text: str) -> None:
        self._found.append((kind, row_id, len(self._found), text))

    def sorted(self) -> list[str]:
        return [text for *_order, text in sorted(self._found)]


_DUPLICATES, _SIGNATURES, _ADDENDA, _CONSENTS = range(4)


def audit_tie_problems(con: CheckConnection,
                       progress: CheckProgress | None = None) -> list[str]:
    """Each signature, addendum and consent against the audit entry that recorded it.

    Rows naming their entry are read with it (a join on the entry's id), a batch at a
    time. Rows written before links existed are then matched patient by patient, with
    the entries of their kinds read in patient order beside them (`_legacy_ties`)."""
    progress = _progress(progress)
    if not _has_table(con, "audit_log") or "audit_id" not in table_columns(con, "consents"):
        return []
    problems = _Problems()
    for entry_id, count in con.execute(
            "SELECT link, count(*) FROM (SELECT signed_audit_id AS link FROM "
            "treatment_sessions WHERE signed_audit_id IS NOT NULL "
            "UNION ALL SELECT audit_id FROM addenda WHERE audit_id IS NOT NULL "
            "UNION ALL SELECT audit_id FROM consents WHERE audit_id IS NOT NULL) links "
            "GROUP BY link HAVING count(*) > 1 ORDER BY link"):
        problems.add(_DUPLICATES, entry_id,
                     f"{count} records name audit entry {entry_id}, which recorded one")
    # Entries written before links existed that a row names anyway: legacy rows may then
    # not be matched with them (kept small: only such entries are counted).
    named: Counter[int] = Counter()
    totals = [con.execute(f"SELECT max(id) FROM {t}").fetchone()[0] or 0
              for t in ("treatment_sessions", "addenda", "consents")]
    progress.total(sum(totals))
    legacy = _signature_ties(con, problems, named, progress, 0)
    legacy |= _addendum_ties(con, problems, named, progress, totals[0])
    legacy |= _consent_ties(con, problems, named, progress, totals[0] + totals[1])
    if legacy:
        _legacy_ties(con, problems, named, progress)
    return problems.sorted()


def _linked(action: str | None, details_text, allowed: tuple[str, ...], named: Counter,
            link: int) -> dict | None:
    """The details of entry `link` when it is one of `allowed` (None otherwise);
    counted in `named` when it was written before links existed."""
    if action is None or action not in (Action.SESSION_SIGNED, Action.SIGNATURE_IMPORTED,
                                        Action.ADDENDUM_ADDED, Action.CONSENT_RECORDED,
                                        Action.IMPORTED):
        return None
    details = _details(details_text)
    if _is_legacy(details):
        named[link] += 1
    return details if action in allowed else None


def _signature_ties(con, problems: _Problems, named: Counter, progress: CheckProgress,
                    offset: int) -> bool:
    """Signed sessions naming their entry, checked against it; whether any names none
    and so must be matched the old way."""
    legacy = False
    for batch in pages(con, "SELECT s.id, s.patient_id, p.number, s.session_date, s.digest, "
                            "s.digest_rule, s.signed_audit_id, s.signer_username, "
                            "s.imported_from, s.imported_at, s.imported_by, e.action, "
                            "e.patient_id, e.session_id, e.details FROM treatment_sessions s "
                            "JOIN patients p ON p.id = s.patient_id LEFT JOIN audit_log e ON "
                            "e.id = s.signed_audit_id WHERE s.signed_at IS NOT NULL "
                            "AND s.id > ? ORDER BY s.id LIMIT ?"):
        for (session_id, patient_id, number, day, digest, rule, link, signer, imported_from,
             imported_at, imported_by, action, entry_patient, entry_session,
             entry_details) in batch:
            label = f"signed session {session_id} (patient {number}, {day})"
            if link is None:
                if (rule or 1) != 1 or imported_at is not None:
                    problems.add(_SIGNATURES, session_id,
                                 f"{label}: no audit entry recorded its signature (written "
                                 "outside the app)")
                else:
                    legacy = True
                continue
            details = _linked(action, entry_details,
                              (Action.SESSION_SIGNED, Action.SIGNATURE_IMPORTED), named, link)
            if details is None or entry_session != session_id or entry_patient != patient_id:
                problems.add(_SIGNATURES, session_id,
                             f"{label}: audit entry {link}, which it names, did not record "
                             "its signature")
                continue
            if (details.get("digest"), details.get("rule"), details.get("signer")) != (
                    digest, rule, signer):
                problems.add(_SIGNATURES, session_id,
                             f"{label}: its signature is not the one audit entry {link} "
                             "recorded (digest, rule or signer changed)")
            imported = None if imported_at is None else {
                "source": imported_from, "at": _when(imported_at).isoformat(),
                "by": imported_by}
            if details.get("imported") != imported or (
                    (action == Action.SIGNATURE_IMPORTED) != (imported is not None)):
                problems.add(_SIGNATURES, session_id,
                             f"{label}: where its signature came from is not what audit "
                             f"entry {link} recorded")
        progress.step(offset + batch[-1][0])
    return legacy


def _content_tie(label: str, link: int, details: dict | None, belongs: bool,
                 content: str | None) -> str | None:
    """What is wrong with a row's tie to the entry `link` it names (its `details` when
    it is of the row's kind, None otherwise), or None: the entry must `belong` to the
    row and its details hold the row's `content` hash (None: not worked out, since the
    entry is not the row's)."""
    if details is None or not belongs:
        return f"{label}: audit entry {link}, which it names, did not record it"
    if details.get("content") != content:
        return f"{label}: it is not what audit entry {link} recorded (changed since)"
    return None


def _addendum_ties(con, problems: _Problems, named: Counter, progress: CheckProgress,
                   offset: int) -> bool:
    legacy = False
    for batch in pages(con, "SELECT a.id, a.session_id, p.number, s.session_date, "
                            "a.author_username, a.author_name, a.created_at, a.reason, "
                            "a.text, a.audit_id, e.action, e.session_id, e.details "
                            "FROM addenda a JOIN treatment_sessions s ON s.id = a.session_id "
                            "JOIN patients p ON p.id = s.patient_id LEFT JOIN audit_log e ON "
                            "e.id = a.audit_id WHERE a.id > ? ORDER BY a.id LIMIT ?"):
        for (addendum_id, session_id, number, day, username, name, created_at, reason, text,
             link, action, entry_session, entry_details) in batch:
            if link is None:
                legacy = True
                continue
            label = f"addendum {addendum_id} to session {session_id} (patient {number}, {day})"
            details = _linked(action, entry_details, (Action.ADDENDUM_ADDED,), named, link)
            belongs = details is not None and entry_session == session_id
            problem = _content_tie(label, link, details, belongs, addendum_hash(
                session_id, Addendum(username, name, _when(created_at), reason, text))
                if belongs else None)
            if problem is not None:
                problems.add(_ADDENDA, addendum_id, problem)
        progress.step(offset + batch[-1][0])
    return legacy


def _consent_ties(con, problems: _Problems, named: Counter, progress: CheckProgress,
                  offset: int) -> bool:
    legacy = False
    for batch in pages(con, "SELECT c.id, c.patient_id, p.number, c.kind, c.text_version, "
                            "c.consent_date, c.witnessed_by, c.recorded_by, c.recorded_at, "
                            "c.audit_id, e.action, e.patient_id, e.details FROM consents c "
                            "JOIN patients p ON p.id = c.patient_id LEFT JOIN audit_log e ON "
                            "e.id = c.audit_id WHERE c.id > ? ORDER BY c.id LIMIT ?"):
        for (consent_id, patient_id, number, kind, version, consent_date, witnessed_by,
             recorded_by, recorded_at, link, action, entry_patient, entry_details) in batch:
            if link is None:
                legacy = True
                continue
            label = f"{kind} consent {consent_id} (version {version}) of patient {number}"
            details = _linked(action, entry_details, (Action.CONSENT_RECORDED,), named, link)
            belongs = details is not None and entry_patient == patient_id
            problem = _content_tie(label, link, details, belongs, consent_hash(
                patient_id, Consent(kind, version, _day(consent_date), witnessed_by,
                                    recorded_by), _when(recorded_at)) if belongs else None)
            if problem is not None:
                problems.add(_CONSENTS, consent_id, problem)
        progress.step(offset + batch[-1][0])
    return legacy


# -- rows written before links existed --------------------------------------------------------
#
# Such a row is matched with an entry of its own patient (a signature or addendum with an
# entry naming its session, which belongs to the patient; anything else by the entry's
# patient), so rows compete for entries only with rows of the same patient. Matching
# patient by patient, signatures, then addenda, then consents, each by id, against the
# patient's entries in the order they were written, therefore matches exactly as one
# pass over every row against every entry would, holding one patient's at a time. Both
# sides are read in patient order, sorted by the database (which sorts on disk when it
# must), and merged.

def _legacy_ties(con, problems: _Problems, named: Counter, progress: CheckProgress) -> None:
    rows = _merge_by_patient(
        _legacy_signatures(con), _legacy_addenda(con), _legacy_consents(con))
    entries = groupby(_legacy_entries(con), key=lambda pair: pair[0])
    patient_entries: tuple[Any, list[_Entry]] = (None, [])
    current = next(entries, None)
    done = 0
    for patient_id, (signatures, addenda, consents) in rows:
        while current is not None and _before(current[0], patient_id):
            current = next(entries, None)
        if current is not None and current[0] == patient_id:
            patient_entries = (patient_id, [e for _key, e in current[1]])
            current = next(entries, None)
        ledger = _Ledger(patient_entries[1] if patient_entries[0] == patient_id else [],
                         named)
        _match_signatures(ledger, problems, signatures)
        _match_addenda(ledger, problems, addenda)
        _match_consents(ledger, problems, consents)
        done += 1
        if done % 500 == 0:
            progress.check_cancelled()


def _before(a, b) -> bool:
    """Patient keys in the order the database sorted them (no patient: first)."""
    return (a is not None, a or 0) < (b is not None, b or 0)


def _legacy_entries(con) -> Iterator[tuple[int | None, _Entry]]:
    """(patient, entry) for every entry a legacy row may be matched with, by patient,
    then in the order written: an entry naming a session belongs to that session's
    patient."""
    marks = ", ".join("?" for _ in _LEGACY_ACTIONS)
    scoped = ", ".join("?" for _ in (Action.SESSION_SIGNED, Action.ADDENDUM_ADDED))
    for r in _sorted_stream(
            con, "SELECT COALESCE(s.patient_id, e.patient_id) AS owner, e.id, e.at, e.action, "
                 "e.patient_id, e.session_id, e.details FROM audit_log e LEFT JOIN "
                 f"treatment_sessions s ON e.action IN ({scoped}) AND s.id = e.session_id "
                 f"WHERE e.action IN ({marks}) ORDER BY owner, e.id",
            (Action.SESSION_SIGNED, Action.ADDENDUM_ADDED, *_LEGACY_ACTIONS)):
        details = _details(r[6])
        if _is_legacy(details):
            yield r[0], _Entry(r[1], _when(r[2]), r[3], r[4], r[5], details)


def _legacy_signatures(con) -> Iterator[tuple]:
    return _sorted_stream(
        con, "SELECT s.patient_id, s.id, p.number, s.session_date, s.created_at, s.digest "
             "FROM treatment_sessions s JOIN patients p ON p.id = s.patient_id WHERE "
             "s.signed_at IS NOT NULL AND s.signed_audit_id IS NULL AND "
             "COALESCE(NULLIF(s.digest_rule, 0), 1) = 1 AND s.imported_at IS NULL "
             "ORDER BY s.patient_id, s.id")


def _legacy_addenda(con) -> Iterator[tuple]:
    return _sorted_stream(
        con, "SELECT s.patient_id, a.id, a.session_id, p.number, s.session_date, "
             "a.created_at, a.reason FROM addenda a JOIN treatment_sessions s ON "
             "s.id = a.session_id JOIN patients p ON p.id = s.patient_id "
             "WHERE a.audit_id IS NULL ORDER BY s.patient_id, a.id")


def _legacy_consents(con) -> Iterator[tuple]:
    return _sorted_stream(
        con, "SELECT c.patient_id, c.id, p.number, c.kind, c.text_version FROM consents c "
             "JOIN patients p ON p.id = c.patient_id WHERE c.audit_id IS NULL "
             "ORDER BY c.patient_id, c.id")


def _sorted_stream(con, sql: str, params=()) -> Iterator[tuple]:
    """The rows of `sql` (ordered by a composite key, which keyset pagination over one
    integer cannot page) a batch at a time: on a file the cursor steps through them; on
    a server they are fetched by OFFSET in batches of the same sorted result."""
    if not _is_server(con):
        yield from con.execute(sql, params)
        return
    offset = 0
    while True:
        rows = con.execute(f"{sql} LIMIT ? OFFSET ?", (*params, AUDIT_BATCH, offset)
                           ).fetchall()
        yield from rows
        if len(rows) < AUDIT_BATCH:
            return
        offset += len(rows)


def _merge_by_patient(*streams: Iterator[tuple]) -> Iterator[tuple[Any, list[list[tuple]]]]:
    """(patient, [rows of each stream for the patient]) in patient order; every stream is
    sorted by patient (its rows' first value)."""
    groups = [groupby(s, key=lambda r: r[0]) for s in streams]
    heads = [next(g, None) for g in groups]
    while any(h is not None for h in heads):
        patient = min((h[0] for h in heads if h is not None),
                      key=lambda p: (p is not None, p or 0))
        found = []
        for i, head in enumerate(heads):
            if head is not None and head[0] == patient:
                found.append(list(head[1]))
                heads[i] = next(groups[i], None)
            else:
                found.append([])
        yield patient, found


def _match_signatures(ledger: _Ledger, problems: _Problems, rows: list[tuple]) -> None:
    for patient_id, session_id, number, day, created_at, digest in rows:
        label = f"signed session {session_id} (patient {number}, {day})"
        found = ledger.legacy(lambda e, sid=session_id: e.action == Action.SESSION_SIGNED
                              and e.session_id == sid)
        if found is not None and found.details.get("digest") != digest:
            problems.add(_SIGNATURES, session_id,
                         f"{label}: its digest is not the one audit entry {found.id} "
                         "recorded when it was signed")
        elif found is None and ledger.legacy(
                lambda e, pid=patient_id, made=created_at: e.action == Action.IMPORTED
                and e.patient_id == pid and _at_or_before(made, e.at)) is None:
            problems.add(_SIGNATURES, session_id,
                         f"{label}: no audit entry recorded its signature (written "
                         "outside the app)")


def _match_addenda(ledger: _Ledger, problems: _Problems, rows: list[tuple]) -> None:
    for patient_id, addendum_id, session_id, number, day, created_at, reason in rows:
        if (ledger.legacy(lambda e, sid=session_id, why=reason:
                          e.action == Action.ADDENDUM_ADDED and e.session_id == sid
                          and e.details.get("reason") == why)
                or ledger.legacy(lambda e, pid=patient_id, made=created_at:
                                 e.action == Action.IMPORTED and e.patient_id == pid
                                 and _at_or_before(made, e.at), consume=False)) is None:
            problems.add(_ADDENDA, addendum_id,
                         f"addendum {addendum_id} to session {session_id} (patient {number}, "
                         f"{day}): no audit entry recorded it (written outside the app)")


def _match_consents(ledger: _Ledger, problems: _Problems, rows: list[tuple]) -> None:
    for patient_id, consent_id, number, kind, version in rows:
        if ledger.legacy(lambda e, pid=patient_id, k=kind, v=version:
                         e.action == Action.CONSENT_RECORDED and e.patient_id == pid
                         and e.details.get("kind") == k
                         and e.details.get("version") == v) is None:
            problems.add(_CONSENTS, consent_id,
                         f"{kind} consent {consent_id} (version {version}) of patient "
                         f"{number}: no audit entry recorded it (written outside the app)")


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
