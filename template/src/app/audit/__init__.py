"""Audit: the log of security events, and the admin endpoint to read it (always present).

Services record events in the request's transaction, so an event is stored
exactly when what it describes is. Endpoint: `GET /api/v1/audit-events` (admin).
"""
