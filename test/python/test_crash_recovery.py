"""Crash safety, end to end (issue 6, test 1): writer processes killed with
SIGKILL at random moments, some recovering processes killed too; after
recovery every frame whose flush() returned is there exactly once with exact
values, every listed file opens in pyarrow, and readers see no file in
progress; a stream directory turned into a link is refused untouched, and
recovered once it is real again. The harness is test/crash/kill9.py; this runs its fast version
(SIMINGEST_KILL9_TRIALS, default 20); `npm run test:crash -- --trials 500`
runs the long one. The seed is printed (SIMINGEST_KILL9_SEED replays one).

The verifier's own tests below prove it can fail: a lost flushed frame, a
changed value, a duplicated frame and a file left in progress are caught."""
import json
import os
import shutil
import sys

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("duckdb")

sys.path.insert(0, str(REPO / "test" / "crash"))
import kill9  # noqa: E402


def test_no_flushed_frame_is_lost_across_random_kills():
    trials = int(os.environ.get("SIMINGEST_KILL9_TRIALS", "20"))
    seed = os.environ.get("SIMINGEST_KILL9_SEED")
    summary = kill9.run(trials, seed=int(seed) if seed else None, duckdb_every=4)
    report = summary.line() + "".join("\n  " + f for f in summary.failures)
    assert summary.failures == [], report
    assert summary.lost_frames == 0, report
    assert summary.unreadable_files == 0, report
    assert summary.writer_kills == trials, report  # every writer was alive when killed
    assert summary.flushed_frames > 0, report  # the kills were not all before the first flush
    assert summary.link_refusals > 0, report  # some reopens met a linked stream directory


# ---- the verifier can fail -----------------------------------------------------


def listed_file(run, *streams):
    """A committed file of each stream (the last one's), or None if one has none."""
    manifest = json.loads((run / "_simingest" / "manifest.json").read_text())
    found = None
    for stream in streams:
        found = next((run / f["path"] for f in manifest["files"] if f["stream"] == stream), None)
        if found is None:
            return None
    return found


@pytest.fixture(scope="module")
def verified_run(tmp_path_factory):
    """One killed and recovered run that the verifier accepts."""
    for seed in range(7, 17):  # a kill may come before the first flush: try another moment
        root = tmp_path_factory.mktemp("kill9")
        summary = kill9.run(1, seed=seed, workdir=root, keep=None)
        assert summary.failures == [], summary.line()
        run = next(root.glob("g*/run"))
        record = run.parent / "flushed.jsonl"
        assert kill9.verify(run, record).problems == []
        if min(kill9.flushed_steps(record).values()) >= 0 and listed_file(run, "tracers", "diag", "fields"):
            break
    else:
        pytest.skip("every writer was killed before its first flush")
    return run, record


@pytest.fixture
def tampered(verified_run, tmp_path):
    run, record = verified_run
    copy = tmp_path / "copy"
    shutil.copytree(run.parent, copy)
    return copy / "run", copy / "flushed.jsonl"


def test_verifier_reports_a_flushed_frame_that_is_missing(tampered):
    run, record = tampered
    last = kill9.flushed_steps(record)
    present = kill9.verify(run, record).last_step
    claimed = {s: present[s] + 3 for s in last}  # three frames "flushed" that are not there
    with record.open("a") as f:
        f.write(json.dumps(claimed) + "\n")
    verdict = kill9.verify(run, record)
    assert verdict.lost_frames == 3 * len(last)
    assert any("flushed frames lost" in p for p in verdict.problems)




def test_verifier_reports_a_changed_value(tampered):
    run, record = tampered
    path = listed_file(run, "fields")
    table = pq.read_table(path)
    u = table.column("u").to_numpy().copy()
    u[5] = np.nextafter(u[5], np.inf)  # one bit of one value
    table = table.set_column(table.schema.get_field_index("u"), table.schema.field("u"), [u])
    pq.write_table(table, path)
    problems = kill9.verify(run, record).problems
    assert any("column 'u' differs" in p for p in problems), problems


def test_verifier_reports_a_duplicated_frame(tampered):
    run, record = tampered
    path = listed_file(run, "diag")
    table = pq.read_table(path)
    pq.write_table(pa.concat_tables([table, table.slice(0, 1)]), path)  # its first frame twice
    problems = kill9.verify(run, record).problems
    assert any("wrong number of rows" in p for p in problems), problems


def test_verifier_reports_a_file_left_in_progress(tampered):
    run, record = tampered
    path = listed_file(run, "tracers")
    (path.parent / ("." + path.name + ".inprogress")).write_bytes(b"PAR1")
    problems = kill9.verify(run, record).problems
    assert any("file in progress left" in p for p in problems), problems
