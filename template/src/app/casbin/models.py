"""The module's tables: Casbin's rules, the policy version, the grants already seeded."""

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

# The one row of `casbin_policy_version`.
VERSION_ROW_ID = 1


class CasbinRule(SQLModel, table=True):
    """One policy line (`p, role, obj, act, scope`) or role assignment (`g, member, role`).

    The column set is the one `casbin-async-sqlalchemy-adapter` reads and writes; it is
    declared here, with the app's tables, so that migrations and `db check` know it.
    """

    __tablename__ = "casbin_rule"

    id: int | None = Field(default=None, primary_key=True)
    ptype: str = Field(max_length=255)
    v0: str | None = Field(default=None, max_length=255)
    v1: str | None = Field(default=None, max_length=255)
    v2: str | None = Field(default=None, max_length=255)
    v3: str | None = Field(default=None, max_length=255)
    v4: str | None = Field(default=None, max_length=255)
    v5: str | None = Field(default=None, max_length=255)

    def __str__(self) -> str:
        """The rule as a line of Casbin's policy text, which the adapter parses."""
        values = (self.v0, self.v1, self.v2, self.v3, self.v4, self.v5)
        present = [value for value in values if value is not None]
        return ", ".join([self.ptype, *present])


class PolicyVersion(SQLModel, table=True):
    """A counter raised by every policy change, so each process knows when to reload."""

    __tablename__ = "casbin_policy_version"

    id: int = Field(primary_key=True)
    version: int = Field(sa_type=BigInteger)


class SeededPermission(SQLModel, table=True):
    """A permission whose declared default grants were written once as policies.

    Seeding each permission once means a grant an admin revoked stays revoked after
    a restart, while a module turned on later still gets its defaults.
    """

    __tablename__ = "casbin_seeded_permissions"

    name: str = Field(primary_key=True, max_length=255)
