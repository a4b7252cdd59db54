"""`make run`'s demo: preparing and seeding the embedded (SQLite) database works, shows its
progress, holds what the README promises, and a second run changes nothing. The clock is pinned
(a Wednesday noon) in every process, so a run that crosses midnight or a week's end cannot
change what is counted."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-07-15T11:00:00+00:00"  # a Wednesday, noon in London
# manage.py with `timezone.now()` standing still at argv[1].
PINNED = (
    "import datetime, os, sys; from unittest import mock; "
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'parim.settings'); "
    "mock.patch('django.utils.timezone.now', "
    "return_value=datetime.datetime.fromisoformat(sys.argv[1])).start(); "
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', *sys.argv[2:]])"
)


def _manage(db: Path, *args: str) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_OWNER_URL", "REDIS_URL"}
    } | {
        "DATABASE_URL": f"sqlite:///{db}", "DEBUG": "false", "HTTPS": "false",
        "SECRET_KEY": "demo-test-secret-key-0123456789-0123456789-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }  # fmt: skip
    done = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "-c", PINNED, NOW, *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_demo_seeds_the_embedded_database_once(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    first = _manage(db, "seed_demo", "--prepare")
    # Progress a newcomer sees move, then the sign-ins.
    assert re.search(r"^Preparing the database… (\d+)/\1 migrations \(\d+ s\)$", first, re.M)
    assert "Loading the demo: Acme Care Homes… 30 people," in first
    assert "Loading the demo: Globex Security… 8 people," in first
    assert "employee@acme.test    employee  Acme Care Homes" in first
    assert "rota-demo-2026" in first
    again = _manage(db, "seed_demo", "--prepare", "--no-sign-ins")
    assert "Preparing the database… up to date" in again
    assert "Loading the demo: Acme Care Homes… already there" in again
    assert again.rstrip().endswith("Demo data ready (0 new records).")
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT u.email, r.status FROM gdpr_erasurerequest r "
            "JOIN tenancy_membership m ON m.id = r.membership_id "
            "JOIN accounts_user u ON u.id = m.user_id"
        ).fetchall()
        assert rows == [("ella@acme.test", "pending")]
        shifts = connection.execute("SELECT count(*) FROM scheduling_shift").fetchone()[0]
        assert shifts > 100
        leave = connection.execute(
            "SELECT r.status, count(*) FROM scheduling_leaverequest r GROUP BY r.status "
            "ORDER BY r.status"
        ).fetchall()
        assert leave == [("approved", 2), ("pending", 4)]  # per company: 1 approved, 2 waiting
        availability = connection.execute("SELECT count(*) FROM scheduling_availability")
        assert availability.fetchone()[0] == 4
        waiting = connection.execute(
            "SELECT (SELECT count(*) FROM scheduling_shiftclaim WHERE status = 'pending'), "
            "(SELECT count(*) FROM scheduling_shiftswap s JOIN tenancy_tenant t ON t.id = "
            "s.tenant_id WHERE s.status = 'accepted' AND t.slug = 'acme'), "
            "(SELECT count(*) FROM scheduling_message), "
            "(SELECT count(*) FROM scheduling_weektemplate)"
        ).fetchone()
        # Per company: a claim, a message and a template; and at acme (whose rota has two
        # people of each kind of shift to exchange) a swap.
        assert waiting == (2, 1, 2, 2), waiting
    _the_rotas_are_as_the_readme_says(db)
    _the_pages_answer_on_the_embedded_database(db)


WEEK_SUMMARY = """
import json
import zoneinfo
from scheduling.models import Site, WorkProfile
from scheduling.rota.selectors import week_shifts
from scheduling.rules.checks import violations_for
from scheduling.time import local_date, today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Tenant
summary = {}
for tenant in Tenant.objects.filter(slug__in=["acme", "globex"]):
    with tenant_context(tenant):
        week = week_start_of(today_in(tenant))
        sites = list(Site.objects.all())
        zones = {site.pk: zoneinfo.ZoneInfo(site.time_zone) for site in sites}
        shifts = [
            shift for shift in week_shifts(tenant, week, list(zones))
            if 0 <= (local_date(shift, zones) - week).days < 7
        ]
        found = violations_for(tenant, shifts)
        summary[tenant.slug] = {
            "sites": len(sites),
            "workers": WorkProfile.objects.filter(sites__isnull=False).distinct().count(),
            "shifts": len(shifts),
            "open": sum(1 for shift in shifts if shift.membership_id is None),
            "drafts": sum(1 for shift in shifts if shift.status == "draft"),
            "hard_breaks": sorted({v.code for vs in found.values() for v in vs if v.hard}),
        }
print(json.dumps(summary))
"""


def _the_rotas_are_as_the_readme_says(db: Path) -> None:
    """This week at acme: 3 sites, about 25 employees, about 150 shifts, drafts with a few rule
    breaks to see; a smaller week at globex."""
    summary = json.loads(_manage(db, "shell", "-c", WEEK_SUMMARY).strip().splitlines()[-1])
    acme, globex = summary["acme"], summary["globex"]
    assert acme["sites"] == 3
    assert 24 <= acme["workers"] <= 30
    assert 120 <= acme["shifts"] <= 180
    assert acme["open"] >= 1
    assert acme["drafts"] >= 1
    assert {"overlap", "rest"} <= set(acme["hard_breaks"])
    assert 1 <= globex["sites"] < acme["sites"]
    assert 0 < globex["shifts"] < acme["shifts"] / 2


PAGES = """
import json
import uuid
from django.test import Client
from accounts.identity import account_lookup
from accounts.models import User
with account_lookup("manager@acme.test"):
    manager = User.objects.get(email="manager@acme.test")
client = Client(HTTP_HOST="localhost")
client.force_login(manager)
answers = {url: client.get(url).status_code
           for url in ("/acme/", "/acme/rota/", "/acme/sites/", "/acme/my-shifts/")}
answers["another company"] = client.get("/globex/sites/").status_code
with account_lookup("auditor@acme.test"):
    auditor = User.objects.get(email="auditor@acme.test")
client.force_login(auditor)
answers["/acme/audit/"] = client.get("/acme/audit/").status_code
# The audit log names people by their ids' text, which SQLite stores without dashes.
from audit.sentences import people_of
from tenancy.context import tenant_context
from tenancy.models import Tenant
acme = Tenant.objects.get(slug="acme")
with tenant_context(acme):
    people = people_of(acme)
answers["people's ids as str(uuid) writes them"] = len(people) > 20 and all(
    str(uuid.UUID(p.membership_id)) == p.membership_id == p.membership_id.lower()
    and str(uuid.UUID(p.user_id)) == p.user_id for p in people)
print(json.dumps(answers))
"""


def _the_pages_answer_on_the_embedded_database(db: Path) -> None:
    """The tenant pages work on SQLite too (the statements of the page, the rota and the audit
    log are prepared for PostgreSQL only: tenancy/prepared.py), and another company is still a
    404 there."""
    answers = json.loads(_manage(db, "shell", "-c", PAGES).strip().splitlines()[-1])
    assert answers == {
        "/acme/": 200, "/acme/rota/": 200, "/acme/sites/": 200, "/acme/my-shifts/": 200,
        "another company": 404, "/acme/audit/": 200,
        "people's ids as str(uuid) writes them": True,
    }  # fmt: skip
