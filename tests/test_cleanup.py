"""A pytest ended with SIGTERM still stops the servers it started (the top-level conftest.py turns SIGTERM
into KeyboardInterrupt, so fixtures tear down; e2e_helpers kills each server's process group)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

INNER = '''
import subprocess, sys, time
from pathlib import Path
import pytest
import e2e_helpers as h

OUT = Path(__file__).parent

@pytest.fixture(scope="session")
def server(tmp_path_factory):
    # a "server" with a child of its own (as JupyterLab has kernels), in its own session as _spawn does
    code = ("import subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
            "open(sys.argv[1], 'w').write(str(c.pid)); time.sleep(120)")
    p = subprocess.Popen([sys.executable, "-c", code, str(OUT / "child.pid")], start_new_session=True)
    s = h.Server("dummy", "", "", p, OUT / "server.log")
    h._LIVE.add(s)
    (OUT / "server.pid").write_text(str(p.pid))
    yield s
    (OUT / "teardown").write_text("ran")
    s.stop()

def test_waits(server):
    time.sleep(120)
'''


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and process groups")
def test_sigterm_to_pytest_stops_servers_and_their_children(tmp_path):
    (tmp_path / "test_inner.py").write_text(INNER)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS.parent), str(TESTS / "e2e"),
                                                       os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:cacheprovider", "-p", "no:nbval",
           "-c", os.devnull, "--rootdir", str(tmp_path), "-q", str(tmp_path / "test_inner.py")]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "child.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (tmp_path / "child.pid").exists(), "the inner pytest never started its server"
        server_pid = int((tmp_path / "server.pid").read_text())
        child_pid = int((tmp_path / "child.pid").read_text())
        assert alive(server_pid) and alive(child_pid)
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0].decode()
        assert "SIGTERM" in out, out
        assert (tmp_path / "teardown").read_text() == "ran", out
        deadline = time.monotonic() + 10
        while (alive(server_pid) or alive(child_pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(server_pid) and not alive(child_pid)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if (tmp_path / "server.pid").exists():      # never leave the dummy server behind, pass or fail
            try:
                os.killpg(int((tmp_path / "server.pid").read_text()), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
