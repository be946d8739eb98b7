"""Every public function's bad-argument path: a KnockError that is also the builtin it stands
for (ValueError, TypeError: existing callers catch those), naming the argument and, where
there are some, the valid choices.

The table below must cover every public callable; a name added to ``knock_data`` without a
row here fails :func:`test_every_public_callable_has_its_bad_arguments_swept`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib
import pytest

import knock_data as kd
from tests.history_frames import observe, versions_from_observations
from tests.unit.prospect_frames import prospect_frame

matplotlib.use("Agg")

FRAME = prospect_frame(
    [
        {"status": "new", "created_at": "2021-03-01T10:00:00Z"},
        {"status": "visited", "created_at": "2021-03-02T10:00:00Z"},
    ]
)
TMP = Path("/nonexistent-knock-data-dir")
VERSIONS = versions_from_observations(
    observe(
        {"1": [("2021-11-01T00:00:00Z", "new"), ("2021-11-08T00:00:00Z", "open")]},
        created={"1": "2021-10-30T00:00:00Z"},
    )
)

# The package as a caller without a type checker sees it: wrong kinds are the point here.
loose: Any = kd

# What the error must be and say, by the builtin it stands for.
Case = tuple[str, Callable[[], Any], type[Exception], list[str]]


def _sandbox() -> Any:
    """A small sandbox, never started: its clock is all these cases touch."""
    return loose.sandbox.SandboxServer(n_prospects=5)


CASES: list[Case] = [
    # charts: the frame, ax, options by keyword, option values
    ("plot_status", lambda: loose.plot_status([1, 2]), TypeError, ["plot_status", "DataFrame"]),
    ("plot_status", lambda: loose.plot_status(FRAME, ax="W"), TypeError, ["ax", "Axes"]),
    ("plot_status", lambda: loose.plot_status(FRAME, stages=5), ValueError, ["stages"]),
    ("plot_sources", lambda: loose.plot_sources(FRAME, top=0), ValueError, ["top"]),
    ("plot_consent", lambda: loose.plot_consent(FRAME, by="nope"), ValueError, ["by=", "'week'"]),
    ("plot_funnel", lambda: loose.plot_funnel(FRAME, stages={"a": 5}), ValueError, ["stage 'a'"]),
    (
        "plot_leads_over_time",
        lambda: loose.plot_leads_over_time(FRAME, "W"),
        TypeError,
        ["by keyword", "freq", "by", "tz", "top", "title"],
    ),
    (
        "plot_leads_over_time",
        lambda: loose.plot_leads_over_time(FRAME, freq="fortnight"),
        ValueError,
        ["freq 'fortnight'", "'week'", "'month'"],
    ),
    # analysis
    ("status_breakdown", lambda: loose.status_breakdown([1]), TypeError, ["DataFrame"]),
    (
        "status_breakdown",
        lambda: loose.status_breakdown(FRAME, by="week", tz="Mars/Base"),
        ValueError,
        ["time zone", "America/Chicago"],
    ),
    (
        "source_breakdown",
        lambda: loose.source_breakdown(FRAME, by="nope"),
        ValueError,
        ["by=", "'month'"],
    ),
    ("consent_breakdown", lambda: loose.consent_breakdown(FRAME, by=5), ValueError, ["by=5"]),
    (
        "funnel",
        lambda: loose.funnel(FRAME, stages=5),
        ValueError,
        ["stages", "{stage: [status, ...]}"],
    ),
    (
        "leads_over_time",
        lambda: loose.leads_over_time(FRAME, freq="fortnight"),
        ValueError,
        ["freq", "'day'"],
    ),
    ("filter_prospects", lambda: loose.filter_prospects([1]), TypeError, ["DataFrame"]),
    (
        "filter_prospects",
        lambda: loose.filter_prospects(FRAME, statuses="visted"),
        ValueError,
        ["statuses", "'visited'"],
    ),
    (
        "filter_prospects",
        lambda: loose.filter_prospects(FRAME, statuses="toured"),
        ValueError,
        ["funnel stage", "'visited'"],
    ),
    (
        "filter_prospects",
        lambda: loose.filter_prospects(FRAME, created=("2021-13", None)),
        ValueError,
        ["created", "'2021-13'", "'2021-03'"],
    ),
    ("stage_of", lambda: loose.stage_of("new", stages=5), ValueError, ["stages"]),
    ("is_closed", lambda: loose.is_closed(5), TypeError, ["is_closed", "DataFrame", "record"]),
    (
        "is_dormant",
        lambda: loose.is_dormant(FRAME, dormant_after="x"),
        ValueError,
        ["dormant_after", "dormant_after=30"],
    ),
    (
        "lifecycle_state",
        lambda: loose.lifecycle_state(FRAME, now="yesterday"),
        ValueError,
        ["now", "ISO-8601"],
    ),
    # movement: a history's versions, stage dates, moments, windows
    ("stage_dates", lambda: loose.stage_dates([1]), TypeError, ["stage_dates", "DataFrame"]),
    (
        "stage_dates",
        lambda: loose.stage_dates(FRAME),
        ValueError,
        ["versions frame", "valid_from", "history.versions()"],
    ),
    (
        "transitions",
        lambda: loose.transitions(VERSIONS, "2021-11-08", "2021-11-01"),
        ValueError,
        ["start", "is after end"],
    ),
    (
        "transitions",
        lambda: loose.transitions(VERSIONS, "2021-11-01", "2021-11-08", level="stages"),
        ValueError,
        ["level='stages'", "'stage' or 'status'"],
    ),
    (
        "waterfall",
        lambda: loose.waterfall([1], "2021-11-01", "2021-11-08"),
        TypeError,
        ["waterfall", "DataFrame"],
    ),
    (
        "waterfall",
        lambda: loose.waterfall(VERSIONS, "next week", "2021-11-08"),
        ValueError,
        ["start", "ISO-8601"],
    ),
    (
        "cohort_conversion",
        lambda: loose.cohort_conversion(5),
        TypeError,
        ["cohort_conversion", "DataFrame"],
    ),
    (
        "cohort_conversion",
        lambda: loose.cohort_conversion(FRAME, within=30),
        ValueError,
        ["within=", "stage_dates"],
    ),
    (
        "time_to_stage",
        lambda: loose.time_to_stage([1]),
        TypeError,
        ["time_to_stage", "DataFrame"],
    ),
    (
        "time_to_stage",
        lambda: loose.time_to_stage(FRAME, "toured"),
        ValueError,
        ["'toured'", "kd.stage_dates"],
    ),
    ("aging", lambda: loose.aging([1]), TypeError, ["aging", "DataFrame"]),
    (
        "aging",
        lambda: loose.aging(FRAME, buckets=(14, 7)),
        ValueError,
        ["buckets=(14, 7)", "(7, 14, 30, 60)"],
    ),
    (
        "plot_transitions",
        lambda: loose.plot_transitions(VERSIONS, "2021-11-01", "2021-11-08", "status"),
        TypeError,
        ["by keyword", "level"],
    ),
    (
        "plot_waterfall",
        lambda: loose.plot_waterfall([1], "2021-11-01", "2021-11-08"),
        TypeError,
        ["plot_waterfall", "DataFrame"],
    ),
    (
        "plot_cohorts",
        lambda: loose.plot_cohorts(FRAME, within=[7, 30]),
        ValueError,
        ["one window", "within=30"],
    ),
    (
        "plot_time_to_stage",
        lambda: loose.plot_time_to_stage(FRAME, ax="left"),
        TypeError,
        ["ax", "Axes"],
    ),
    ("plot_aging", lambda: loose.plot_aging(FRAME, now="soon"), ValueError, ["now", "ISO-8601"]),
    # comparisons, demand, names, report tables
    (
        "compare_conversion",
        lambda: loose.compare_conversion([1]),
        TypeError,
        ["compare_conversion", "DataFrame"],
    ),
    (
        "compare_conversion",
        lambda: loose.compare_conversion(FRAME, stage="nope"),
        ValueError,
        ["'nope'", "'toured'"],
    ),
    (
        "compare_periods",
        lambda: loose.compare_periods(5),
        TypeError,
        ["compare_periods", "DataFrame"],
    ),
    (
        "compare_periods",
        lambda: loose.compare_periods(FRAME, metric="nope"),
        ValueError,
        ["'nope'", "'leased'"],
    ),
    (
        "demand_breakdown",
        lambda: loose.demand_breakdown(FRAME, "nope"),
        ValueError,
        ["field 'nope'", "'bedrooms'"],
    ),
    (
        "funnel_table",
        lambda: loose.funnel_table(FRAME, by="nope"),
        ValueError,
        ["by='nope'", "'month'"],
    ),
    (
        "plot_comparison",
        lambda: loose.plot_comparison(FRAME, "agent"),
        TypeError,
        ["by keyword", "by, stage"],
    ),
    (
        "plot_demand",
        lambda: loose.plot_demand(FRAME, "budget", "x"),
        TypeError,
        ["the frame, field", "bands"],
    ),
    (
        "plot_demand",
        lambda: loose.plot_demand(FRAME, "nope"),
        ValueError,
        ["field 'nope'", "'budget'"],
    ),
    (
        "plot_funnels",
        lambda: loose.plot_funnels(FRAME, scale="nope"),
        ValueError,
        ["scale", "'share' or 'count'"],
    ),
    (
        "possible_duplicates",
        lambda: loose.possible_duplicates(5),
        TypeError,
        ["possible_duplicates", "DataFrame"],
    ),
    (
        "possible_duplicates",
        lambda: loose.possible_duplicates(FRAME, on=["nope"]),
        ValueError,
        ["on", "'email', 'phone'"],
    ),
    ("report_table", lambda: loose.report_table(5), TypeError, ["report_table", "DataFrame"]),
    ("source_roi", lambda: loose.source_roi(FRAME, 5), TypeError, ["spend", "DataFrame", "CSV"]),
    (
        "wilson_interval",
        lambda: loose.wilson_interval("a", 3),
        TypeError,
        ["wilson_interval", "counts"],
    ),
    (
        "wilson_interval",
        lambda: loose.wilson_interval(1, 3, confidence=2),
        ValueError,
        ["confidence", "0.95"],
    ),
    ("with_names", lambda: loose.with_names([1]), TypeError, ["with_names", "DataFrame"]),
    (
        "with_names",
        lambda: loose.with_names(FRAME, communities=5),
        TypeError,
        ["communities=", "mapping", "CSV"],
    ),
    (
        "export_excel",
        lambda: loose.export_excel([1], TMP / "x.xlsx"),
        TypeError,
        ["export_excel", "DataFrame"],
    ),
    (
        "export_excel",
        lambda: loose.export_excel(FRAME, TMP / "x.xlsx", pii="hash"),
        ValueError,
        ["pii='hash'", "'mask'"],
    ),
    # records, files
    (
        "to_frame",
        lambda: loose.to_frame(5),
        TypeError,
        ["to_frame", "iterable of prospect records"],
    ),
    (
        "export_csv",
        lambda: loose.export_csv([1], TMP / "x.csv"),
        TypeError,
        ["export_csv", "df", "DataFrame"],
    ),
    (
        "export_csv",
        lambda: loose.export_csv(FRAME, TMP / "x.csv", pii="hash"),
        ValueError,
        ["pii='hash'", "'keep', 'mask', 'drop'"],
    ),
    (
        "to_parquet",
        lambda: loose.to_parquet(5, TMP / "x.parquet"),
        TypeError,
        ["to_parquet", "df", "DataFrame"],
    ),
    (
        "to_parquet",
        lambda: loose.to_parquet(FRAME, TMP / "x.parquet", pii="hash"),
        ValueError,
        ["pii", "'mask'"],
    ),
    ("read_ids", lambda: loose.read_ids(5), TypeError, ["read_ids", "path", "Series"]),
    ("read_ids", lambda: loose.read_ids([1], sheet="Leads"), TypeError, ["sheet=", "files"]),
    ("read_ids", lambda: loose.read_ids([1], column=3), TypeError, ["column", "name"]),
    # the client and its options
    (
        "KnockClient",
        lambda: loose.KnockClient(env="dev"),
        ValueError,
        ["env 'dev'", "'prod', 'stage'"],
    ),
    ("KnockClient", lambda: loose.KnockClient("k", max_workers=0), ValueError, ["max_workers"]),
    (
        "KnockClient",
        lambda: loose.KnockClient("k", max_workers="8"),
        TypeError,
        ["max_workers", "whole number"],
    ),
    ("KnockClient", lambda: loose.KnockClient("k", timeout="x"), TypeError, ["timeout", "number"]),
    ("KnockClient", lambda: loose.KnockClient("k", cache=5), TypeError, ["cache", "path", "False"]),
    (
        "KnockClient",
        lambda: loose.KnockClient("k", cache=False).fetch_prospects(None),
        TypeError,
        ["prospect ids", "read_ids"],
    ),
    (
        "KnockClient",
        lambda: loose.KnockClient("k", cache=False).get_prospect("x1"),
        ValueError,
        ["'x1'", "digits"],
    ),
    ("RetryPolicy", lambda: loose.RetryPolicy(max_retries=-1), ValueError, ["max_retries"]),
    ("RetryPolicy", lambda: loose.RetryPolicy(backoff="x"), TypeError, ["backoff", "seconds"]),
    ("Dashboard", lambda: loose.Dashboard([1]), TypeError, ["Dashboard", "DataFrame"]),
    ("Dashboard", lambda: loose.Dashboard(FRAME, title=5), TypeError, ["title", "text"]),
    (
        "SandboxServer",
        lambda: loose.sandbox.SandboxServer(fault_rate=2),
        ValueError,
        ["fault_rate", "between 0 and 1"],
    ),
    (
        "SandboxServer",
        lambda: loose.sandbox.SandboxServer(fault_kinds=["boom"]),
        ValueError,
        ["fault_kinds", "rate_limited"],
    ),
    (
        "SandboxServer",
        lambda: loose.sandbox.SandboxServer(n_prospects="10"),
        TypeError,
        ["n_prospects", "whole number"],
    ),
    (
        "SandboxServer",
        lambda: loose.sandbox.SandboxServer(n_prospects=0),
        ValueError,
        ["at least 1"],
    ),
    ("SandboxServer", lambda: loose.sandbox.SandboxServer(now="soon"), ValueError, ["2021-12-31"]),
    ("SandboxServer", lambda: loose.sandbox.SandboxServer(now=5), TypeError, ["datetime", "int"]),
    ("SandboxServer", lambda: loose.sandbox.SandboxServer(speed=-1), ValueError, ["speed"]),
    ("SandboxServer", lambda: _sandbox().advance(days=-1), ValueError, ["forward only"]),
    ("SandboxServer", lambda: _sandbox().advance(days="3"), TypeError, ["days", "str"]),
    ("SandboxServer", lambda: _sandbox().advance(3), TypeError, ["timedelta", "days="]),
    ("SandboxServer", lambda: _sandbox().advance(), TypeError, ["not both or neither"]),
    # history
    ("History", lambda: loose.History(5), TypeError, ["History", "path"]),
    ("History", lambda: loose.History(TMP, pii="hide"), ValueError, ["pii", "'keep'"]),
    ("History", lambda: loose.History(TMP).as_of(5), TypeError, ["moment", "datetime"]),
    ("History", lambda: loose.History(TMP).as_of("someday"), ValueError, ["moment"]),
    ("History", lambda: loose.History(TMP).append({"a": 1}), TypeError, ["append", "list"]),
    ("RefreshPolicy", lambda: loose.RefreshPolicy(closed="30"), TypeError, ["closed=", "days"]),
    ("RefreshPolicy", lambda: loose.RefreshPolicy(active=-1), ValueError, ["active=", "positive"]),
    ("RefreshPolicy", lambda: loose.RefreshPolicy().due([1]), TypeError, ["DataFrame"]),
    (
        "KnockClient",
        lambda: loose.KnockClient("k", cache=False).fetch_prospects(["1"], refresh="yes"),
        ValueError,
        ["refresh=", "'due'"],
    ),
]
# Callables whose every argument is valid: they take any value.
TAKES_ANYTHING = {
    "normalize_status": "any value: text is normalised, anything else becomes its text",
    "FetchResult": "made by fetch_prospects, not by callers",
    "IdList": "made by read_ids; a list of any ids",
}


@pytest.mark.parametrize(
    ("name", "call", "builtin", "words"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_a_bad_argument_is_a_knock_error_and_the_builtin_it_stands_for(
    name: str, call: Callable[[], Any], builtin: type[Exception], words: list[str]
) -> None:
    with pytest.raises(kd.KnockError) as info:
        call()
    assert isinstance(info.value, builtin), (
        f"{type(info.value).__name__} is not a {builtin.__name__}"
    )
    if builtin is TypeError:  # records are judged as records; every other argument by kind
        assert isinstance(
            info.value, kd.RecordError if name == "to_frame" else kd.WrongArgumentType
        )
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_every_public_callable_has_its_bad_arguments_swept() -> None:
    public = {
        name
        for name in kd.__all__
        if callable(getattr(kd, name))
        and not (
            isinstance(getattr(kd, name), type) and issubclass(getattr(kd, name), BaseException)
        )
    } | {"SandboxServer"}
    swept = {case[0] for case in CASES}
    assert public - swept - set(TAKES_ANYTHING) == set()
    assert swept <= public


def test_no_message_sends_the_caller_into_a_private_module() -> None:
    for _, call, _, _ in CASES:
        with pytest.raises(kd.KnockError) as info:
            call()
        assert not re.search(r"knock_data\._", str(info.value))
