"""Sign in with Google, GitHub or any OpenID Connect provider.

Settings: `OAUTH_REDIRECT_BASE_URL`, `OAUTH_…`, and one `<PROVIDER>_CLIENT_ID` /
`<PROVIDER>_CLIENT_SECRET` pair per provider (`GOOGLE_`, `GITHUB_`, `OIDC_` with
`OIDC_DISCOVERY_URL`); a provider without credentials is off. Tables:
`oauth_accounts` (migration branch `oauth`). To remove the module, take it out of
`app/modules.py`, delete this folder, `tests/oauth/` and `migrations/versions/oauth_*`.
"""
