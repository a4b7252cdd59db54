"""The company's auto-build weights: a page for people who manage settings (reached from the
auto-build page), whole numbers from 0 to a maximum, "restore defaults" after a confirmation,
every change in the activity log, and the weights the solver reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from planning import services
from planning.demand import Horizon, build_input
from planning.models import WEIGHT_NAMES, PlanningSettings
from planning.product.problem import WEIGHT_MAXIMA, Weights
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota

pytestmark = pytest.mark.django_db


def _url(rota: Rota, tail: str = "settings/") -> str:
    return f"/{rota.slug}/planning/{tail}"


def _form(**changes: Any) -> dict[str, Any]:
    defaults = Weights()
    return {**{name: getattr(defaults, name) for name in WEIGHT_NAMES}, **changes}


def _stored(rota: Rota) -> PlanningSettings | None:
    with tenant_context(rota.tenant):
        return PlanningSettings.objects.first()


def _entries(rota: Rota) -> list[AuditEntry]:
    with tenant_context(rota.tenant):
        return list(AuditEntry.objects.filter(object_repr="Planning settings").order_by("sequence"))


def test_save_weights_audited_and_read_by_the_build() -> None:
    rota = Rota(people=1)
    client = rota.client(rota.admin)
    page = client.get(_url(rota, "autobuild/")).content.decode()
    assert f'href="{_url(rota)}"' in page  # reached from the auto-build page
    html = client.get(_url(rota)).content.decode()
    assert 'name="weekend_fairness"' in html and "Default: 10" in html
    response = client.post(_url(rota), _form(weekend_fairness=40, cost=0, short=5000))
    assert response.status_code == 302
    stored = _stored(rota)
    assert stored is not None and (stored.weekend_fairness, stored.cost, stored.short) == (
        40, 0, 5000,
    )  # fmt: skip
    assert _entries(rota), "the change is in the activity log"
    with tenant_context(rota.tenant):
        inp = build_input(rota.tenant, Horizon(rota.site, MONDAY, 1), fill_open=True)
    assert inp.weights == Weights(weekend_fairness=40, cost=0, short=5000)


@pytest.mark.parametrize(
    "bad",
    [{"wish": -1}, {"wish": "a lot"}, {"wish": ""}, {"short": WEIGHT_MAXIMA["short"] + 1},
     {"continuity": 2.5}],
)  # fmt: skip
def test_bad_weights_are_refused_and_nothing_changes(bad: dict[str, Any]) -> None:
    rota = Rota(people=1)
    client = rota.client(rota.admin)
    client.post(_url(rota), _form(wish=33))
    before = len(_entries(rota))
    response = client.post(_url(rota), _form(**bad))
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    stored = _stored(rota)
    assert stored is not None and stored.wish == 33
    assert len(_entries(rota)) == before


def test_restore_defaults_asks_first_then_restores() -> None:
    rota = Rota(people=1)
    client = rota.client(rota.admin)
    client.post(_url(rota), _form(wish=3, night_fairness=99))
    asked = client.post(_url(rota), {"action": "restore"})
    assert asked.status_code == 200
    assert "Restore the default weights?" in asked.content.decode()
    stored = _stored(rota)
    assert stored is not None and stored.night_fairness == 99  # nothing yet
    done = client.post(_url(rota), {"action": "restore", "confirm": "1"})
    assert done.status_code == 302
    stored = _stored(rota)
    assert stored is not None and stored.weights() == Weights()


def test_only_people_who_manage_settings_may_tune() -> None:
    rota = Rota(people=1)
    assert rota.client(rota.manager).get(_url(rota)).status_code == 403
    assert rota.client(rota.people[0]).get(_url(rota)).status_code == 403
    assert rota.client(rota.manager).post(_url(rota), _form(wish=1)).status_code == 403
    assert _stored(rota) is None
    # A manager does not see the link.
    page = rota.client(rota.manager).get(_url(rota, "autobuild/")).content.decode()
    assert f'href="{_url(rota)}"' not in page


def test_the_service_refuses_unknown_and_out_of_range_weights() -> None:
    rota = Rota(people=1)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.planning_settings_save(tenant=rota.tenant, actor=rota.admin, values={"x": 1})
    with pytest.raises(ValidationError):
        services.planning_settings_save(tenant=rota.tenant, actor=rota.admin,
                                        values={"cost": WEIGHT_MAXIMA["cost"] + 1})  # fmt: skip
    assert _stored(rota) is None


@pytest.mark.postgres
def test_the_weights_page_query_budget_is_exact() -> None:
    rota = Rota(people=1)
    client = rota.client(rota.admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(_url(rota))
        assert response.status_code == 200
        return len(context)

    before = count()  # no row yet: the defaults
    client.post(_url(rota), _form(wish=4))
    assert [before, count()] == [SETTINGS_BUDGET] * 2


# 6 for any tenant page, and the company's row of weights.
SETTINGS_BUDGET = 7
