"""Audit: the admin endpoint that reads the security log (always present).

Any module records events through `app.core.audit.record`, in the request's
transaction. Endpoint: `GET /api/v1/audit-events` (permission `audit_events:read`).
"""
