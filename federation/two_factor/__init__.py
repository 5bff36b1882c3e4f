"""Two-factor sign-in with a one-time code (TOTP, django-otp) for the roles of
`settings.TWO_FACTOR_ROLES` and superusers (README "Security").

`policy` says who needs it, `middleware` holds a signed-in but unverified session on the
two-factor pages (and refuses it on the API), `views` and `forms` are those pages, `services`
enrolls and resets a user's devices.
"""
