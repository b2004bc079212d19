"""kill -9 harness (issue 6, test 1): the contract "after flush() returns,
every frame ingested before it survives kill -9", checked by killing a real
writer process at random moments and reading what is left with pyarrow (and
DuckDB) — readers simingest did not write.

Each trial:
  1. a writer child (kill9_child.py write) opens the dataset and ingests the
     workload (workload.py: values a pure function of (stream, step, row)),
     flushing now and then and recording, fsynced, the last step of each
     stream after every flush() that returned;
  2. the harness sends SIGKILL at a random moment (seeded);
  3. in some trials a recovering process is killed too, mid-recovery;
  4. in some trials a stream directory is replaced by a link to a directory
     outside the dataset first: the reopen must be refused (UnsafeLayoutError,
     docs/adr/0011-no-symlinks-inside-a-dataset.md) with nothing changed, and
     the real directory is then put back;
     then a recovering child reopens the dataset (recovery runs, and the
     realtime stream's log is compacted into Parquet) and reports;
  5. the harness verifies: no file in progress left, every visible Parquet
     file listed in the manifest and every listed file present, every listed
     file opens in pyarrow, every recorded-flushed step of every stream is
     present exactly once with exact values, and the steps present form a
     contiguous prefix per stream (salvaged frames beyond the last flush
     included), the realtime stream's frames included, all of them in Parquet
     with no log segment left. Every few trials DuckDB reads the data too.
A dataset lives for a few trials (a "generation" of kills): the next writer
appends to the recovered dataset from where its data ends.

  python test/crash/kill9.py --trials 500 [--seed N] [--keep DIR]
  python test/crash/kill9.py --writers 4 --seconds 60 [--seed N]   (kill9_writers.py)
prints one line per failing trial and a summary; exits 1 on any failure.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workload import CONFIG, STREAMS, expected_columns, rows_of, time_of  # noqa: E402

CHILD = HERE / "kill9_child.py"
# A child that says nothing for this long is hung: a failure, not a wait.
LINE_TIMEOUT_S = 60.0


@dataclass
class Summary:
    seed: int
    trials: int = 0
    kills: int = 0                  # SIGKILLs that hit a writer or a recovering process
    writer_kills: int = 0
    recovery_kills: int = 0         # recovering processes killed before they finished
    flushed_frames: int = 0         # distinct frames the writers recorded flushed
    frame_checks: int = 0           # flushed frames checked, summed over trials (a generation's
                                    # frames are checked again after each of its kills)
    lost_frames: int = 0            # flushed frames found missing, summed over the checks
    unreadable_files: int = 0       # manifest-listed files pyarrow could not open
    files_checked: int = 0
    frames_beyond_flush: int = 0    # present but never recorded flushed (salvaged or committed)
    salvaged_files: int = 0
    salvaged_frames: int = 0
    removed_leftovers: int = 0
    link_refusals: int = 0          # reopens refused because a stream directory was a link
    duckdb_checks: int = 0
    failures: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        return (f"kill9: seed {self.seed}: {self.trials} trials, {self.kills} kills "
                f"({self.writer_kills} writers, {self.recovery_kills} mid-recovery); "
                f"{self.flushed_frames} frames flushed ({self.frame_checks} checks), {self.lost_frames} lost; "
                f"{self.files_checked} files checked, {self.unreadable_files} unreadable; "
                f"{self.frames_beyond_flush} frames beyond the last flush kept "
                f"({self.salvaged_files} salvaged files, {self.salvaged_frames} salvaged frames); "
                f"{self.removed_leftovers} leftovers removed; {self.link_refusals} linked stream directories refused; "
                f"{self.duckdb_checks} DuckDB checks; "
                f"{len(self.failures)} failures; {self.seconds:.1f} s")


class ChildError(Exception):
    pass


class Child:
    """A kill9_child.py process whose announcements are read with a timeout."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(CHILD), *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=child_env())
        self._buffer = b""

    def expect(self, word: str, timeout: float = LINE_TIMEOUT_S) -> str:
        """Waits for the next line; returns what follows `word` on it."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildError(f"no {word!r} from the child within {timeout:.0f} s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.proc.wait()
                    raise ChildError(f"child exited ({self.proc.returncode}) before {word!r}: "
                                     f"{self.proc.stderr.read().decode(errors='replace')[-2000:]}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        text = line.decode()
        head, _, rest = text.partition(" ")
        if head != word:
            raise ChildError(f"expected {word!r} from the child, got {text[:200]!r}")
        return rest

    def kill(self) -> bool:
        """SIGKILL; True if the child was still running (the kill hit it)."""
        alive = self.proc.poll() is None
        if alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return alive and self.proc.returncode == -signal.SIGKILL

    def finish(self, timeout: float = LINE_TIMEOUT_S) -> None:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ChildError("child did not exit") from None
        err = self.proc.stderr.read().decode(errors="replace")
        self.proc.stdout.close()
        self.proc.stderr.close()
        if self.proc.returncode != 0:
            raise ChildError(f"child exited with {self.proc.returncode}: {err[-2000:]}")


def child_env() -> Dict[str, str]:
    env = dict(os.environ)
    if "SIMINGEST_LIBRARY" not in env:
        # The harness and its children load the same library: the checkout's
        # build, as the Python tests pick it (the package searches no build dirs).
        sys.path.insert(0, str(HERE.parents[1] / "test" / "python"))
        import simingest_under_test  # noqa: F401  (sets SIMINGEST_LIBRARY)
        import simingest

        env["SIMINGEST_LIBRARY"] = str(simingest.library_path())
    return env


# ---- verification ------------------------------------------------------------


def flushed_steps(record: Path) -> Dict[str, int]:
    """The last step of each stream recorded after a flush() returned (-1: none)."""
    last = {s: -1 for s in STREAMS}
    if record.exists():
        for line in record.read_bytes().split(b"\n"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # empty, or cut by the kill (the flush was then not recorded)
            for s in STREAMS:
                last[s] = max(last[s], int(entry[s]))
    return last


def bits(array: np.ndarray) -> np.ndarray:
    """The array's bytes as unsigned integers: float comparison bit for bit."""
    array = np.ascontiguousarray(array)
    return array.view({1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}[array.dtype.itemsize])


@dataclass
class Verdict:
    problems: List[str] = field(default_factory=list)
    flushed_frames: int = 0
    lost_frames: int = 0
    unreadable_files: int = 0
    files_checked: int = 0
    frames_beyond_flush: int = 0
    last_step: Dict[str, int] = field(default_factory=dict)  # per stream, -1 if empty


def expected_table(stream: str, steps: np.ndarray) -> Dict[str, np.ndarray]:
    parts: Dict[str, List[np.ndarray]] = {}
    for step in steps.tolist():
        for name, values in expected_columns(stream, step).items():
            parts.setdefault(name, []).append(values)
    return {name: np.concatenate(values) for name, values in parts.items()}


def verify(dataset: Path, record: Path, use_duckdb: bool = False) -> Verdict:
    import pyarrow as pa
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    verdict = Verdict()
    problems = verdict.problems
    manifest = json.loads((dataset / "_simingest" / "manifest.json").read_text())
    listed = {f["path"]: f for f in manifest["files"]}

    # What readers see: no file in progress, nothing unlisted, nothing listed missing.
    visible = set()
    for stream in STREAMS:
        for path in (dataset / stream).rglob("*") if (dataset / stream).exists() else []:
            rel = str(path.relative_to(dataset))
            if path.name.endswith(".inprogress"):
                problems.append(f"file in progress left after recovery: {rel}")
            elif path.is_file() and path.name.endswith(".parquet"):
                visible.add(rel)
    for rel in sorted(visible - set(listed)):
        problems.append(f"visible Parquet file not in the manifest: {rel}")
    for rel in sorted(set(listed) - visible):
        problems.append(f"manifest lists a missing file: {rel}")
    # The recovering child opened and closed twice: every realtime frame was
    # compacted into Parquet and no log segment is left.
    for stream, config in CONFIG["streams"].items():
        if config.get("route") == "realtime":
            left = sorted(p.name for p in (dataset / "_realtime" / stream).glob("log-*.avro"))
            if left:
                problems.append(f"{stream}: log segments left after recovery and close: {left}")

    # Every listed file opens in pyarrow and holds the rows the manifest says.
    tables: Dict[str, List] = {s: [] for s in STREAMS}
    for rel, entry in sorted(listed.items()):
        verdict.files_checked += 1
        try:
            table = pq.read_table(dataset / rel)
        except Exception as error:  # noqa: BLE001 - any failure to read is the finding
            verdict.unreadable_files += 1
            problems.append(f"pyarrow cannot read {rel}: {error}")
            continue
        if table.num_rows != entry["rows"]:
            problems.append(f"{rel}: {table.num_rows} rows, the manifest says {entry['rows']}")
        tables[entry["stream"]].append(table)

    flushed = flushed_steps(record)
    for stream in STREAMS:
        verdict.flushed_frames += flushed[stream] + 1
        if tables[stream]:
            table = pa.concat_tables(tables[stream])
        else:
            table = None
        steps = table.column("step").to_numpy() if table is not None else np.zeros(0, np.int64)
        order = np.argsort(steps, kind="stable")  # a frame's rows keep their order
        steps = steps[order]
        present, counts = np.unique(steps, return_counts=True)
        verdict.last_step[stream] = int(present[-1]) if len(present) else -1
        lost = np.setdiff1d(np.arange(flushed[stream] + 1), present)
        verdict.lost_frames += len(lost)
        if len(lost):
            problems.append(f"{stream}: {len(lost)} flushed frames lost, steps {lost[:10].tolist()}")
        if len(present) and not np.array_equal(present, np.arange(len(present))):
            problems.append(f"{stream}: steps present are not a prefix 0..n: "
                            f"gaps after {present[np.flatnonzero(np.diff(present) != 1)][:10].tolist()}")
        verdict.frames_beyond_flush += int(np.count_nonzero(present > flushed[stream]))
        want_rows = np.array([rows_of(stream, s) for s in present.tolist()], dtype=np.int64)
        wrong = present[counts != want_rows]
        if len(wrong):
            problems.append(f"{stream}: steps with the wrong number of rows (duplicated or torn): "
                            f"{wrong[:10].tolist()}")
            continue
        if table is None:
            continue
        want = expected_table(stream, present)
        for name, values in want.items():
            got = table.column(name).to_numpy()[order]
            if got.dtype != values.dtype or not np.array_equal(bits(got), bits(values)):
                problems.append(f"{stream}: column {name!r} differs from the values written")
        times = table.column("time").to_numpy()[order]
        if not np.array_equal(bits(times), bits(time_of(steps.astype(np.float64)))):
            problems.append(f"{stream}: column 'time' differs from the values written")
        # The dataset view (what pyarrow.dataset users get) holds the same rows.
        viewed = pads.dataset(str(dataset / stream), format="parquet", partitioning="hive").count_rows()
        if viewed != table.num_rows:
            problems.append(f"{stream}: pyarrow.dataset sees {viewed} rows, the files hold {table.num_rows}")
        if use_duckdb:
            problems.extend(duckdb_check(dataset, stream, present))
    return verdict


def duckdb_check(dataset: Path, stream: str, present: np.ndarray) -> List[str]:
    """DuckDB reads the stream in (step, row) order; every value bit for bit."""
    import duckdb

    key = {"fields": "k", "diag": "step", "tracers": "id", "events": "a"}[stream]  # orders rows within a frame
    want = expected_table(stream, present)
    glob = str(dataset / stream / "**" / "*.parquet")
    columns = ", ".join(f'"{c}"' for c in want)
    got = duckdb.sql(f"SELECT step, {columns} FROM read_parquet('{glob}', hive_partitioning = true) "
                     f"ORDER BY step, {key}").fetchnumpy()
    problems = []
    want_steps = np.repeat(present, [rows_of(stream, s) for s in present.tolist()])
    if not np.array_equal(np.asarray(got["step"]), want_steps):
        return [f"{stream}: DuckDB sees other steps than pyarrow"]
    for name, values in want.items():
        column = np.asarray(got[name])
        if column.dtype != values.dtype or not np.array_equal(bits(column), bits(values)):
            problems.append(f"{stream}: DuckDB reads other values in column {name!r}")
    return problems


# ---- a stream directory turned into a link ----------------------------------------


def tree(*tops: Path) -> Dict[str, str]:
    """Every entry under `tops`: its type and a regular file's bytes or a link's target.
    Links are recorded, not followed; the lock file (created by an open if missing) is left out."""
    out: Dict[str, str] = {}
    for top in tops:
        for path in [top, *top.rglob("*")]:
            if path.name == "lock" and path.parent.name == "_simingest":
                continue
            if path.is_symlink():
                out[str(path)] = "link " + os.readlink(path)
            elif path.is_file():
                out[str(path)] = "file " + path.read_bytes().hex()
            else:
                out[str(path)] = "directory" if path.is_dir() else "other"
    return out


def linked_stream_is_refused(dataset: Path, stream: str) -> List[str]:
    """Moves `stream`'s directory out of the dataset and links it back; the reopen must be
    refused with UnsafeLayoutError and change nothing. The real directory is put back."""
    real = dataset / stream
    outside = dataset.parent / f"outside-{stream}"
    real.rename(outside)
    real.symlink_to(outside, target_is_directory=True)
    problems = []
    try:
        before = tree(dataset, outside)
        child = Child("refuse", str(dataset))
        answer = child.expect("refused")
        child.finish()
        if not answer.startswith("UnsafeLayoutError") or str(real) not in answer:
            problems.append(f"a linked stream directory was not refused as unsafe: {answer[:300]}")
        if tree(dataset, outside) != before:
            problems.append("the refused open changed the dataset")
    finally:
        real.unlink()
        outside.rename(real)
    return problems


# ---- trials --------------------------------------------------------------------


def recovered_report(child: Child) -> Dict:
    child.expect("started")
    first = json.loads(child.expect("opened"))
    again = json.loads(child.expect("closed"))
    child.finish()
    if not again.get("clean", False):
        raise ChildError(f"a second open after recovery was not clean: {again}")
    return first


def run(trials: int, seed: Optional[int] = None, workdir: Optional[Path] = None,
        keep: Optional[Path] = None, duckdb_every: int = 5, max_delay_s: float = 0.6,
        log=print) -> Summary:
    seed = random.SystemRandom().randrange(1 << 32) if seed is None else seed
    log(f"kill9: seed {seed} (rerun with --seed {seed})")
    rng = random.Random(seed)
    summary = Summary(seed=seed)
    started = time.monotonic()
    own_dir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="simingest-kill9-")) if own_dir else Path(workdir)
    generation = 0
    dataset: Optional[Path] = None
    record: Optional[Path] = None
    next_step: Dict[str, int] = {}
    try:
        for trial in range(trials):
            if trial and trial % 50 == 0:
                log(f"  after {trial} trials: {summary.kills} kills, {summary.lost_frames} lost, "
                    f"{summary.unreadable_files} unreadable, {len(summary.failures)} failures, "
                    f"{time.monotonic() - started:.0f} s")
            summary.trials += 1
            if dataset is None or rng.random() < 0.3:
                if dataset is not None:
                    shutil.rmtree(dataset.parent, ignore_errors=True)
                generation += 1
                dataset = root / f"g{generation}" / "run"
                dataset.parent.mkdir(parents=True)
                record = dataset.parent / "flushed.jsonl"
                next_step = {s: 0 for s in STREAMS}
                flushed_before = 0
            problems: List[str] = []
            try:
                # 1-2. The writer, killed at a random moment: mostly while it
                # ingests, sometimes before it is ready (while opening or recovering).
                writer = Child("write", str(dataset), str(record), json.dumps(next_step),
                               str(rng.randrange(1 << 32)))
                if rng.random() < 0.85:
                    writer.expect("ready")
                    time.sleep(rng.uniform(0, max_delay_s))
                else:
                    time.sleep(rng.uniform(0, 0.4))
                if writer.proc.poll() is not None:
                    raise ChildError(f"writer exited on its own ({writer.proc.returncode}): "
                                     f"{writer.proc.stderr.read().decode(errors='replace')[-2000:]}")
                if writer.kill():
                    summary.kills += 1
                    summary.writer_kills += 1
                # 3. Sometimes a crash during recovery, once or twice.
                while rng.random() < 0.25:
                    recovering = Child("recover", str(dataset))
                    recovering.expect("started")
                    time.sleep(rng.uniform(0, 0.03))
                    if recovering.kill():
                        summary.kills += 1
                        summary.recovery_kills += 1
                # 4. Sometimes a stream directory is a link by now: refused, untouched.
                stream = rng.choice(STREAMS)
                if (trial % 5 == 1 or rng.random() < 0.1) and (dataset / stream).is_dir():
                    problems.extend(linked_stream_is_refused(dataset, stream))
                    summary.link_refusals += 1
                # Recovery, then the check.
                report = recovered_report(Child("recover", str(dataset)))
                salvaged = report.get("salvaged", [])
                summary.salvaged_files += len(salvaged)
                summary.salvaged_frames += sum(int(f.get("frames", 0)) for f in salvaged)
                summary.removed_leftovers += len(report.get("removed", []))
                for kind in ("quarantined", "missing"):
                    if report.get(kind):
                        problems.append(f"recovery reported {kind} files after a kill: {report[kind]}")
                use_duckdb = duckdb_every > 0 and trial % duckdb_every == 0
                verdict = verify(dataset, record, use_duckdb=use_duckdb)
                summary.duckdb_checks += int(use_duckdb)
                problems.extend(verdict.problems)
                summary.flushed_frames += verdict.flushed_frames - flushed_before
                flushed_before = verdict.flushed_frames
                summary.frame_checks += verdict.flushed_frames
                summary.lost_frames += verdict.lost_frames
                summary.unreadable_files += verdict.unreadable_files
                summary.files_checked += verdict.files_checked
                summary.frames_beyond_flush += verdict.frames_beyond_flush
                next_step = {s: verdict.last_step[s] + 1 for s in STREAMS}
            except ChildError as error:
                problems.append(str(error))
            if problems:
                text = f"trial {trial} (generation {generation}): " + "; ".join(problems)
                summary.failures.append(text)
                log("FAIL " + text)
                if keep is not None:
                    target = Path(keep) / f"seed{seed}-trial{trial}"
                    shutil.copytree(dataset.parent, target, dirs_exist_ok=True)
                    log(f"  dataset kept in {target}")
                dataset = None  # start a fresh generation after a failure
    except KeyboardInterrupt:
        summary.failures.append(f"interrupted after {summary.trials} trials")
    finally:
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)
    summary.seconds = time.monotonic() - started
    log(summary.line())
    return summary


def main(argv=None) -> int:
    # --writers N: N processes sharing one dataset, killed at random while the
    # others keep writing (issue 17); its own harness, kill9_writers.py.
    argv = sys.argv[1:] if argv is None else argv
    if any(arg == "--writers" or arg.startswith("--writers=") for arg in argv):
        import kill9_writers

        return kill9_writers.main(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument("--keep", type=Path, default=None, help="copy failing datasets here")
    parser.add_argument("--duckdb-every", type=int, default=5, help="DuckDB check every N trials (0: never)")
    parser.add_argument("--json", type=Path, default=None, help="write the summary as JSON here")
    args = parser.parse_args(argv)
    summary = run(args.trials, seed=args.seed, keep=args.keep, duckdb_every=args.duckdb_every)
    if args.json:
        args.json.write_text(json.dumps(summary.__dict__, indent=2))
    return 0 if not summary.failures and summary.lost_frames == 0 and summary.unreadable_files == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
