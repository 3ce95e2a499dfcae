"""What every service is built from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from ..persistence.unit_of_work import UnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]


class Service:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock = datetime.now) -> None:
        self._uow = uow
        self._clock = clock

    def _today(self) -> date:
        return self._clock().date()
