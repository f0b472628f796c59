"""`make lecture`'s server (tools/serve_lecture.py) guards the lecturer's machine and cleans up.

On two tiny notebooks (one with a slider, one whose second cell fails), no browser needed:
a token is required, a foreign ``Host`` is refused, a failing cell shows a notice and no
traceback (the server log keeps it), a taken port is a clear error, stopping ``make`` (SIGTERM or
SIGINT to make alone) stops the server and its kernels, and the room mode (another address, a
token) answers a request to the machine's address. Every wait is a ceiling for a hang.
"""

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
from pathlib import Path

import nbformat
import pytest

from e2e_helpers import ROOT, free_port, jupyter_env, kernel_pids, start_lecture_server
from test_cleanup import alive as _alive

pytestmark = pytest.mark.e2e
SERVE = [sys.executable, str(ROOT / "tools" / "serve_lecture.py")]


def _notebooks(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    for name, cells in (("a.ipynb", ["import ipywidgets as w\nw.IntSlider()"]),
                        ("b.ipynb", ["x = 1", "raise ValueError('secret /server/path')"])):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / name)
    return folder


def get(url, host=None):
    """(status, body) of a GET (redirects not followed)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=600) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


@pytest.fixture(scope="module")
def small(tmp_path_factory, artifacts):
    tmp = tmp_path_factory.mktemp("serve")
    server = start_lecture_server(_notebooks(tmp / "nb"), tmp / "jupyter", artifacts / "serve-lecture.log",
                                  voila_args=[])
    try:
        yield server
    finally:
        server.stop()


def test_the_token_is_required(small):
    status, _ = get(f"{small.base_url}/voila/render/a.ipynb")
    assert status in (302, 403), status                      # to the login page, or refused
    status, body = get(small.url("/voila/render/a.ipynb"))
    assert status == 200 and "widget-view" in body, status


@pytest.mark.parametrize("host, expected", [("evil.example", 403), ("localhost", 200), ("127.0.0.1", 200)])
def test_only_a_local_host_header_is_answered(small, host, expected):
    port = small.base_url.rsplit(":", 1)[1]
    status, _ = get(small.url("/voila/render/a.ipynb"), host=f"{host}:{port}")
    assert status == expected


def test_a_failing_cell_shows_a_notice_not_its_traceback(small):
    status, body = get(small.url("/voila/render/b.ipynb"))
    assert status == 200
    assert "secret /server/path" not in body and "Traceback" not in body
    assert "The error is in the lecture server" in body
    deadline = time.monotonic() + 60
    while "secret /server/path" not in small.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    log = re.sub(r"\x1b\[[0-9;]*m", "", small.log.read_text())          # without its colours
    assert "ValueError: secret /server/path" in log                        # the log keeps it


def test_a_taken_port_is_a_clear_error(small, tmp_path):
    port = int(small.base_url.rsplit(":", 1)[1])
    env = jupyter_env(tmp_path / "jupyter")
    out = subprocess.run(SERVE + [f"--port={port}", str(tmp_path)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 2, out
    assert f"port {port} on 127.0.0.1 is already in use" in out.stderr
    assert f"LECTURE_PORT={port + 1}" in out.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
@pytest.mark.skipif(not (ROOT / ".venv" / ".installed").exists()
                    or Path(sys.executable).parent != ROOT / ".venv" / "bin",
                    reason="runs `make lecture`, which needs the repository's own .venv")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_make_stops_the_server_and_its_kernels(sig, tmp_path, artifacts):
    import psutil

    folder = _notebooks(tmp_path / "nb")
    port = free_port()
    env = jupyter_env(tmp_path / "jupyter")
    log = artifacts / f"make-lecture-{sig.name}.log"
    with open(log, "w") as logf:
        make = subprocess.Popen(["make", "--no-print-directory", "lecture", f"LECTURE_ROOT={folder}",
                                 f"LECTURE_PORT={port}"], cwd=ROOT, env=env, stdout=logf,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:          # both pages' kernels pre-heated
            assert make.poll() is None, log.read_text()
            text = log.read_text()
            if text.count("is filled with") >= 2:
                break
            time.sleep(0.5)
        assert "token=" in log.read_text() and f"http://127.0.0.1:{port}/voila/render/" in log.read_text()
        server = [p for p in psutil.Process(make.pid).children() if "serve_lecture" in " ".join(p.cmdline())]
        assert len(server) == 1, log.read_text()
        holder = type("S", (), {"proc": type("P", (), {"pid": server[0].pid})()})()
        kernels = kernel_pids(holder)
        assert len(kernels) >= 2, kernels           # both pools filled (a busy machine may show a kernel more mid-start)
        os.kill(make.pid, sig)                      # to make alone, as `kill <make>` does
        make.wait(timeout=60)
        deadline = time.monotonic() + 60
        while any(map(_alive, [server[0].pid, *kernels])) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(_alive, [server[0].pid, *kernels])), log.read_text()
        with socket.socket() as s:                  # and the port is free again
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
    finally:
        try:
            os.killpg(make.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for p in psutil.process_iter(["cmdline"]):      # never leave a server behind, pass or fail
            if f"--port={port}" in " ".join(p.info["cmdline"] or []):
                p.kill()


def _an_address_of_this_machine():
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from serve_lecture import room_addresses
    finally:
        sys.path.pop(0)
    found = room_addresses()
    return found[0] if found else None


def test_a_room_is_served_on_another_address_with_a_token(tmp_path, artifacts):
    """docs/serving.md: make lecture LECTURE_IP=0.0.0.0 COURSE_LECTURE_TOKEN=... serves the room."""
    address = _an_address_of_this_machine()
    if address is None:
        pytest.skip("this machine has no address but the loopback one")
    folder = _notebooks(tmp_path / "nb")
    port = free_port()
    env = dict(jupyter_env(tmp_path / "jupyter"), COURSE_LECTURE_TOKEN="room-token-1234")
    log = artifacts / "serve-lecture-room.log"
    with open(log, "w") as logf:
        proc = subprocess.Popen(SERVE + ["--ip=0.0.0.0", f"--port={port}", "--open=a.ipynb", str(folder)],
                                env=env, cwd=ROOT, stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://{address}:{port}/voila/render/a.ipynb"
        deadline = time.monotonic() + 300
        while f"Voil" not in log.read_text() or "running at" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        assert f"{url}?token=room-token-1234" in log.read_text()     # the address to give the room
        assert get(url)[0] in (302, 403)                              # no token, no page
        status, body = get(url + "?token=room-token-1234", host=f"lecture-room.example:{port}")
        assert status == 200 and "widget" in body
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
