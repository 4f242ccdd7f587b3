"""A throwaway PostgreSQL server for the tests: loopback only, in a temporary directory.

The server binaries come from Debian's ``postgresql`` package (``scripts/ensure-postgres.sh``
installs it when absent; ``make test`` runs that first). PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found: run scripts/ensure-postgres.sh (make test does)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    port: int
    directory: Path
    bin_dir: Path
    as_user: str | None

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _cmd(self, *args: str) -> list[str]:
        if self.as_user:
            return ["runuser", "-u", self.as_user, "--", *args]
        return list(args)

    def pause(self) -> None:
        """Stop the server (fast shutdown: connections cut, what was committed kept; an
        immediate stop would lose the last commits, fsync and synchronous_commit being off
        here), keeping its data."""
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "fast",
                "stop",
            ),
            capture_output=True,
            check=False,
        )

    def resume(self) -> None:
        """Start the paused server again, on the same port, with the same data."""
        _start(self)

    def stop(self) -> None:
        subprocess.run(
            self._cmd(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.directory / "data"),
                "-m",
                "immediate",
                "stop",
            ),
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def start_postgres() -> PostgresServer:
    bin_dir = _bin_dir()
    as_user = "postgres" if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="crb-pg-"))
    os.chmod(directory, 0o755)
    if as_user:
        shutil.chown(directory, user=as_user)
    server = PostgresServer(_free_port(), directory, bin_dir, as_user)
    data = directory / "data"
    subprocess.run(
        server._cmd(
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ),
        capture_output=True,
        check=True,
    )
    _start(server)
    return server


def _start(server: PostgresServer) -> None:
    directory, data = server.directory, server.directory / "data"
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={server.port} "
        f"-c unix_socket_directories={directory} -c fsync=off -c synchronous_commit=off "
        f"-c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        server._cmd(
            str(server.bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(directory / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ),
        capture_output=True,
        check=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise PostgresUnavailable("PostgreSQL did not start listening in 30 s")
