"""The runner's data folder: moto's whole state and the runner's own, kept so a restart finds everything
that was acknowledged.

Nothing here knows one service or one resource from another: the snapshot is every moto backend in use
(every service, account and region: tables, queues, buckets, keys, secrets, mail...), pickled as one graph,
plus the parts of the runner that hold state of their own (the fake Stripe, the mails' Reply-To, the
names of the provisioned resources), each registered under a name.

- `state.pickle`: the snapshot, written to a temporary file and renamed into place. It names the journal
  generation that follows it.
- `journal.<generation>`: every change since that snapshot, appended and flushed before the change is
  answered, in the order moto applied them (it is written under moto's lock): the request as moto saw it,
  or a change the runner made itself (stream records every reader has read, dropped; a component's new
  state). A SIGTERM, a Ctrl-C, even a SIGKILL loses nothing acknowledged.

At start the snapshot is loaded, the journal replayed through moto, and both compacted into a new
snapshot; while running, a journal past COMPACT_AFTER_BYTES is compacted in the background. Replaying a
request gives the same result as the first time with two exceptions, both harmless: ids and timestamps
moto draws itself come out new, and an SQS message sent since the snapshot comes back even if it was
deleted (its receipt handle is new), so it is delivered again (the webhook dispatcher's idempotency keeps
a receiver from seeing it twice).
"""

from __future__ import annotations

import copyreg
import fcntl
import logging
import os
import pickle
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from localrunner.moto_lock import MOTO_LOCK

log = logging.getLogger("localrunner.data")

SNAPSHOT = "state.pickle"
LOCK_FILE = "runner.lock"
FORMAT = 1
COMPACT_AFTER_BYTES = 32 * 1024 * 1024
_LENGTH = struct.Struct(">I")

# API actions that change nothing (or, like an SQS receive, only for a while): never journaled.
_READS = ("Get", "List", "Describe", "Query", "Scan", "BatchGet", "TransactGet", "Head", "Receive", "Encrypt",
          "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateRandom", "GenerateMac", "VerifyMac", "Sign",
          "Verify", "Lookup", "Test", "Validate", "Simulate", "Search", "Select", "ChangeMessageVisibility")
_REST_READS = {"GET", "HEAD", "OPTIONS"}


def changes_state(operation: str) -> bool:
    """Whether a request for this API action (or HTTP method, for REST calls moto names no action for) may
    change what moto keeps."""
    if operation.isupper():
        return operation not in _REST_READS
    return not operation.startswith(_READS)


# ---------------------------------------------------------------------------- pickling moto


def _private_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    return load_der_private_key(der, None)


def _public_key(der: bytes) -> Any:
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    return load_der_public_key(der)


def _key_types() -> tuple[tuple[type, ...], tuple[type, ...]]:
    import typing

    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes

    return typing.get_args(PrivateKeyTypes), typing.get_args(PublicKeyTypes)


class StatePickler(pickle.Pickler):
    """pickle, plus what moto's objects hold that pickle cannot take as it is: locks (made anew) and
    cryptography's keys (KMS keys; as DER)."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.dispatch_table = {
            **copyreg.dispatch_table,
            type(threading.Lock()): lambda _: (threading.Lock, ()),
            type(threading.RLock()): lambda _: (threading.RLock, ()),
        }
        self._private, self._public = _key_types()

    def reducer_override(self, obj: Any) -> Any:
        from cryptography.hazmat.primitives import serialization as s

        key: Any = obj
        if isinstance(obj, self._private):
            return _private_key, (key.private_bytes(s.Encoding.DER, s.PrivateFormat.PKCS8, s.NoEncryption()),)
        if isinstance(obj, self._public):
            return _public_key, (key.public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo),)
        return NotImplemented


def moto_state() -> dict[tuple[str, str, str], Any]:
    """Every moto backend in use: (service, account, region) -> backend."""
    from moto.core.base_backend import BackendDict

    in_use: list[Any] = list(getattr(BackendDict, "_instances"))  # noqa: B009 - a generic class variable
    return {(backends.service_name, account, region): backend
            for backends in in_use for account, region, backend in backends.iter_backends()}


def restore_moto_state(state: dict[tuple[str, str, str], Any]) -> None:
    from moto.backends import get_backend

    for (service, account, region), backend in state.items():
        get_backend(service)[account][region] = backend  # type: ignore[call-overload]


# ---------------------------------------------------------------------------- the journal


@dataclass(frozen=True)
class Part:
    """A piece of the runner with state of its own, kept with moto's."""

    save: Callable[[], Any]
    load: Callable[[Any], None]


Replayer = Callable[[tuple[Any, ...]], None]


class Journal:
    """The data folder: its snapshot, the journal after it, and the lock that keeps a second runner out."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: dict[str, Part] = {}
        self.replayers: dict[str, Replayer] = {}
        self._lock = threading.Lock()  # the journal file; taken inside MOTO_LOCK, never around it
        self._file: IO[bytes] | None = None
        self._generation = 0
        self._written = 0
        self._compacting = threading.Event()
        self._compacted_in = 0.0  # seconds the last compaction took
        self._owner: IO[bytes] | None = None
        self.loaded_at_start = False

    # ------------------------------------------------------------------ the folder
    def open(self, fresh: bool) -> None:
        """Takes the folder (refused while another runner has it); `fresh` empties it first."""
        self.folder.mkdir(parents=True, exist_ok=True)
        owner = (self.folder / LOCK_FILE).open("ab")
        try:
            fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner.close()
            raise OSError(f"another local runner is using {self.folder}; stop it, or give this one --data-dir"
                          ) from None
        self._owner = owner
        if fresh:
            for path in self._journals():
                path.unlink()
            (self.folder / SNAPSHOT).unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
        if self._owner is not None:
            self._owner.close()
            self._owner = None

    def _journals(self) -> list[Path]:
        found = [(int(p.suffix[1:]), p) for p in self.folder.glob("journal.*") if p.suffix[1:].isdigit()]
        return [path for _, path in sorted(found)]

    def _journal_path(self, generation: int) -> Path:
        return self.folder / f"journal.{generation}"

    @property
    def has_data(self) -> bool:
        return (self.folder / SNAPSHOT).exists()

    # ------------------------------------------------------------------ start: load, replay, compact
    def load(self) -> int:
        """Loads the snapshot and replays the journal after it; returns how many changes were replayed."""
        path = self.folder / SNAPSHOT
        if not path.exists():
            return 0
        started = time.monotonic()
        with path.open("rb") as file:
            snapshot = pickle.load(file)  # noqa: S301 - the runner's own file, written by StatePickler
        if snapshot.get("format") != FORMAT:
            raise RuntimeError(f"{path} was written by another version of the runner; start with --fresh")
        with MOTO_LOCK:
            restore_moto_state(snapshot["moto"])
            for name, state in snapshot["parts"].items():
                if name in self.parts:
                    self.parts[name].load(state)
            self._generation = int(snapshot["generation"])
            replayed = 0
            for journal in self._journals():
                if int(journal.suffix[1:]) < self._generation:
                    continue
                for entry in _entries(journal):
                    self._replay(entry)
                    replayed += 1
        self.loaded_at_start = True
        log.info("loaded %s and replayed %d changes in %.1f s", self.folder, replayed, time.monotonic() - started)
        return replayed

    def _replay(self, entry: tuple[Any, ...]) -> None:
        kind = entry[0]
        if kind == "part":
            _, name, state = entry
            if name in self.parts:
                self.parts[name].load(state)
            return
        replayer = self.replayers.get(kind)
        if replayer is None:
            log.warning("no way to replay a journal entry of kind %r; skipped", kind)
            return
        try:
            replayer(entry)
        except Exception:  # a request that fails now (an SQS receipt handle from before) changes nothing
            log.debug("journal entry %r failed on replay", kind, exc_info=True)

    # ------------------------------------------------------------------ while running
    def record(self, entry: tuple[Any, ...]) -> None:
        """Appends one change (call it under MOTO_LOCK, before the change is answered)."""
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self._file is None:
                return  # not started yet (provisioning), or stopped
            self._file.write(_LENGTH.pack(len(data)) + data)
            self._file.flush()
            self._written += len(data) + _LENGTH.size
            crowded = self._written > COMPACT_AFTER_BYTES
        if crowded and not self._compacting.is_set():
            self._compacting.set()
            threading.Thread(target=self._compact_in_background, name="compact", daemon=True).start()

    def answered(self, service: str, operation: str, method: str, url: str, headers: dict[str, str],
                 body: bytes) -> None:
        if changes_state(operation):
            self.record(("aws", service, operation, method, url, headers, body))

    def served(self, environ: dict[str, Any], body: bytes, operation: str) -> None:
        if changes_state(operation):
            headers = {key[5:].replace("_", "-").title(): str(value) for key, value in environ.items()
                       if key.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["Content-Type"] = str(environ["CONTENT_TYPE"])
            self.record(("http", str(environ.get("REQUEST_METHOD")), str(environ.get("PATH_INFO") or "/"),
                         str(environ.get("QUERY_STRING") or ""), headers, body))

    def trimmed(self, account: str, region: str, table_name: str, read_through: int) -> None:
        self.record(("trim", account, region, table_name, read_through))

    def part_changed(self, name: str) -> None:
        """A registered part's state changed: journal all of it (parts are small)."""
        with MOTO_LOCK:
            self.record(("part", name, self.parts[name].save()))

    def compact(self) -> float:
        """Writes a new snapshot of everything and starts a new, empty journal; returns the seconds it took
        (moto answers nothing meanwhile)."""
        started = time.monotonic()
        with MOTO_LOCK, self._lock:
            generation = self._generation + 1
            snapshot = {"format": FORMAT, "generation": generation, "moto": moto_state(),
                        "parts": {name: part.save() for name, part in self.parts.items()}}
            temporary = self.folder / (SNAPSHOT + ".tmp")
            with temporary.open("wb", buffering=1 << 20) as file:
                StatePickler(file).dump(snapshot)
                file.flush()
                os.fsync(file.fileno())
            temporary.replace(self.folder / SNAPSHOT)
            if self._file is not None:
                self._file.close()
            self._file = self._journal_path(generation).open("ab")
            self._generation = generation
            self._written = 0
            for old in self._journals():
                if int(old.suffix[1:]) < generation:
                    old.unlink(missing_ok=True)
        self._compacted_in = time.monotonic() - started
        return self._compacted_in

    def quick_to_compact(self, within: float = 1.0) -> bool:
        """Whether there are changes since the last snapshot and making one took less than `within` seconds
        last time."""
        return self._file is not None and self._written > 0 and self._compacted_in < within

    def _compact_in_background(self) -> None:
        try:
            log.info("data folder compacted in %.2f s", self.compact())
        except Exception:
            log.exception("compacting the data folder failed; the journal goes on")
        finally:
            self._compacting.clear()


def _entries(path: Path) -> Iterator[tuple[Any, ...]]:
    """The journal's entries; a torn last one (the process died while writing it, before its change was
    answered) ends it."""
    data = path.read_bytes()
    offset = 0
    while offset + _LENGTH.size <= len(data):
        (length,) = _LENGTH.unpack_from(data, offset)
        start = offset + _LENGTH.size
        if start + length > len(data):
            return
        try:
            entry = pickle.loads(data[start:start + length])  # noqa: S301 - written by Journal.record
        except Exception:
            return
        yield entry
        offset = start + length
