"""The shared bad-input vectors (test/vectors/bad_input.json) through the
Python host: the same status and the same message as the C ABI and the
TypeScript API give for them (test/node/shared_vectors.test.ts,
native/capi/shared_vectors_test.cpp)."""
import json

import numpy as np
import pytest

from simingest_under_test import REPO, load  # noqa: E402

simingest = load()
VECTORS = json.loads((REPO / "test" / "vectors" / "bad_input.json").read_text())


def value(spec):
    fill = spec.get("scalar", spec.get("fill"))
    number = float(fill) if isinstance(fill, str) else fill
    if "scalar" in spec:
        return np.dtype(spec["dtype"]).type(number)
    return np.full(spec["length"], number, dtype=spec["dtype"])


@pytest.mark.parametrize("case", VECTORS["frames"], ids=lambda c: c["name"])
def test_bad_frame_gives_the_shared_status_and_message(tmp_path, case):
    with simingest.Ingestor(tmp_path / "run", config=VECTORS["config"]) as ing:
        columns = {name: value(spec) for name, spec in case["columns"].items()}
        with pytest.raises(simingest.SimingestError) as raised:
            ing.ingest(case["stream"], step=case["step"], time=case["time"], columns=columns)
        assert int(raised.value.status) == case["status"]
        assert str(raised.value) == case["message"]
        assert ing.stats()["framesRejected"] == 1


@pytest.mark.parametrize("case", VECTORS["configs"], ids=lambda c: c["name"])
def test_bad_config_gives_the_shared_status_and_message(tmp_path, case):
    with pytest.raises(simingest.SimingestError) as raised:
        simingest.Ingestor(tmp_path / "run", config=json.dumps(case["config"]))
    assert int(raised.value.status) == case["status"]
    if "message" in case:
        assert str(raised.value) == case["message"]
    else:
        assert str(raised.value).startswith(case["messagePrefix"])
