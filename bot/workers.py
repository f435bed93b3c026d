"""Several webhook workers on one port: `TEKSER_WORKERS` processes forked from `tekser run`.

One Python process spends its CPU under one lock (the GIL), so on a machine with several cores a
single bot leaves them idle. In webhook mode the parent binds the port once, prepares the database
(migrations and the seed pack, once), then forks the workers; each is a whole webhook bot
(`bot.runner.serve_webhook`) accepting Telegram's deliveries on a listening socket of its own,
all bound to the port with SO_REUSEPORT, so that the kernel spreads the connections evenly over
the workers. (Telegram keeps its connections open and sends update after update on them: from one
shared socket, whichever worker happened to accept them first would get most of the work.) The
parent keeps the sockets: connections that reach a dead worker's socket wait there for its
replacement. Everything the workers must agree
on already lives in the database (quota, held forwards, conversations, link cache, index
sync), which is why more than one worker needs PostgreSQL or, on one machine, SQLite.

The parent only supervises, as gunicorn's arbiter does: SIGTERM or SIGINT is passed on to the
workers, which finish the deliveries in flight and exit; the parent exits 0 once they all have.
A worker that dies on its own is started again (after 1 s, doubling up to 30 s while workers keep
dying within a minute of starting).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

log = logging.getLogger(__name__)

RESTART_FIRST = 1.0  # seconds before a worker that died is started again
RESTART_MAX = 30.0
STABLE_AFTER = 60.0  # a worker that ran this long resets the back-off
STOP_TIMEOUT = 45.0  # seconds the workers get to finish after SIGTERM (uvicorn's grace is 30)


def listening_sockets(
    host: str, port: int, count: int, *, backlog: int = 2048
) -> list[socket.socket]:
    """`count` TCP sockets listening on one port (SO_REUSEPORT), one per worker, bound before
    the fork (port 0: the first one's port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            port = sock.getsockname()[1]
            sock.listen(backlog)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


Worker = Callable[[socket.socket, int], None]
GIVE_UP_AFTER = 5  # workers failing this many times in a row at start-up: a fault, not bad luck


def _worker_main(worker: Worker, sock: socket.socket, number: int) -> None:
    """In the forked child: the parent's signal handlers are not ours; then run the worker."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)
    worker(sock, number)


@dataclass
class Supervisor:
    """Keeps one process per socket running `worker(sockets[number - 1], number)` until told
    to stop."""

    worker: Worker
    sockets: list[socket.socket]
    processes: dict[int, BaseProcess] = field(default_factory=dict)  # number -> process
    started_at: dict[int, float] = field(default_factory=dict)
    restart_first: float = RESTART_FIRST
    restart_max: float = RESTART_MAX
    backoff: float = RESTART_FIRST
    stopping: bool = False
    early_failures: int = 0  # workers in a row that died soon after starting

    def start(self, number: int) -> None:
        context = multiprocessing.get_context("fork")  # the socket and settings go as they are
        process = context.Process(
            target=_worker_main,
            args=(self.worker, self.sockets[number - 1], number),
            name=f"tekser-worker-{number}",
        )
        process.start()
        self.processes[number] = process
        self.started_at[number] = time.monotonic()
        log.info("worker %d started (pid %s)", number, process.pid)

    def stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask every worker to finish (they handle SIGTERM gracefully)."""
        self.stopping = True
        for process in self.processes.values():
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signum)

    def run(self) -> int:
        """Start the workers and supervise them; returns the exit code for the parent."""
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            signal.signal(sig, lambda signum, _frame: self.stop(signum))
        try:
            return self._supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _supervise(self) -> int:
        self.backoff = self.restart_first
        for number in range(1, len(self.sockets) + 1):
            self.start(number)
        while not self.stopping:
            if not self._restart_dead():
                log.error(
                    "workers keep failing at start-up (%d in a row); stopping", self.early_failures
                )
                self.stop()
                self._join()
                return 1
            time.sleep(0.2)
        self._join()
        return 0

    def _join(self) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT
        for number, process in self.processes.items():
            process.join(max(0.1, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %d did not stop in time; killing it", number)
                process.kill()
                process.join(5)

    def _restart_dead(self) -> bool:
        """Start again the workers that died; False when they keep dying at start-up."""
        for number, process in list(self.processes.items()):
            if process.is_alive() or self.stopping:
                continue
            lived = time.monotonic() - self.started_at[number]
            self.early_failures = 0 if lived >= STABLE_AFTER else self.early_failures + 1
            if self.early_failures >= GIVE_UP_AFTER:
                return False
            log.error(
                "worker %d (pid %s) exited with code %s after %.0f s; starting it again",
                number,
                process.pid,
                process.exitcode,
                lived,
            )
            self.backoff = self.restart_first if lived >= STABLE_AFTER else self.backoff
            self._sleep(self.backoff)
            self.backoff = min(self.backoff * 2, self.restart_max)
            if not self.stopping:
                self.start(number)
        return True

    def _sleep(self, seconds: float) -> None:
        """Wait, but wake up at once when a signal asked us to stop."""
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(0.05)
