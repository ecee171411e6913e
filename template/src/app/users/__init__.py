"""Users: accounts, profiles and roles (always present).

Endpoints under `/api/v1/users`; admins manage everyone, users themselves.
"""
