"""What placeholders (`:name`) and `param_match(column, :name)` become in the SQL: bound
parameter values for a run (as sqlglot literals, never spliced text), Liquid for LookML."""

from __future__ import annotations

import copy

from sqlglot import exp


class Binder:
    """Decides what each placeholder and each param_match becomes."""

    def value(self, name: str) -> exp.Expression:
        raise NotImplementedError

    def match(self, column: exp.Expression, name: str, dialect: str) -> exp.Expression:
        raise NotImplementedError


class ValueBinder(Binder):
    """Binds validated parameter values as SQL literals (never as spliced text)."""

    def __init__(self, values: dict) -> None:
        self.values = values

    def value(self, name: str) -> exp.Expression:
        if name not in self.values:
            raise KeyError(f"no value bound for parameter {name!r}")
        return literal(self.values[name])

    def match(self, column: exp.Expression, name: str, dialect: str) -> exp.Expression:
        value = self.values.get(name)
        return exp.true() if value is None else exp.EQ(this=column, expression=literal(value))


def literal(value) -> exp.Expression:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, int | float):
        return exp.Literal.number(value)
    return exp.Literal.string(str(value))


def match_calls(tree: exp.Expression) -> list[exp.Anonymous]:
    return [a for a in tree.find_all(exp.Anonymous) if a.name.lower() == "param_match"]


def match_param(call: exp.Anonymous) -> str:
    _column, placeholder = call.expressions
    if not isinstance(placeholder, exp.Placeholder):
        raise ValueError(f"param_match needs a :placeholder, got {placeholder.sql()}")
    return placeholder.name


def bind(tree: exp.Expression, binder: Binder, dialect: str) -> exp.Expression:
    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and node.name.lower() == "param_match":
            column = copy.deepcopy(node.expressions[0])
            return binder.match(column, match_param(node), dialect)
        if isinstance(node, exp.Placeholder):
            return binder.value(node.name)
        return node

    return tree.transform(bind)
