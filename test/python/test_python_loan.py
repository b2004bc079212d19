"""Loaned frames from Python (LoanedFrame, numpy arrays over engine memory): what
is written into the arrays is what pyarrow reads back, bit for bit; misuse raises
the engine's typed errors; arrays are unusable for writing once the frame ended.

The expected values are generated here with numpy and kept; pyarrow (a reader we
did not write) is what reads the files.
"""

import gc

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()

pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")

GRID = (8, 16)
STREAMS = {
    "fields": {"columns": {"vx": "float32", "rho": "float64", "id": "int32"}, "grid": list(GRID)},
    "probes": {"columns": {"v": "uint16"}},
}


def expected(step):
    rng = np.random.default_rng(step)
    vx = rng.standard_normal(GRID).astype(np.float32)
    vx.flat[0] = -0.0
    rho = rng.standard_normal(GRID) * 1e300
    rho.flat[1] = np.nextafter(0.0, 1.0)  # a subnormal
    ids = rng.integers(np.iinfo(np.int32).min, np.iinfo(np.int32).max, GRID, dtype=np.int32)
    return {"vx": vx, "rho": rho, "id": ids}


def read(path, stream):
    return ds.dataset(path / stream, format="parquet", partitioning="hive").to_table().sort_by("step")


def test_committed_frames_read_back_bit_exact_with_pyarrow(tmp_path):
    steps = range(5)
    with simingest.Ingestor(tmp_path / "ds", streams=STREAMS, workers=1) as ing:
        for step in steps:
            values = expected(step)
            if step == 2:  # a copied frame among loaned ones
                ing.ingest("fields", step, step * 0.5, values)
                continue
            with ing.frame_begin("fields", step, step * 0.5) as frame:
                assert frame["vx"].shape == GRID and frame["vx"].dtype == np.float32
                for name, value in values.items():
                    frame[name][...] = value
        with ing.frame_begin("probes", 0, 0.0, rows=3) as frame:
            frame["v"][:] = [1, 65535, 7]
        ing.flush()
        loans = ing.stats()["loans"]
        assert loans["committed"] == 5 and loans["open"] == 0
    table = read(tmp_path / "ds", "fields")
    assert table.num_rows == 5 * GRID[0] * GRID[1]
    for name in ("vx", "rho", "id"):
        got = table.column(name).to_numpy()
        want = np.concatenate([expected(step)[name].ravel() for step in steps])
        assert got.dtype == want.dtype
        assert got.view(f"u{want.dtype.itemsize}").tobytes() == want.view(f"u{want.dtype.itemsize}").tobytes()
    assert table.column("step").to_pylist() == [s for s in steps for _ in range(GRID[0] * GRID[1])]
    assert read(tmp_path / "ds", "probes").column("v").to_pylist() == [1, 65535, 7]


def test_arrays_are_unusable_after_commit_and_the_frame_refuses_use(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", streams=STREAMS, workers=1) as ing:
        frame = ing.frame_begin("fields", 1, 0.0)
        vx = frame["vx"]
        for name, value in expected(1).items():
            frame[name][...] = value
        frame.commit()
        with pytest.raises(ValueError, match="read-only"):
            vx[0, 0] = 1.0
        with pytest.raises(simingest.InvalidArgumentError,
                           match=r'loaned frame \(stream "fields", step 1\): its columns are gone: it was committed'):
            frame["vx"]
        with pytest.raises(simingest.InvalidArgumentError, match="cannot commit: it was already committed"):
            frame.commit()
        with pytest.raises(simingest.InvalidArgumentError, match="cannot abort: it was already committed"):
            frame.abort()
        aborted = ing.frame_begin("fields", 2, 0.0)
        aborted.abort()
        with pytest.raises(simingest.InvalidArgumentError, match="cannot commit: it was already aborted"):
            aborted.commit()
        ing.flush()
        assert ing.stats()["streams"]["fields"]["framesCommitted"] == 1


def test_an_unknown_column_and_a_gridless_stream_without_rows_are_refused(tmp_path):
    with simingest.Ingestor(tmp_path / "ds", streams=STREAMS, workers=1) as ing:
        with ing.frame_begin("fields", 0, 0.0) as frame:
            with pytest.raises(simingest.UnknownColumnError, match=r'unknown column "vy"'):
                frame["vy"]
            frame.abort()
        with pytest.raises(simingest.InvalidArgumentError, match="the stream has no grid: pass the row count"):
            ing.frame_begin("probes", 0, 0.0)
        with pytest.raises(simingest.UnknownStreamError, match='unknown stream "nope"'):
            ing.frame_begin("nope", 0, 0.0)


def test_a_leaked_frame_is_reclaimed_at_close_and_a_closed_ingestor_lends_nothing(tmp_path):
    ing = simingest.Ingestor(tmp_path / "ds", streams=STREAMS, workers=1)
    kept = ing.frame_begin("fields", 0, 0.0)
    dropped = ing.frame_begin("fields", 1, 0.0)
    del dropped  # freed while open: given back, counted as leaked
    gc.collect()
    loans = ing.stats()["loans"]
    assert loans["leaked"] == 1 and loans["open"] == 1
    ing.close()
    with pytest.raises(simingest.ClosedError, match="its ingestor was closed, which reclaimed the buffer"):
        kept.commit()
    with pytest.raises(simingest.ClosedError, match="the ingestor is closed"):
        ing.frame_begin("fields", 2, 0.0)
