"""One patient's whole record as a versioned JSON document, out and back in.

The document is {"format": FORMAT, "version": VERSION, "patient": {...}, "sessions": [...]}
with records written by `domain.codec.to_plain` (no database ids, sessions oldest first) and
no export time, so export → import → export gives the same bytes.

An import is checked exactly as the windows check a save (the codec's decoding, then
`validate_patient` and `validate_session`) and is written in one transaction: either the
patient and every session are stored, or nothing is.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ..domain.audit import Action
from ..domain.codec import UnreadableNumber, from_plain, shown, to_plain
from ..domain.course import Course, validate_course
from ..domain.enums import SessionStatus
from ..domain.errors import (
    DuplicatePatientNumber,
    NotFound,
    PermissionDenied,
    Problem,
    ValidationError,
)
from ..domain.patient import Patient
from ..domain.session import TreatmentSession
from ..domain.signing import (
    DIGEST_RULES,
    ImportProvenance,
    addendum_hash,
    signature_details,
    signature_holds,
)
from ..domain.validation import errors_only, validate_patient, validate_session
from .base import Service

FORMAT = "practitioner-app.patient"
#: The newest version this program writes. Every version up to it will always import.
#: Version 2 added archiving, the contraindication screen, signatures and addenda; a
#: version-1 document simply has none of them.
#: Version 3 added courses (top-level "courses"), lot expiries for numbing and serum,
#: and the reasons for early sessions and expired lots.
#: Version 4 added the digest rule of each signature ("rule"; 1 when absent).
VERSION = 4
SUPPORTED_VERSIONS = (1, 2, 3, 4)
_TOP_LEVEL_KEYS = ("format", "version", "patient", "sessions")
_OPTIONAL_KEYS = ("courses",)  # since version 3


class InvalidDocument(ValidationError):
    """The document breaks one or more rules; nothing was written.

    `problems` holds the errors (as ValidationError); `warnings` the cautions found too,
    so a user fixing the file sees everything at once.
    """

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.warnings = [p for p in problems if not p.is_error]


@dataclass(frozen=True, slots=True)
class ImportResult:
    patient: Patient
    sessions: int
    warnings: list[Problem]


def dumps(document: dict) -> str:
    """The document as UTF-8-ready JSON text: keys in codec order, 2-space indent, final
    newline. The same document always gives the same text."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


#: Deepest nesting of objects and lists a document may have. A patient document needs
#: about 6 levels; Python's parser recurses once a level and fails near 1,000.
MAX_NESTING = 64
#: Longest number a document may hold, in characters: Python converts at most 4,300
#: digits to a whole number; anything longer is named where it stands, not read.
MAX_NUMBER_CHARS = 4300
#: A string (its closing quote optional, so an unclosed one ends the scan in linear time)
#: or a bracket.
_NESTING_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]')


def parse_json(text: str) -> Any:
    """`text` as JSON; raises InvalidDocument naming the line and column of a syntax error,
    or the limit a document exceeds (MAX_NESTING). A number JSON allows but Python cannot
    hold (too many digits, beyond 1.8e308; also NaN and Infinity, which JSON does not
    allow) is left in place as an UnreadableNumber, which the codec names by its path."""
    depth = _nesting(text)
    if depth > MAX_NESTING:
        raise InvalidDocument([Problem(
            "$", f"The document nests objects and lists {depth:,} levels deep; at most "
                 f"{MAX_NESTING} are allowed (a patient document needs about 6).")])
    try:
        return json.loads(text, parse_int=_whole_number, parse_float=_number,
                          parse_constant=UnreadableNumber)
    except json.JSONDecodeError as error:
        raise InvalidDocument([Problem(
            "$", f"Not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}.",
        )]) from None


def _nesting(text: str) -> int:
    """The deepest nesting of [ and { in `text`, brackets inside strings not counted."""
    depth = deepest = 0
    for token in _NESTING_TOKENS.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


def _whole_number(digits: str) -> int | UnreadableNumber:
    return int(digits) if len(digits) <= MAX_NUMBER_CHARS else UnreadableNumber(digits)


def _number(text: str) -> float | UnreadableNumber:
    value = float(text) if len(text) <= MAX_NUMBER_CHARS else math.inf
    return value if math.isfinite(value) else UnreadableNumber(text)


class ExchangeService(Service):
    def export_document(self, number: str) -> dict:
        """The patient with `number` and all their sessions as a document (VERSION).

        Raises NotFound.
        """
        with self._uow() as uow:
            patient_id = uow.patients.id_for_number(number)
            patient = None if patient_id is None else uow.patients.get(patient_id)
            if patient is None:
                raise NotFound(f"No patient with patient number {number!r}.")
            sessions = uow.sessions.for_patient(patient_id)  # oldest first
            courses = uow.courses.for_patient(patient_id)
            self._audit(uow, Action.EXPORTED, patient_id=patient_id, sessions=len(sessions))
            uow.commit()
        return {
            "format": FORMAT,
            "version": VERSION,
            "patient": to_plain(patient),
            "courses": [to_plain(c) for c in courses],
            "sessions": [_exported(s) for s in sessions],
        }

    def check_document(
        self, document: Any,
    ) -> tuple[tuple[Patient, list[TreatmentSession]] | None, list[Problem]]:
        """Decode and validate `document` without writing anything.

        Returns the records (None when there is any error) and every problem found, errors
        and warnings, each with its JSON path from the document root.
        """
        problems, readable = _envelope_problems(document)
        if not readable:  # another format or version: reading on would only mislead
            return None, problems
        patient, found = from_plain(Patient, document["patient"], "$.patient")
        problems += found
        if patient is not None:
            problems += _prefixed("$.patient", validate_patient(patient, self._today()))
        courses, course_problems = self._courses(document)
        problems += course_problems
        numbers = {c.number for c in courses}
        with self._uow() as uow:
            guidance = uow.settings.zone_guidance()
        sessions = []
        for i, plain in enumerate(document["sessions"]):
            path = f"$.sessions[{i}]"
            session, found = from_plain(TreatmentSession, plain, path)
            problems += found
            if session is not None:
                # No Fitzpatrick here: the patient's caution is reported once, at $.patient.
                born = patient.date_of_birth if patient is not None else None
                problems += _prefixed(path, validate_session(
                    session, guidance, born=born, today=self._today()))
                problems += _signature_problems(path, patient, session)
                if session.course_number is not None and session.course_number not in numbers:
                    problems.append(Problem(f"{path}.course_number", "names a course that is "
                                            "not in $.courses."))
                sessions.append(session)
        if errors_only(problems):
            return None, problems
        return (patient, courses, sessions), problems

    def _courses(self, document: dict) -> tuple[list[Course], list[Problem]]:
        """The document's courses, which must be numbered 1, 2, 3, ... in order."""
        plain = document.get("courses", [])
        if not isinstance(plain, list):
            return [], [Problem("$.courses", "must be a list.")]
        courses, problems = [], []
        for i, item in enumerate(plain):
            course, found = from_plain(Course, item, f"$.courses[{i}]")
            problems += found
            if course is None:
                continue
            problems += _prefixed(f"$.courses[{i}]", validate_course(course))
            if course.number != i + 1:
                problems.append(Problem(f"$.courses[{i}].number", f"must be {i + 1}: courses "
                                        "are numbered 1, 2, 3, ... in order."))
            courses.append(course)
        return courses, problems

    def import_document(self, document: Any, source: str = "") -> ImportResult:
        """Store the patient and every session of `document`, all or nothing.

        Signed sessions (signatures and addenda made elsewhere) are imported by an
        administrator only: each keeps its signer and digest, is marked imported (from
        `source`, when, by whom) and is recorded by an audit entry of its own.

        Raises InvalidDocument (every problem, nothing written), PermissionDenied (signed
        sessions, not an administrator) or DuplicatePatientNumber when the patient number
        is already in use.
        """
        records, problems = self.check_document(document)
        if records is None:
            raise InvalidDocument(problems)
        patient, courses, sessions = records
        signed = sum(1 for s in sessions if s.signature is not None)
        if signed:
            try:
                self._require_admin()
            except PermissionDenied:
                raise PermissionDenied(
                    f"Only an administrator may import signed sessions ({signed} in this "
                    "document): a signature names the practitioner who signed, and the "
                    "administrator who imports it answers for where it came from. Nothing "
                    "was imported.") from None
        now = self._clock()
        provenance = ImportProvenance(source.strip() or "an unnamed document",
                                      now.replace(microsecond=0), self._actor.name)
        with self._uow() as uow:
            if uow.patients.id_for_number(patient.number) is not None:
                raise DuplicatePatientNumber(
                    f"Patient number {patient.number} is already used by another patient; "
                    "nothing was imported.")
            patient_id = uow.patients.add(patient, now)
            for course in courses:  # numbered 1, 2, ... as in the document
                uow.courses.save(patient_id, dataclasses.replace(course, number=0))
            for session in sessions:
                session_id = uow.sessions.add(patient_id, session, now)
                # A signed record keeps its signature and addenda, so it stays provable;
                # each is marked imported and recorded by an audit entry it names.
                if session.signature is not None:
                    signature = dataclasses.replace(session.signature, imported=provenance)
                    entry = self._audit(uow, Action.SIGNATURE_IMPORTED, patient_id=patient_id,
                                        session_id=session_id, **signature_details(signature))
                    uow.signing.sign(session_id, signature, entry.id)
                for addendum in session.addenda:
                    entry = self._audit(uow, Action.ADDENDUM_ADDED, patient_id=patient_id,
                                        session_id=session_id, reason=addendum.reason,
                                        content=addendum_hash(session_id, addendum),
                                        imported_from=provenance.source)
                    uow.signing.add_addendum(session_id, addendum, entry.id)
            self._audit(uow, Action.IMPORTED, patient_id=patient_id, sessions=len(sessions),
                        signatures=signed, source=provenance.source)
            uow.commit()
        return ImportResult(dataclasses.replace(patient, id=patient_id), len(sessions),
                            [p for p in problems if not p.is_error])


def _signature_problems(path: str, patient: Patient | None, session: TreatmentSession
                        ) -> list[Problem]:
    """A signed session must still match its digest; a signature implies status signed."""
    signature = session.signature
    if signature is None:
        if session.status is SessionStatus.SIGNED or session.addenda:
            return [Problem(f"{path}.signature", "is required for a signed session (status "
                                                 "signed or addenda present).")]
        return []
    if session.status is not SessionStatus.SIGNED:
        return [Problem(f"{path}.status", "must be 'signed' for a session with a signature.")]
    if signature.rule not in DIGEST_RULES:
        allowed = ", ".join(str(r) for r in DIGEST_RULES)
        return [Problem(f"{path}.signature.rule", f"must be one of: {allowed}; got "
                        f"{signature.rule!r}.")]
    if patient is not None and not signature_holds(patient.number, session):
        return [Problem(f"{path}.signature.digest", "does not match the session: the record "
                        "was changed after it was signed.")]
    return []


def _exported(session: TreatmentSession) -> dict:
    """`session` as a document record. Where this database got an imported signature is
    its own history, not the record's: the importing database records its own."""
    plain = to_plain(session)
    if plain.get("signature"):
        plain["signature"].pop("imported", None)
    return plain


def _prefixed(root: str, problems: list[Problem]) -> list[Problem]:
    """Validation paths (`needling.zones[0].depth_mm`) as JSON paths under `root`."""
    return [Problem(f"{root}.{p.path}", p.message, p.severity) for p in problems]


def _envelope_problems(document: Any) -> tuple[list[Problem], bool]:
    """Problems with the document's top level, and whether its records can be read on."""
    if not isinstance(document, dict):
        return [Problem("$", "The document must be a JSON object with the keys "
                             f"{', '.join(_TOP_LEVEL_KEYS)}.")], False
    problems = []
    if "format" in document and document["format"] != FORMAT:
        problems.append(Problem(
            "$.format", f"must be {FORMAT!r}; got {shown(document['format'])}. "
            "This file is not a practitioner-app patient export."))
    version = document.get("version")
    if "version" in document and (isinstance(version, bool) or version not in SUPPORTED_VERSIONS):
        *earlier, last = (str(v) for v in SUPPORTED_VERSIONS)
        supported = f"{', '.join(earlier)} or {last}" if earlier else last
        problems.append(Problem(
            "$.version", f"must be {supported}; got {shown(version)}. This program reads version "
                         f"{supported} documents; a newer version of the app may have written "
                         "this one."))
    problems += [Problem(f"$.{key}", "is required.")
                 for key in _TOP_LEVEL_KEYS if key not in document]
    if not isinstance(document.get("sessions", []), list):
        problems.append(Problem("$.sessions", "must be a list."))
    readable = not problems
    problems += [Problem(f"$.{key}", "is not a known field.")
                 for key in document if key not in _TOP_LEVEL_KEYS + _OPTIONAL_KEYS]
    return problems, readable
