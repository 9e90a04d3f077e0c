"""`field__in_array=[...]`: membership in a list passed as one array parameter on PostgreSQL.

`field__in=[...]` with thousands of ids makes PostgreSQL plan a statement with thousands of literals (tens of
milliseconds of planning), and so does `ARRAY[1, 2, ...]`; one text literal cast to an array, `'{1,2,...}'`, is
read as a single constant. Other databases get a plain IN.
"""

from django.db.models import ForeignKey, Lookup


class Ids:
    """The ids for `__in_array`. Not iterable on purpose: Django checks every element of a list or set given
    to a relation lookup, which for thousands of ids costs more than the query."""

    __slots__ = ("values", "_literal")

    def __init__(self, values):
        self.values = sorted(values)
        self._literal = None

    @property
    def literal(self) -> str:
        """`{1,2,...}`, built once however many queries use the ids."""
        if self._literal is None:
            self._literal = "{" + ",".join(str(int(v)) for v in self.values) + "}"
        return self._literal


@ForeignKey.register_lookup
class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = self.rhs.values
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, self.rhs.literal]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
