"""Locust users for the load test (run by bench/load/run.py, which starts the server, signs the
accounts in and writes the plan this file reads from $LOAD_PLAN).

Each user picks a page by weight, requests it with the session of the page's account (the
cookie is set on every request, nothing else is kept between requests), waits, and goes on. A
page counts as failed unless it answers 200: a redirect would be the sign-in or the second
step, meaning the session was not accepted.
"""

import json
import os
import random

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115 (read once at start)
WAIT = PLAN["wait_seconds"]


class Visitor(HttpUser):
    wait_time = between(*WAIT)

    @task
    def page(self):
        page = random.choices(PLAN["pages"], weights=[p["weight"] for p in PLAN["pages"]])[0]
        path = random.choice(page["paths"])
        self.client.cookies.clear()
        cookie = f"{PLAN['cookie_name']}={PLAN['sessions'][page['role']]}"
        with self.client.get(
            path, name=page["name"], headers={"Cookie": cookie}, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
