"""Corrupt committed files through the Python binding (issue 6, test 4).

A real dataset is written with simingest.Ingestor; one committed file is then
damaged on disk. Opening again raises CorruptDatasetError naming the file, its
reason and where it was moved; only that file is in _simingest/quarantine/;
the next open succeeds; and pyarrow reads every other frame exactly (values
regenerated here from their seeds, never taken from simingest). The CRC-32C
values the manifest records are recomputed here with a CRC written from the
polynomial, independent of the engine's kernel.
"""
import json
import shutil

import numpy as np
import pytest

from simingest_under_test import load  # noqa: E402

simingest = load()
pa = pytest.importorskip("pyarrow")
ds = pytest.importorskip("pyarrow.dataset")

CONFIG = {
    "streams": {"fields": {"columns": {"u": "float64", "k": "int32"}, "partition": {"steps": 4}}},
    "row_group_bytes": 16384,
    "page_bytes": 4096,
    "workers": 1,
}
STEPS = 12
ROWS = 500


def frame(step):
    rng = np.random.default_rng(step)
    return {"u": rng.standard_normal(ROWS), "k": rng.integers(-(2**31), 2**31 - 1, ROWS, dtype=np.int32)}


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = (crc >> 8) ^ CRC_TABLE[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFFFFFF


def test_crc32c_reference_check_value():
    assert crc32c(b"123456789") == 0xE3069283


def manifest(root):
    return json.loads((root / "_simingest" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("corrupt") / "ds"
    with simingest.Ingestor(root, config=CONFIG) as ing:
        for step in range(STEPS):
            ing.ingest("fields", step=step, time=step * 0.25, columns=frame(step))
            if step % 2 == 1:
                ing.flush()  # a committed file per two steps
    return root


@pytest.fixture
def dataset(pristine, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pristine, root)
    return root


def test_manifest_checksums_match_the_bytes_on_disk(pristine):
    files = manifest(pristine)["files"]
    assert len(files) == STEPS // 2
    for entry in files:
        data = (pristine / entry["path"]).read_bytes()
        assert len(data) == entry["bytes"]
        assert int(entry["crc32c"], 16) == crc32c(data)
        footer = data[-entry["footerBytes"]:]
        assert int(entry["footerCrc32c"], 16) == crc32c(footer)
        assert int.from_bytes(data[-8:-4], "little") + 8 == entry["footerBytes"]


def read_back(root):
    table = ds.dataset(root / "fields", format="parquet", partitioning="hive").to_table()
    return table.sort_by([("step", "ascending")])


def expect_exact(table, steps):
    assert table.column("step").to_numpy().tolist() == [s for s in steps for _ in range(ROWS)]
    for name in ("u", "k"):
        want = np.concatenate([frame(s)[name] for s in steps])
        got = table.column(name).to_numpy()
        assert got.dtype == want.dtype
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8)), name


def corrupt_and_open(root, victim, damage, **settings):
    path = root / victim["path"]
    data = bytearray(path.read_bytes())
    damage(data)
    path.write_bytes(bytes(data))
    with pytest.raises(simingest.CorruptDatasetError) as caught:
        simingest.Ingestor(root, config=CONFIG, **settings)
    return caught.value, bytes(data)


@pytest.mark.parametrize("mode", ["footer", "full"])
def test_a_damaged_file_is_named_quarantined_and_the_rest_reads_exactly(dataset, mode):
    files = manifest(dataset)["files"]
    victim = files[2]
    if mode == "footer":
        def damage(data):  # one bit of the footer
            data[len(data) - victim["footerBytes"] + 5] ^= 0x20
        reason = "footer CRC-32C mismatch"
    else:
        def damage(data):  # one bit of a data page: only the full check sees it
            data[len(data) // 3] ^= 0x01
        reason = "CRC-32C mismatch"
    error, damaged = corrupt_and_open(dataset, victim, damage, verify_on_open=mode)
    message = str(error)
    assert victim["path"] in message
    assert reason in message
    assert "_simingest/quarantine/" + victim["path"] in message
    assert error.status == simingest.Status.ERR_CORRUPT

    # Only the victim moved, with its damaged bytes.
    quarantine = dataset / "_simingest" / "quarantine"
    moved = sorted(p.relative_to(quarantine).as_posix() for p in quarantine.rglob("*") if p.is_file())
    assert moved == [victim["path"]]
    assert (quarantine / victim["path"]).read_bytes() == damaged
    assert not (dataset / victim["path"]).exists()
    after = manifest(dataset)
    assert [f["path"] for f in after["files"]] == [f["path"] for f in files if f is not victim]
    assert [q["path"] for q in after["quarantined"]] == [victim["path"]]
    for entry in after["files"]:
        assert (dataset / entry["path"]).read_bytes() == (dataset.parent / "ds").joinpath(entry["path"]).read_bytes()

    # The next open succeeds and quarantines nothing new.
    with simingest.Ingestor(dataset, config=CONFIG, verify_on_open=mode) as ing:
        recovery = ing.stats()["recovery"]
        assert recovery["quarantined"] == []

    lost = set(range(victim["stepMin"], victim["stepMax"] + 1))
    expect_exact(read_back(dataset), [s for s in range(STEPS) if s not in lost])


def test_a_damaged_manifest_copy_is_named_and_the_other_copy_used(dataset):
    primary = dataset / "_simingest" / "manifest.json"
    text = bytearray(primary.read_bytes())
    text[len(text) // 2] ^= 0x08
    primary.write_bytes(bytes(text))
    with pytest.raises(simingest.CorruptDatasetError) as caught:
        simingest.Ingestor(dataset, config=CONFIG)
    assert "_simingest/manifest.json" in str(caught.value)
    assert (dataset / "_simingest" / "quarantine" / "_simingest" / "manifest.json").read_bytes() == bytes(text)
    with simingest.Ingestor(dataset, config=CONFIG) as ing:
        assert ing.stats()["recovery"]["quarantined"] == []
    expect_exact(read_back(dataset), list(range(STEPS)))
