"""Batch diagnosis on Dask (docs/batch.md "Beyond one machine"): a local cluster of two worker
processes, each building its engine once from the recipe — the shipped trees over a records
folder, as a real cluster's workers would — gives the pandas path's rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dask.dataframe as dd
import distributed
import pandas as pd
import pytest
from test_batch import ASKED, answer_columns, as_text, city, flatten

from diagtree._batch.spec import engine_for
from diagtree._cli import main as cli_main
from diagtree.batch import BatchInputError, EngineSpec, diagnose_dask, diagnose_frame, read_frame
from diagtree_adapters.demo import write


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as connected:
        yield connected


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> EngineSpec:
    """A small generated city's records folder (what each worker reads)."""
    folder = write(city(3), tmp_path_factory.mktemp("city"))
    return EngineSpec(data=str(folder))


def bad_frame(n: int) -> pd.DataFrame:
    """The city's complaints with their customers' answers (as a CSV holds them), two bad
    rows."""
    cases = city(3).cases[:n]
    frame = pd.DataFrame([as_text({**flatten(c["complaint"]),
                                   **answer_columns({q: c["answers"][q] for q in ASKED})})
                          for c in cases]).fillna("")
    frame.loc[3, "type"] = "nope"
    frame.loc[17, "msisdn"] = "42"
    return frame


def test_dask_gives_the_pandas_rows(client: distributed.Client, spec: EngineSpec) -> None:
    frame = bad_frame(40)
    local = diagnose_frame(frame, engine_for(spec), trace=True)
    on_dask = diagnose_frame(frame, spec, backend="dask", scheduler=client, trace=True)
    pd.testing.assert_frame_equal(on_dask.results, local.results)
    pd.testing.assert_frame_equal(on_dask.errors, local.errors)
    assert on_dask.balanced and on_dask.failed == 2
    assert (on_dask.results["cause"].isin(["device.settings", "device.sim_fault"])).any()


def test_an_answer_column_naming_no_question_is_refused_on_dask(client: distributed.Client,
                                                                spec: EngineSpec) -> None:
    frame = bad_frame(4).rename(columns={"answer.airplane_mode": "answer.airplane"})
    with pytest.raises(BatchInputError, match=r"did you mean 'answer\.airplane_mode'"):
        diagnose_frame(frame, spec, backend="dask", scheduler=client)


def test_partitioned_parquet_through_the_command(client: distributed.Client, spec: EngineSpec,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    frame = bad_frame(30)
    folder = tmp_path / "complaints.parquet"
    dd.from_pandas(frame, npartitions=3).to_parquet(str(folder), write_index=False)
    assert len(list(folder.glob("*.parquet"))) == 3
    out = tmp_path / "results.csv"
    assert spec.data is not None
    code = cli_main(["batch", str(folder), "-o", str(out), "--data", spec.data,
                     "--scheduler", client.scheduler.address])
    assert (code, capsys.readouterr().out) == (0, "30 rows: 28 diagnosed, 2 errors\n")
    local = diagnose_frame(frame, engine_for(spec))
    pd.testing.assert_frame_equal(read_frame(out), local.results)
    pd.testing.assert_frame_equal(read_frame(tmp_path / "results.errors.csv"), local.errors)


def test_the_lazy_frames_compute_in_one_pass(client: distributed.Client,
                                             spec: EngineSpec) -> None:
    frame = bad_frame(20)
    results, errors = diagnose_dask(dd.from_pandas(frame, npartitions=4), spec)
    got_results, got_errors = client.compute([results, errors], sync=True)
    assert sorted([*got_results["row"], *got_errors["row"]]) == list(range(1, 21))
    assert list(got_errors["field"]) == ["type", "msisdn"]


def _engines_built() -> int:
    from diagtree._batch.spec import _cached

    return int(_cached.cache_info().misses)


def test_each_worker_builds_its_engine_once(client: distributed.Client,
                                            spec: EngineSpec) -> None:
    frame = bad_frame(24)
    for _ in range(2):
        diagnose_frame(frame, spec, backend="dask", scheduler=client, workers=4)
    built = client.run(_engines_built)
    assert len(built) == 2 and set(built.values()) <= {0, 1}, built
    assert sum(built.values()) >= 1
