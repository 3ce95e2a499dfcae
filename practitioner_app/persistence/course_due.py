"""When each open course's next session is due, kept in `courses.due_on` for the due list.

A course is due on its last given session's date (completed or signed; a draft is not a
session given) plus its minimum interval, while it is open and sessions remain; else
`due_on` is NULL. The due list then reads an index on `due_on`, soonest first, and stops
at the rows it shows; computing the day for every open course read every course and two
lookups each (1.2 s with one open course for each of 50,000 patients).

Triggers keep it in step on both backends, in the writing transaction, whoever writes:
the app's repositories, the demo's bulk inserts, an import. On a file they recompute the
course named by the session (or the course) written. On a server a BEFORE trigger on
`courses` computes it from the row being written, and a session written touches its
course (old and new) so that trigger runs. triggers.py creates and checks them with the
protective ones.
"""

from __future__ import annotations

#: The counted session statuses and the open course status, as stored.
_COUNTED = "('completed', 'signed')"
_OPEN = "'open'"


def _due_sql(course: str) -> str:
    """SQLite: the due day of the `courses` row aliased `course`."""
    return (f"(SELECT CASE WHEN {course}.status = {_OPEN} "
            f"AND count(s.id) < {course}.planned_sessions THEN date(max(s.session_date), "
            f"printf('%+d days', {course}.min_interval_days)) END "
            "FROM treatment_sessions AS s "
            f"WHERE s.patient_id = {course}.patient_id AND s.course_number = {course}.number "
            f"AND s.status IN {_COUNTED})")


#: Every course's due day computed afresh (migration, or after the triggers were lifted).
RECOMPUTE_SQLITE = f"UPDATE courses SET due_on = {_due_sql('courses')}"
RECOMPUTE_SERVER = (
    "UPDATE courses AS c SET due_on = CASE WHEN c.status = 'open' THEN ("
    "SELECT CASE WHEN count(s.id) < c.planned_sessions "
    "THEN max(s.session_date) + c.min_interval_days END "
    "FROM treatment_sessions AS s WHERE s.patient_id = c.patient_id "
    f"AND s.course_number = c.number AND s.status IN {_COUNTED}) END")


def _refresh(where: str) -> str:
    return f"UPDATE courses SET due_on = {_due_sql('courses')} WHERE {where};"


_OF_NEW = "patient_id = NEW.patient_id AND number = NEW.course_number"
_OF_OLD = "patient_id = OLD.patient_id AND number = OLD.course_number"

#: SQLite triggers, as (name, SQL).
TRIGGERS: tuple[tuple[str, str], ...] = (
    ("course_due_after_session_insert",
     "CREATE TRIGGER course_due_after_session_insert AFTER INSERT ON treatment_sessions "
     f"WHEN NEW.course_number IS NOT NULL BEGIN {_refresh(_OF_NEW)} END"),
    ("course_due_after_session_update",
     "CREATE TRIGGER course_due_after_session_update AFTER UPDATE OF patient_id, "
     "course_number, status, session_date ON treatment_sessions BEGIN "
     f"{_refresh(f'({_OF_OLD}) OR ({_OF_NEW})')} END"),
    ("course_due_after_session_delete",
     "CREATE TRIGGER course_due_after_session_delete AFTER DELETE ON treatment_sessions "
     f"WHEN OLD.course_number IS NOT NULL BEGIN {_refresh(_OF_OLD)} END"),
    ("course_due_after_course_insert",
     "CREATE TRIGGER course_due_after_course_insert AFTER INSERT ON courses BEGIN "
     f"{_refresh('id = NEW.id')} END"),
    ("course_due_after_course_update",
     "CREATE TRIGGER course_due_after_course_update AFTER UPDATE OF patient_id, number, "
     "status, planned_sessions, min_interval_days ON courses BEGIN "
     f"{_refresh('id = NEW.id')} END"),
)
TRIGGER_NAMES = tuple(name for name, _sql in TRIGGERS)

# --- PostgreSQL ------------------------------------------------------------------------

#: BEFORE INSERT OR UPDATE ON courses: the row's own due day.
COURSE_DUE_BODY = """
BEGIN
    NEW.due_on := NULL;
    IF NEW.status = 'open' THEN
        SELECT CASE WHEN count(s.id) < NEW.planned_sessions
                    THEN max(s.session_date) + NEW.min_interval_days END
          INTO NEW.due_on
          FROM treatment_sessions AS s
         WHERE s.patient_id = NEW.patient_id AND s.course_number = NEW.number
           AND s.status IN ('completed', 'signed');
    END IF;
    RETURN NEW;
END
"""
#: AFTER INSERT OR UPDATE OR DELETE ON treatment_sessions: the courses the session left
#: and joined are written again, so their BEFORE trigger computes their day afresh.
SESSION_COURSE_BODY = """
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.course_number IS NOT NULL THEN
        UPDATE courses SET due_on = NULL
         WHERE patient_id = OLD.patient_id AND number = OLD.course_number;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.course_number IS NOT NULL THEN
        UPDATE courses SET due_on = NULL
         WHERE patient_id = NEW.patient_id AND number = NEW.course_number;
    END IF;
    RETURN NULL;
END
"""
SERVER_FUNCTIONS = {
    "practitioner_course_due": COURSE_DUE_BODY,
    "practitioner_session_course_due": SESSION_COURSE_BODY,
}
