"""Engines `make dev` runs as child processes: they die with it, however it ends.

A child gets its own process group (so the terminal's Ctrl-C reaches only the dev server, which then stops the
children in order) and asks the kernel to SIGKILL it when the dev server dies (PR_SET_PDEATHSIG), so a `kill -9`
of the dev server or of its whole process group leaves no engine behind holding a port or a database file.
"""
import ctypes
import os
import signal
import socket
import subprocess
import time

PR_SET_PDEATHSIG = 1


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ChildProcess:
    """A started engine: `.stop(timeout)` asks it to end (SIGTERM), then kills it."""

    def __init__(self, name: str, argv: list[str], cwd: str, log_path: str, env: dict | None = None) -> None:
        self.name = name
        self.log_path = log_path
        with open(log_path, "ab") as log:
            # the child is forked from the calling thread: call from the main thread, which lives as long as we do
            self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=_die_with_parent)

    def wait_for_port(self, host: str, port: int, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start (exit code {self.process.returncode}); "
                                   f"see {self.log_path}")
            try:
                socket.create_connection((host, port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop(0)
        raise RuntimeError(f"{self.name} did not start within {seconds:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 1.5) -> None:
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass
