"""What the fuzzer must know about the operations: by operation id, never by a pattern.

Each table names the module that serves the operation; the test asserts that every named
operation of an enabled module is in the schema, so a renamed route fails the run instead
of being fuzzed as the wrong user (a logout left in would end the fuzzer's own session).
"""

# End the caller's session or account (or can: `DELETE /users/me`): never fuzzed with the
# user or admin token the other operations use; they run last, each case as a new user.
ENDS_SESSION = {
    "logout_api_v1_auth_logout_post": "auth",
    "logout_all_api_v1_auth_logout_all_post": "auth",
    "delete_session_api_v1_auth_sessions__session_id__delete": "auth",
    "change_password_api_v1_users_me_password_post": "auth",
    "delete_user_api_v1_users__user_id__delete": "users",
}

# What an admin can do to every admin at once: the policies and roles that make one (it
# cannot demote or deactivate itself through `me`; deleting itself is in ENDS_SESSION).
ENDS_ADMIN = {
    "remove_policy_api_v1_authz_policies_delete": "casbin",
    "unassign_role_api_v1_authz_roles_delete": "casbin",
}

# Statuses a schema-valid request may get besides 2xx, 401, 403, 404, 409 and 429: rules
# that no JSON Schema can say. A password the policy refuses (common, or containing the
# email) is 422 WEAK_PASSWORD; a token the fuzzer made up is 400 TOKEN_INVALID; an account
# that too many wrong passwords locked is 423 ACCOUNT_LOCKED.
WEAK_PASSWORD, TOKEN_INVALID, ACCOUNT_LOCKED = 422, 400, 423
EXPECTED_REJECTIONS = {
    "register_api_v1_auth_register_post": [WEAK_PASSWORD],
    "create_user_api_v1_users__post": [WEAK_PASSWORD],
    "reset_password_api_v1_auth_reset_password_post": [TOKEN_INVALID, WEAK_PASSWORD],
    "verify_email_api_v1_auth_verify_email_post": [TOKEN_INVALID],
    "change_password_api_v1_users_me_password_post": [WEAK_PASSWORD, ACCOUNT_LOCKED],
    "login_api_v1_auth_login_post": [ACCOUNT_LOCKED],
    "token_api_v1_auth_token_post": [ACCOUNT_LOCKED],
    "update_user_api_v1_users__user_id__patch": [ACCOUNT_LOCKED],
    "replace_user_api_v1_users__user_id__put": [ACCOUNT_LOCKED],
}
