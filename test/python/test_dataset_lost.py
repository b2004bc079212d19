"""Issue 3, end to end in two processes: writer A flushes, the dataset is
removed (rm -rf) or only its _simingest/lock is deleted, writer B opens the
same path and writes. A's next flush must raise DatasetLostError (not
succeed into B's dataset), its close too, and B's dataset must read back with
pyarrow with each step exactly once, through the manifest and through a glob."""
import json
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
pq = pytest.importorskip("pyarrow.parquet")

CONFIG = {"streams": {"s": {"columns": {"v": "float64"}}}, "workers": 1}
ROWS = 8

WRITER_A = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {bindings!r})
    import numpy as np
    import simingest
    config = json.loads(sys.argv[2])
    ing = simingest.Ingestor(sys.argv[1], config=config)
    for step in range(0, 5):
        ing.ingest("s", step=step, time=float(step), columns={{"v": np.full({rows}, 1.0 + step)}})
    ing.flush()
    print("flushed", flush=True)
    sys.stdin.readline()  # the test removes the dataset and lets B write meanwhile
    result = {{}}
    try:
        for step in range(10, 15):
            ing.ingest("s", step=step, time=float(step), columns={{"v": np.full({rows}, 1.0 + step)}})
        ing.flush()
        result["flush"] = "ok"
    except simingest.SimingestError as error:
        result["flush"] = type(error).__name__
        result["message"] = str(error)
    try:
        ing.ingest("s", step=99, time=99.0, columns={{"v": np.full({rows}, 0.0)}})
        result["ingest_after"] = "ok"
    except simingest.SimingestError as error:
        result["ingest_after"] = type(error).__name__
    try:
        ing.close()
        result["close"] = "ok"
    except simingest.SimingestError as error:
        result["close"] = type(error).__name__
    print(json.dumps(result), flush=True)
    """
)


def steps_in(files):
    steps = []
    for path in files:
        table = pq.read_table(path)
        steps.extend(sorted(set(table.column("step").to_pylist())))
    return sorted(steps)


@pytest.mark.parametrize("removal", ["rm_rf", "lock_only"])
def test_a_writer_that_lost_its_dataset_fails_typed_and_adds_nothing(tmp_path, removal):
    path = tmp_path / "run42"
    script = WRITER_A.format(bindings=str(REPO / "bindings" / "python"), rows=ROWS)
    a = subprocess.Popen([sys.executable, "-c", script, str(path), json.dumps(CONFIG)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        assert a.stdout.readline().strip() == "flushed"
        if removal == "rm_rf":
            shutil.rmtree(path)
        else:
            (path / "_simingest" / "lock").unlink()
        with simingest.Ingestor(str(path), config=CONFIG) as b:  # the lock is free again
            for step in range(5, 10):
                b.ingest("s", step=step, time=float(step), columns={"v": np.full(ROWS, 1.0 + step)})
            b.flush()
        a.stdin.write("go\n")
        a.stdin.flush()
        result = json.loads(a.stdout.readline())
    finally:
        try:
            a.wait(timeout=60)
        except subprocess.TimeoutExpired:
            a.kill()
            a.wait()
    assert a.returncode == 0
    assert result["flush"] == "DatasetLostError", result
    assert "nothing more is committed" in result["message"], result
    assert result["ingest_after"] != "ok", result
    assert result["close"] == "DatasetLostError", result

    manifest = json.loads((path / "_simingest" / "manifest.json").read_text())
    listed = [path / f["path"] for f in manifest["files"]]
    globbed = sorted(p for p in path.glob("s/**/*.parquet") if not p.name.startswith("."))
    expected = list(range(5, 10)) if removal == "rm_rf" else list(range(0, 10))
    assert steps_in(listed) == expected
    assert steps_in(globbed) == expected, "a glob reader sees a frame twice or one of A's frames"
    with simingest.Ingestor(str(path), config=CONFIG) as reopened:
        assert reopened.stats()["recovery"]["clean"] is True
