"""Triggers that make records refuse change even from plain SQL.

Signed sessions (with their zone rows and screen answers) cannot be updated or deleted;
addenda, consents and the audit log are append-only. `check` reports a trigger that is
missing or whose SQL differs from TRIGGERS (`differences`), and opening a database puts
them back (`restore`).

They are not created by a migration: the migrator drops them before any migration runs
and creates the current set afterwards. Batch migrations copy, drop and rename tables,
and SQLite refuses to rename a table that another table's trigger names; a recreated
table would also silently lose its own triggers.

The set also holds triggers that keep derived data in step, checked and put back alike:
on a file, the patient search's index (search_index.py; the server's pg_trgm index needs
none); on both backends, each course's due day (course_due.py).

PostgreSQL has the same protective triggers, written in PL/pgSQL (its trigger conditions
cannot look up the session, so two small functions do), plus one refusing TRUNCATE of the
append-only tables. There a trigger is compared by what it does (table, events,
function, arguments, enabled) and each function by its body, since the server prints a
trigger's definition in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from . import course_due, search_index

_CHANGED = "a signed session cannot be changed; add an addendum"


def _refuse(name: str, event: str, table: str, when: str, message: str) -> tuple[str, str]:
    return name, (f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                  f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{message}'); END")


_SIGNED = "(SELECT signed_at FROM treatment_sessions WHERE id = {row}.session_id) IS NOT NULL"

TRIGGERS: tuple[tuple[str, str], ...] = (
    _refuse("signed_session_no_update", "UPDATE", "treatment_sessions",
            "OLD.signed_at IS NOT NULL", _CHANGED),
    _refuse("signed_session_no_delete", "DELETE", "treatment_sessions",
            "OLD.signed_at IS NOT NULL", "a signed session cannot be deleted"),
    *(
        _refuse(f"{table}_signed_no_{event.lower()}", event, table, when, _CHANGED)
        for table in ("zone_treatments", "screen_answers")
        for event, when in (
            ("INSERT", _SIGNED.format(row="NEW")),
            # Both sides: a row may neither leave a signed session nor be moved into one.
            ("UPDATE", f"{_SIGNED.format(row='OLD')} OR {_SIGNED.format(row='NEW')}"),
            ("DELETE", _SIGNED.format(row="OLD")),
        )
    ),
    *(
        _refuse(f"{table}_append_only_{event.lower()}", event, table, "1",
                f"{table} entries are never changed or deleted")
        for table in ("addenda", "consents", "audit_log")
        for event in ("UPDATE", "DELETE")
    ),
    *search_index.TRIGGERS,
    *course_due.TRIGGERS,
)
TRIGGER_NAMES = tuple(name for name, _sql in TRIGGERS)


# --- PostgreSQL ---------------------------------------------------------------------------

_REFUSE_BODY = """
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
END
"""
_REFUSE_IN_SIGNED_BODY = """
DECLARE
    signed boolean := false;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        signed := EXISTS (SELECT 1 FROM treatment_sessions
                          WHERE id = OLD.session_id AND signed_at IS NOT NULL);
    END IF;
    IF NOT signed AND TG_OP IN ('INSERT', 'UPDATE') THEN
        signed := EXISTS (SELECT 1 FROM treatment_sessions
                          WHERE id = NEW.session_id AND signed_at IS NOT NULL);
    END IF;
    IF signed THEN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
"""
#: Our functions, by name: the body each must have.
SERVER_FUNCTIONS: dict[str, str] = {
    "practitioner_refuse": _REFUSE_BODY,
    "practitioner_refuse_in_signed": _REFUSE_IN_SIGNED_BODY,
    **course_due.SERVER_FUNCTIONS,
}


@dataclass(frozen=True)
class ServerTrigger:
    name: str
    table: str
    events: tuple[str, ...]
    function: str
    message: str
    when: str = ""
    per_row: bool = True
    timing: str = "BEFORE"

    def create_sql(self) -> str:
        level = "FOR EACH ROW" if self.per_row else "FOR EACH STATEMENT"
        when = f" WHEN ({self.when})" if self.when else ""
        message = self.message.replace("'", "''")
        return (f"CREATE TRIGGER {self.name} {self.timing} {' OR '.join(self.events)} "
                f"ON {self.table} {level}{when} EXECUTE FUNCTION {self.function}('{message}')")


SERVER_TRIGGERS: tuple[ServerTrigger, ...] = (
    ServerTrigger("signed_session_no_update", "treatment_sessions", ("UPDATE",),
                  "practitioner_refuse", _CHANGED, when="OLD.signed_at IS NOT NULL"),
    ServerTrigger("signed_session_no_delete", "treatment_sessions", ("DELETE",),
                  "practitioner_refuse", "a signed session cannot be deleted",
                  when="OLD.signed_at IS NOT NULL"),
    *(ServerTrigger(f"{table}_signed_no_change", table, ("INSERT", "UPDATE", "DELETE"),
                    "practitioner_refuse_in_signed", _CHANGED)
      for table in ("zone_treatments", "screen_answers")),
    *(ServerTrigger(f"{table}_append_only", table, ("UPDATE", "DELETE"),
                    "practitioner_refuse", f"{table} entries are never changed or deleted")
      for table in ("addenda", "consents", "audit_log")),
    *(ServerTrigger(f"{table}_no_truncate", table, ("TRUNCATE",), "practitioner_refuse",
                    f"{table} entries are never changed or deleted", per_row=False)
      for table in ("treatment_sessions", "zone_treatments", "screen_answers", "addenda",
                    "consents", "audit_log")),
    ServerTrigger("course_due", "courses", ("INSERT", "UPDATE"), "practitioner_course_due",
                  ""),
    ServerTrigger("session_course_due", "treatment_sessions", ("INSERT", "UPDATE", "DELETE"),
                  "practitioner_session_course_due", "", timing="AFTER"),
)
#: The tables whose rows are only ever added: the app's role loses UPDATE, DELETE and
#: TRUNCATE on them, where the server allows (a superuser keeps every right).
APPEND_ONLY_TABLES = ("addenda", "consents", "audit_log")

# What the server holds of our triggers: name -> (table, events bitmask, function,
# arguments, enabled), compared against the same read of a freshly created set.
_SERVER_PRESENT_SQL = """
SELECT t.tgname, c.relname, t.tgtype, p.proname,
       encode(t.tgargs, 'escape'), t.tgenabled, t.tgqual IS NOT NULL
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_proc p ON p.oid = t.tgfoid
WHERE NOT t.tgisinternal AND c.relnamespace = to_regnamespace(current_schema())
"""
_SERVER_FUNCTIONS_SQL = """
SELECT p.proname, p.prosrc FROM pg_proc p
WHERE p.pronamespace = to_regnamespace(current_schema()) AND p.proname = ANY(%(names)s)
"""

# tgtype bits (PostgreSQL's pg_trigger.h): row, before, insert, delete, update, truncate.
_TYPE_BITS = {"ROW": 1, "BEFORE": 2, "INSERT": 4, "DELETE": 8, "UPDATE": 16, "TRUNCATE": 32}


def _expected_server_row(trigger: ServerTrigger) -> tuple:
    bits = ((_TYPE_BITS["BEFORE"] if trigger.timing == "BEFORE" else 0)
            | (_TYPE_BITS["ROW"] if trigger.per_row else 0))
    for event in trigger.events:
        bits |= _TYPE_BITS[event]
    return (trigger.table, bits, trigger.function, trigger.message + "\\000", "O",
            bool(trigger.when))


def _server_present(connection: Connection) -> dict[str, tuple]:
    rows = connection.exec_driver_sql(_SERVER_PRESENT_SQL).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def server_differences(connection: Connection) -> list[tuple[str, str]]:
    """(name, "missing" | "altered") for each protective trigger or function on the
    server that is not as defined here."""
    functions = dict(connection.exec_driver_sql(
        _SERVER_FUNCTIONS_SQL, {"names": list(SERVER_FUNCTIONS)}).fetchall())
    found = []
    for name, body in SERVER_FUNCTIONS.items():
        if name not in functions:
            found.append((name, "missing"))
        elif _normal(functions[name]) != _normal(body):
            found.append((name, "altered"))
    present = _server_present(connection)
    for trigger in SERVER_TRIGGERS:
        if trigger.name not in present:
            found.append((trigger.name, "missing"))
        elif present[trigger.name] != _expected_server_row(trigger):
            found.append((trigger.name, "altered"))
    return found


def _create_server_functions(connection: Connection) -> None:
    for name, body in SERVER_FUNCTIONS.items():
        # %% : the driver reads % as its placeholder mark, even with no parameters.
        connection.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $body${body.replace('%', '%%')}$body$")


def _restrict_append_only(connection: Connection) -> None:
    # Defence in depth beside the triggers. Owners may grant themselves rights back and
    # superusers ignore them, which is why the README gives the clinic a separate owner.
    for table in APPEND_ONLY_TABLES:
        connection.exec_driver_sql(
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM CURRENT_USER")


def _is_server(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


# --- both ------------------------------------------------------------------------------------


def drop_all(connection: Connection) -> None:
    if _is_server(connection):
        for trigger in SERVER_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger.name} ON {trigger.table}")
        return
    for name in TRIGGER_NAMES:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def create_all(connection: Connection) -> None:
    if _is_server(connection):
        _create_server_functions(connection)
        for trigger in SERVER_TRIGGERS:
            connection.exec_driver_sql(trigger.create_sql())
        _restrict_append_only(connection)
        return
    for _name, sql in TRIGGERS:
        connection.exec_driver_sql(sql)


def _normal(sql: str | None) -> str:
    return " ".join((sql or "").split())


def differences(present: dict[str, str | None]) -> list[tuple[str, str]]:
    """(name, "missing" | "altered") for each protective trigger that is not as defined
    here, given the triggers present as {name: CREATE TRIGGER sql}."""
    found = []
    for name, sql in TRIGGERS:
        if name not in present:
            found.append((name, "missing"))
        elif _normal(present[name]) != _normal(sql):
            found.append((name, "altered"))
    return found


# The catalogue query is SQLite's; PostgreSQL keeps triggers in pg_trigger.
PRESENT_SQL = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"


def restore(connection: Connection) -> list[tuple[str, str]]:
    """Re-create every protective trigger that is missing or altered, in the caller's
    transaction; returns what was found, as `differences`."""
    if _is_server(connection):
        found = server_differences(connection)
        if found:
            drop_all(connection)
            create_all(connection)
            connection.exec_driver_sql(course_due.RECOMPUTE_SERVER)  # written meanwhile
        return found
    present = dict(connection.exec_driver_sql(PRESENT_SQL).fetchall())
    found = differences(present)
    wanted = dict(TRIGGERS)
    for name, _state in found:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        connection.exec_driver_sql(wanted[name])
    # What was written while a trigger was missing was not kept in step.
    if any(name in search_index.TRIGGER_NAMES for name, _state in found):
        search_index.rebuild(connection)
    if any(name in course_due.TRIGGER_NAMES for name, _state in found):
        connection.exec_driver_sql(course_due.RECOMPUTE_SQLITE)
    return found
