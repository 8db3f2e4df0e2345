"""One table of file formats (`diagtree._batch.files.FORMATS`) for the three entrances that
read a frame file — `diagtree batch`, `diagtree incidents`, `diagtree report` — and one set of
errors: a format one of them reads, the others read; a file one refuses, the others refuse in the
same words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from diagtree._batch.files import FORMATS, BatchInputError, file_format, write_frame
from diagtree._cli import main
from diagtree.batch import read_frame

RESULTS = Path(__file__).resolve().parent / "data" / "report" / "results.csv"


@pytest.fixture(scope="module")
def results() -> pd.DataFrame:
    return read_frame(RESULTS).head(12)


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_every_format_of_the_batch_is_read_by_incidents_and_report(
        suffix: str, results: pd.DataFrame, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"results{suffix}"
    write_frame(results, path, file_format(path))
    pd.testing.assert_frame_equal(read_frame(path), results)
    assert main(["incidents", str(path), "-o", str(tmp_path / "incidents")]) == 0
    assert (tmp_path / "incidents" / f"regraded{suffix}").is_file()
    regraded = read_frame(tmp_path / "incidents" / f"regraded{suffix}")
    assert list(regraded["complaint_id"]) == list(results["complaint_id"])
    assert main(["report", str(path), "-o", str(tmp_path / "report")]) == 0
    assert "12 complaints" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["results.json", "results.txt", "results.xlsx", "results"])
def test_a_format_outside_the_table_is_refused_alike(name: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_text("row,complaint_id\n1,A\n", encoding="utf-8")
    with pytest.raises(BatchInputError) as refused:
        file_format(path)
    said = str(refused.value)
    assert "use .csv, .parquet or .jsonl" in said
    with pytest.raises(BatchInputError, match="unknown file type"):
        read_frame(path)
    assert main(["incidents", str(path), "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"diagtree incidents: {said}\n"
    assert main(["report", str(path), "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"diagtree report: {said}\n"
    with pytest.raises(SystemExit):
        main(["batch", str(path), "-o", str(tmp_path / "out.csv")])
    assert said in capsys.readouterr().err


def test_a_missing_results_file_is_refused_alike(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "none.parquet"
    said = f"{path}: no such file"
    with pytest.raises(BatchInputError, match="no such file"):
        read_frame(path)
    assert main(["incidents", str(path), "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"diagtree incidents: {said}\n"
    assert main(["report", str(path), "-o", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == f"diagtree report: {said}\n"
