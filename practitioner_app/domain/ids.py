"""Typed ids, so a patient id cannot be passed where a session id is meant."""

from typing import NewType

PatientId = NewType("PatientId", int)
SessionId = NewType("SessionId", int)
