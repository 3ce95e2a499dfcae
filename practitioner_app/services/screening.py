"""The clinic's contraindication screen rules, edited by an administrator."""

from __future__ import annotations

from ..domain import guidance as g
from ..domain.audit import Action
from ..domain.errors import Problem, ValidationError
from ..domain.screening import ContraindicationRule, ScreenAnswer, answers_for
from .base import Service


class ScreenService(Service):
    def rules(self) -> tuple[ContraindicationRule, ...]:
        with self._uow() as uow:
            return uow.rules.all()

    def new_screen(self) -> tuple[ScreenAnswer, ...]:
        """The questions for a new visit: the active rules, unanswered."""
        return answers_for(self.rules())

    def save_rules(self, rules: tuple[ContraindicationRule, ...]) -> None:
        """Replace the screen (administrators only). Past sessions keep their wording."""
        self._require_admin()
        problems = []
        for i, rule in enumerate(rules):
            if not rule.item.strip():
                problems.append(Problem(f"rules[{i}].item", f"Rule {i + 1}: the item is "
                                                            "required."))
            if len(rule.item) > g.SHORT_TEXT_MAX or len(rule.window) > 50:
                problems.append(Problem(f"rules[{i}].item", f"Rule {i + 1}: item at most "
                                        f"{g.SHORT_TEXT_MAX} characters, window at most 50."))
        if problems:
            raise ValidationError(problems)
        with self._uow() as uow:
            old = [(r.item, r.severity.value, r.window, r.active) for r in uow.rules.all()]
            uow.rules.replace_all(rules)
            self._audit(uow, Action.RULES_CHANGED, old=old,
                        new=[(r.item, r.severity.value, r.window, r.active) for r in rules])
            uow.commit()
