"""Casbin: policy authorization that changes at run time (optional module `casbin`).

It provides the service's `Authorizer`: every route keeps asking
`require_permission(obj, action)` (or `authorize(...)` with an owner), and the
answer comes from Casbin policies kept in the database (`model.conf`: roles with
inheritance, plus an ownership rule). Admins edit them under `/api/v1/authz/policies`
and `/api/v1/authz/roles` (permissions `authz:read`, `authz:manage`); a change
applies to the next request in this process and within
`CASBIN_POLICY_CHECK_INTERVAL_MS` in every other one. Its tables have their own
migration branch, `casbin`, which seeds the default policies.

To remove it, delete this folder, `tests/casbin/`, its line in `app/modules.py`,
and add a migration that drops the `casbin_*` tables: the role checks of core
apply again.
"""
