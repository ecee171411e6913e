"""Health: liveness and readiness probes, and the API's status (always present)."""
