"""Schemathesis hooks for the anonymous run of tests/fuzz/run_api_fuzz.py (SCHEMATHESIS_HOOKS).

`anonymous_is_refused`: without credentials, every API operation answers 401, whatever it is sent.
"""

import schemathesis


@schemathesis.check
def anonymous_is_refused(ctx, response, case):
    if response.status_code != 401:
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered {response.status_code} without credentials, not 401"
        )
    return None
