"""The process the kill -9 harness kills (see kill9.py). Two roles:

  kill9_child.py write DATASET RECORD START_JSON SEED
      Opens the dataset (recovering it), announces "ready", then ingests the
      workload forever: every stream at every step, starting at START_JSON's
      step per stream. Now and then it flushes (or closes and reopens), and
      after flush()/close() returns it appends the last step ingested into
      each stream to RECORD as one JSON line and fsyncs it: those frames are
      promised durable.
  kill9_child.py recover DATASET
      Announces "started", opens the dataset (recovery runs), announces
      "opened" with the recovery report, closes, then opens and closes it
      once more and announces "closed" with that second report (a recovered
      dataset must open clean). The harness kills it at random in some trials
      (a crash during recovery) and otherwise uses its reports.
  kill9_child.py refuse DATASET
      Opens the dataset expecting the refusal of a linked stream directory
      (docs/adr/0011-no-symlinks-inside-a-dataset.md) and announces
      "refused <error class>: <message>", or "opened" if the open succeeded.
"""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bindings", "python"))
sys.path.insert(0, HERE)

import simingest  # noqa: E402
from workload import CONFIG, STREAMS, ingest_round  # noqa: E402


def announce(word):
    sys.stdout.write(word + "\n")
    sys.stdout.flush()


def record(fd, last):
    os.write(fd, (json.dumps(last, sort_keys=True) + "\n").encode())
    os.fsync(fd)


def write(dataset, record_path, start_json, seed):
    rng = random.Random(seed)
    next_step = {s: int(v) for s, v in json.loads(start_json).items()}
    fd = os.open(record_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    ing = simingest.Ingestor(dataset, config=CONFIG)
    announce("ready")
    until_flush = rng.randint(1, 12)
    while True:
        ingest_round(ing, next_step)
        until_flush -= 1
        if until_flush == 0:
            last = {s: next_step[s] - 1 for s in STREAMS}
            if rng.random() < 0.1:  # close and reopen: kills land in close() and open() too
                ing.close()
                record(fd, last)
                ing = simingest.Ingestor(dataset, config=CONFIG)
            else:
                ing.flush()
                record(fd, last)
            until_flush = rng.randint(1, 12)


def recover(dataset):
    announce("started")
    ing = simingest.Ingestor(dataset, config=CONFIG)
    announce("opened " + json.dumps(ing.stats()["recovery"]))
    ing.close()
    with simingest.Ingestor(dataset, config=CONFIG) as again:
        report = again.stats()["recovery"]
    announce("closed " + json.dumps(report))


def refuse(dataset):
    try:
        simingest.Ingestor(dataset, config=CONFIG).close()
    except simingest.SimingestError as error:
        announce(f"refused {type(error).__name__}: {error}".replace("\n", " "))
        return
    announce("refused none: the open succeeded")


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    elif sys.argv[1] == "recover":
        recover(sys.argv[2])
    elif sys.argv[1] == "refuse":
        refuse(sys.argv[2])
    else:
        sys.exit(f"unknown role {sys.argv[1]!r}")
