"""bot/workers.py: the supervisor of forked webhook workers (real forks, tiny workers)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.workers import GIVE_UP_AFTER, Supervisor, listening_sockets


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    listening = listening_sockets("127.0.0.1", 0, 2)
    yield listening
    for one in listening:
        one.close()


def test_workers_that_keep_dying_at_start_up_stop_the_parent_with_exit_1(
    sockets: list[socket.socket], tmp_path: Path
) -> None:
    starts = tmp_path / "starts"

    def failing(_sock: socket.socket, number: int) -> None:
        with starts.open("a") as out:
            out.write(f"{number}\n")
        os._exit(3)

    supervisor = Supervisor(failing, sockets, restart_first=0.01, restart_max=0.02)
    assert supervisor.run() == 1
    assert len(starts.read_text().split()) >= GIVE_UP_AFTER
    assert signal.getsignal(signal.SIGTERM) is not None  # handlers given back


def test_sigterm_reaches_every_worker_and_the_parent_exits_0(
    sockets: list[socket.socket], tmp_path: Path
) -> None:
    def serving(listening: socket.socket, number: int) -> None:
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        (tmp_path / f"up{number}").touch()
        stopped.wait(30)
        (tmp_path / f"down{number}").touch()  # finished its work, then exits

    supervisor = Supervisor(serving, sockets)

    def terminate_when_up() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (tmp_path / "up2").exists():
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)  # as `kill <parent>` would

    threading.Thread(target=terminate_when_up, daemon=True).start()
    assert supervisor.run() == 0
    assert (tmp_path / "down1").exists() and (tmp_path / "down2").exists()
    assert all(not p.is_alive() for p in supervisor.processes.values())


def test_connections_are_spread_over_every_worker_socket_on_the_port(
    sockets: list[socket.socket],
) -> None:
    """Telegram keeps its connections open: each worker must get its share of them."""
    port = sockets[0].getsockname()[1]
    assert all(one.getsockname()[1] == port for one in sockets)
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
    try:
        accepted = []
        for one in sockets:
            one.settimeout(0.5)
            count = 0
            with contextlib.suppress(TimeoutError):
                while True:
                    connection, _ = one.accept()
                    connection.close()
                    count += 1
            accepted.append(count)
    finally:
        for client in clients:
            client.close()
    assert sum(accepted) == 40
    assert min(accepted) >= 8, accepted


def test_a_port_taken_by_another_program_is_refused() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            listening_sockets("127.0.0.1", taken.getsockname()[1], 2)
