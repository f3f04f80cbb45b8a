"""Start Nurture and the Microsoft 365 Agents Playground as real subprocesses, and stop them again.

Both run exactly as a newcomer runs them (`nurture demo`, the Playground's own CLI), each in its own
process group so that teardown ends the whole tree and nothing else."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CONFIG = REPO / ".m365agentsplayground.yml"
PLAYGROUND_CLI = HERE / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
# Holds a no-op xdg-open: the Playground opens its URL at start and exits when it cannot.
NO_OP_BIN = HERE / "bin"


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it, so parallel runs do not collide)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Running:
    """A subprocess with its combined output in a file, for waiting on it and for failure messages."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self, last: int = 4000) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return text[-last:]

    def stop(self) -> None:
        """SIGTERM to the process group, then SIGKILL if it lingers: no child outlives the test."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


def _start(name: str, command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> Running:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stop() reaches its children too
        )
    return Running(name=name, process=process, log=log)


def wait_until(running: Running, ready: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll until ready() holds; fail early, with the process's output, if the process dies instead."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if running.process.poll() is not None:
            raise RuntimeError(
                f"{running.name} exited with {running.process.returncode} before {what}:\n{running.output()}"
            )
        time.sleep(0.2)
    raise TimeoutError(f"{running.name}: no {what} within {timeout:.0f} s:\n{running.output()}")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start_nurture_demo(workdir: Path, *, port: int, database_url: str, leads: int) -> Running:
    """`nurture demo`: seed the demo tenant into database_url, then serve bot, API and tab on port."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NURTURE_")}
    env.update(
        {
            # Repository root first: `bot` and `cards` import even if the editable install predates them.
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            # Local mode, asked for as `make demo` does: unauthenticated Playground traffic from loopback.
            "NURTURE_LOCAL_MODE": "true",
            # No scheduler and no outbox dispatcher, so no proactive card lands in the chat mid-test.
            "NURTURE_SCHEDULER_ENABLED": "false",
            "NURTURE_DISPATCHER_ENABLED": "false",
        }
    )
    command = [
        sys.executable,
        "-m",
        "app.cli",
        "demo",
        "--database-url",
        database_url,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--leads",
        str(leads),
    ]
    # cwd is the test's tmp dir so that a developer's .env in the repository cannot leak in.
    running = _start("nurture demo", command, cwd=workdir, env=env, log=workdir / "nurture.log")
    wait_until(
        running, lambda: _answers(f"http://127.0.0.1:{port}/healthz"), timeout=120, what="answer on /healthz"
    )
    return running


_LISTENING = re.compile(rb"^Listening on (\d+)$", re.MULTILINE)


def start_playground(
    workdir: Path, *, port: int, bot_port: int, config: Path = CONFIG
) -> tuple[Running, int]:
    """The Playground's CLI against the bot on bot_port, with the repository's configuration file.

    Returns the port its web UI really listens on: when the requested one is taken it silently picks
    another, and says which on stdout ("Listening on N") because stdout is not a terminal here."""
    env = dict(os.environ)
    env.update(
        {
            "PATH": os.pathsep.join([str(NO_OP_BIN), env.get("PATH", "")]),
            # The Playground's own switch against opening a browser; the no-op xdg-open covers versions
            # that drop this undocumented variable.
            "TEAMSAPPTESTER_BROWSER": "none",
            "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(config),
            # Its default is ./devTools/ under the working directory.
            "M365_AGENTS_PLAYGROUND_LOGFILE": str(workdir / "playground-console.log"),
        }
    )
    command = [
        "node",
        str(PLAYGROUND_CLI),
        "--app-endpoint",
        f"http://127.0.0.1:{bot_port}/api/messages",
        "--channel-id",
        "msteams",
        "--port",
        str(port),
        "--disable-telemetry",
    ]
    running = _start("Agents Playground", command, cwd=workdir, env=env, log=workdir / "playground.log")
    found: list[int] = []

    def listening() -> bool:
        match = _LISTENING.search(running.log.read_bytes()) if running.log.exists() else None
        if match:
            found.append(int(match.group(1)))
        return bool(match)

    wait_until(running, listening, timeout=60, what='"Listening on <port>"')
    ui_port = found[-1]
    wait_until(running, lambda: _answers(f"http://127.0.0.1:{ui_port}/"), timeout=30, what="web UI")
    return running, ui_port
