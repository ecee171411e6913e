"""Auth: local sign-in, JWT access tokens, rotating refresh tokens, sessions (always present).

Endpoints under `/api/v1/auth`. Settings: `SECRET_KEY`, `ACCESS_TOKEN_EXPIRE_MINUTES`,
`REFRESH_TOKEN_EXPIRE_DAYS`, `JWT_ISSUER`, `JWT_AUDIENCE`.
"""
