"""The same Ibis expressions on PySpark (local mode) and PostgreSQL give the reference's
answers on generated datasets. Example counts are modest: Spark is slow per query."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from tests.conftest import examples

from ontrack.analytics import Period, build_report, open_tables
from ontrack.analytics.reference import reference_report
from ontrack.analytics.spec import datasets, report_differences

pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

PERIOD = Period(dt.date(2024, 4, 15), dt.date(2024, 6, 30))
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}


@pytest.mark.spark
@settings(max_examples=examples(5), **SETTINGS)
@given(tables=datasets(max_referrals=6))
def test_spark_matches_reference_on_generated_datasets(spark, tables):
    with open_tables(tables, "spark", spark=spark) as engine:
        whole, part = build_report(engine), build_report(engine, period=PERIOD)

    assert report_differences(whole, reference_report(tables)) == []
    assert report_differences(part, reference_report(tables, PERIOD)) == []


@pytest.mark.postgres
@pytest.mark.slow  # a schema, a copy and two reports per example on the server
@settings(max_examples=examples(10), **SETTINGS)
@given(tables=datasets())
def test_postgres_matches_reference_on_generated_datasets(postgres_database, tables):
    with open_tables(tables, "postgres", postgres_url=postgres_database) as engine:
        whole, part = build_report(engine), build_report(engine, period=PERIOD)

    assert report_differences(whole, reference_report(tables)) == []
    assert report_differences(part, reference_report(tables, PERIOD)) == []
