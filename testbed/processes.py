"""A spare loopback port, and a server process that is started, waited for and stopped."""

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import port_for
from mirakuru import HTTPExecutor, TCPExecutor
from mirakuru.exceptions import ExecutorError, ProcessFinishedWithError

HOST = "127.0.0.1"
# Each user of the bed draws from its own range, so that runs side by side keep apart.
STACK_PORTS = (27000, 27999)
BROWSER_PORTS = (28000, 28999)
BENCH_PORTS = (29000, 29999)


def spare_port(port_range: tuple[int, int], exclude: set[int] = frozenset()) -> int:
    """A port in `port_range` (inclusive) that nothing listens on or holds now."""
    low, high = port_range
    return port_for.select_random(set(range(low, high + 1)), exclude_ports=exclude)


def binary(name: str) -> str:
    """A command by name; the daemons Debian puts in /usr/sbin are found outside root's PATH too."""
    return shutil.which(name) or str(Path("/usr/sbin", name))


def install_missing(commands: dict[str, str]) -> None:
    """Install, with apt, the Debian package of each command (name: package) that is missing."""
    missing = sorted({package for command, package in commands.items() if not Path(binary(command)).exists()})
    if missing:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
            check=True,
        )


class Server:
    """
    One server process with its output appended to `log`: start() returns once it
    accepts connections on `port` (or, with `ready_url`, answers that URL with any
    status), and fails with the log's tail if it exits or takes over `timeout`
    seconds. It can be signalled, stopped and started again on the same port.
    """

    def __init__(
        self,
        command: list[str],
        *,
        port: int,
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        ready_url: str | None = None,
        timeout: float = 60,
    ):
        self.command = command
        self.port = port
        self.log = log
        self.env = env
        self.cwd = cwd
        self.ready_url = ready_url
        self.timeout = timeout
        self.executor: TCPExecutor | None = None
        self._log_file = None

    @property
    def process(self) -> subprocess.Popen | None:
        return self.executor.process if self.executor else None

    @property
    def running(self) -> bool:
        return self.executor is not None and self.executor.running()

    def start(self) -> "Server":
        self.stop()  # a process that died is reaped first
        self._log_file = self.log.open("ab")
        options = {
            "cwd": str(self.cwd) if self.cwd else None,
            "envvars": self.env,
            "timeout": self.timeout,
            "sleep": 0.05,
            "stdin": subprocess.DEVNULL,
            "stdout": self._log_file,
            "stderr": subprocess.STDOUT,
        }
        if self.ready_url:
            # Any status will do: the application answers, whatever it makes of the request.
            self.executor = HTTPExecutor(self.command, self.ready_url, status=r"^\d{3}$", method="GET", **options)
        else:
            self.executor = TCPExecutor(self.command, host=HOST, port=self.port, **options)
        try:
            self.executor.start()
        except ExecutorError as error:
            self.stop()
            raise RuntimeError(f"{self.command[0]} did not start ({error}):\n{self.log_tail()}") from None
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop it with `sig`, SIGKILL after the timeout; reap it if it already ended."""
        if self.running:
            # An error status of its own on the way out is for its log to explain.
            with contextlib.suppress(ProcessFinishedWithError):
                self.executor.stop(stop_signal=sig)
        elif self.executor is not None:
            self.executor.kill()  # reaps it, and anything of its own it left behind
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, size: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""
