"""`ontrack report`: service analytics on a canonical dataset (JSON, HTML, CSV)."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from ontrack.cli import UsageError

EPILOG = """\
examples:
  ontrack report data/ --json                  every measure as one JSON object
  ontrack report data/ --html report.html      a self-contained page with charts
  ontrack report data/ --csv tables/           every table as CSV
  ontrack report data/ --from 2024-04-01 --to 2025-03-31 --publication --html pub.html
  ontrack report data/ --engine spark --json   the same measures on PySpark

Rates are fractions 0-1. by_imd_decile is keyed "1" (most deprived) to "10" (least
deprived); NHS publications label decile 1 "10 Most deprived". --publication withholds
counts below 5 and rounds the rest to the nearest 5 (NHS England's rule). Definitions and
sources: docs/analytics.md.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report",
        help="NHS Talking Therapies key measures, funnel, equity and therapist effects",
        description=(
            "Compute the NHS Talking Therapies key measures, the intention-to-treat funnel, "
            "every measure by deprivation, ethnicity, age, gender, problem, therapy, step, "
            "therapist and month, therapist effects and alert response for a canonical "
            "dataset (a directory of <table>.parquet or <table>.csv)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", metavar="DATASET", help="dataset directory")
    parser.add_argument("--json", action="store_true", help="print every measure as JSON")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument("--csv", metavar="DIR", help="write every table as CSV into DIR")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "spark", "postgres"),
        default="duckdb",
        help="query engine (default duckdb; spark runs PySpark in local mode, or on the "
        "cluster named by --spark-master)",
    )
    parser.add_argument(
        "--spark-master",
        metavar="URL",
        help="Spark master for --engine spark, e.g. spark://host:7077 (default local mode, "
        "or $ONTRACK_SPARK_MASTER)",
    )
    parser.add_argument("--from", dest="start", metavar="DATE", help="period start, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", metavar="DATE", help="period end, YYYY-MM-DD")
    parser.add_argument(
        "--publication",
        action="store_true",
        help="apply small-number suppression to every output (for publication)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="run every dataset check first (keys, references, dates, scores); slower",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "ONTRACK_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="PostgreSQL to load the dataset into for --engine postgres "
        "(default $ONTRACK_POSTGRES_URL or the local server)",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help="DuckDB memory limit, e.g. 4GB (larger data spills to disk)",
    )
    parser.set_defaults(handler=run)


def _spark(args: argparse.Namespace) -> Any:
    """The Spark session on the cluster of --spark-master, or None (the engine's default)."""
    if args.spark_master is None:
        return None
    if args.engine != "spark":
        raise UsageError("--spark-master needs --engine spark")
    url = args.spark_master
    if not url.startswith(("spark://", "local", "yarn", "k8s://")):
        raise UsageError(
            f"--spark-master {url!r}: expected a Spark master URL such as spark://host:7077"
        )
    from ontrack.analytics import spark_session
    from ontrack.extras import MissingExtraError

    try:
        return spark_session(master=url)
    except MissingExtraError as error:
        raise UsageError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    """Run ``ontrack report``."""
    from ontrack.analytics import Period, build_report, open_dataset
    from ontrack.analytics.html import render_html
    from ontrack.dataset import DatasetError, validate
    from ontrack.extras import MissingExtraError

    period = Period(_date(args.start, "--from"), _date(args.end, "--to"))
    if period.start and period.end and period.start > period.end:
        raise UsageError(f"--from {period.start} is after --to {period.end}")
    if args.memory_limit is not None:
        from ontrack.analytics.engines import check_memory_limit

        try:
            args.memory_limit = check_memory_limit(args.memory_limit)
        except ValueError as error:
            raise UsageError(f"--memory-limit {error}") from None
    spark = _spark(args)
    html_target = _check_target(args.html, "--html")
    csv_target = _check_target(args.csv, "--csv")
    try:
        if args.validate and (problems := validate(args.dataset)):
            raise DatasetError(problems)
        with open_dataset(
            args.dataset,
            args.engine,
            spark=spark,
            postgres_url=args.postgres_url,
            memory_limit=args.memory_limit,
        ) as engine:
            report = build_report(engine, period=period)
    except DatasetError as error:
        raise UsageError(_problems(error)) from None
    except MissingExtraError as error:
        raise UsageError(str(error)) from None
    except _connection_errors() as error:
        raise UsageError(f"cannot use the {args.engine} engine: {error}") from None
    data = report.to_dict(publication=args.publication)
    if html_target is not None:
        _write_atomically(html_target, render_html(data))
    if csv_target is not None:
        _write_csv_dir(csv_target, report.tables(publication=args.publication))
    if args.json:
        # Indented for a person at a terminal, compact for a program: a national report is
        # about 22 MB, and Python's encoder indents in pure Python (1.1 s against 0.4 s).
        indent = 2 if sys.stdout.isatty() else None
        sys.stdout.write(json.dumps(data, indent=indent, default=_json_default))
        sys.stdout.write("\n")
    elif html_target is None and csv_target is None:
        _print_summary(data)
    return 0


def _date(text: str | None, flag: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag} {text!r} is not a date (use YYYY-MM-DD)") from None


def _check_target(path: str | None, flag: str) -> Path | None:
    if path is None:
        return None
    target = Path(path)
    if not target.parent.exists():
        raise UsageError(f"{flag} {path}: directory {target.parent} does not exist")
    if flag == "--html" and target.is_dir():
        raise UsageError(f"--html {path} is a directory; give a file name")
    if flag == "--csv" and target.exists() and not target.is_dir():
        raise UsageError(f"--csv {path} exists and is not a directory")
    return target


def _problems(error: Exception) -> str:
    problems = getattr(error, "problems", [])
    if not problems:
        return str(error)
    shown = "; ".join(str(p) for p in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"bad dataset: {shown}{more}"


def _connection_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError]
    try:
        import psycopg

        errors.append(psycopg.OperationalError)
    except ImportError:  # psycopg is the optional 'postgres' extra
        pass
    return tuple(errors)


def _write_atomically(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_csv_dir(target: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for name, rows in tables.items():
            columns: list[str] = []
            for row in rows:
                columns += [k for k in row if k not in columns]
            with (staging / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        if target.exists():
            for file in staging.iterdir():
                os.replace(file, target / file.name)
            shutil.rmtree(staging)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _print_summary(data: dict[str, Any]) -> None:
    def pct(value: Any) -> str:
        return "-" if value is None else f"{100 * value:.1f}%"

    lines = [
        f"Service report, {data['period']['label']} ({data['engine']})",
        f"  referrals received          {data['referrals']}",
        f"  entered treatment           {data['entered_treatment']}",
        f"  finished a course           {data['finished_course']}",
        f"  recovery rate               {pct(data['recovery_rate'])}",
        f"  reliable recovery rate      {pct(data['reliable_recovery_rate'])}",
        f"  reliable improvement rate   {pct(data['reliable_improvement_rate'])}",
        f"  reliable deterioration rate {pct(data['reliable_deterioration_rate'])}",
        f"  recovered of all referred   {pct(data['itt_recovery_rate'])}",
        f"  first treatment in 6 weeks  {pct(data['waited_6_weeks_rate'])}",
        f"  first treatment in 18 weeks {pct(data['waited_18_weeks_rate'])}",
        f"  ended after one treatment   {pct(data['ended_after_one_treatment_rate'])}",
        f"  DNA rate                    {pct(data['dna_rate'])}",
        "Use --json, --html FILE or --csv DIR for every measure and breakdown.",
    ]
    print("\n".join(lines))
