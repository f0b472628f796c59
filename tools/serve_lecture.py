"""Serve the lecture with Voila: safe on the lecturer's laptop, and cleaned up after itself.

``make lecture`` runs this. What it adds to a plain ``voila notebooks``:

* **A token.** Every address needs ``?token=...`` once (the browser then keeps a cookie), so no
  other web page open in the lecturer's browser can reach the server (DNS rebinding), and in a
  room only those who were given the address can. The full address is printed; give your own
  with ``--token`` or ``COURSE_LECTURE_TOKEN`` (e.g. one you can write on the board).
* **Local only by default.** It binds 127.0.0.1 and answers only requests whose ``Host`` is
  ``localhost`` or a loopback address (anything else: 403). ``--ip 0.0.0.0`` (or one of the
  machine's addresses) serves a room: then any Host is accepted and the token is the lock
  (docs/serving.md).
* **Kernels that end.** Voila 0.5 shuts a page's kernel down when the page is left (a
  ``POST /voila/api/shutdown/<id>`` with the ``_xsrf`` cookie as form field), but its pre-heated
  pages never set that cookie, so every shutdown was refused (403) and every visit leaked a
  kernel. Here every rendered page sets the cookie, and the shutdown works.
* **No tracebacks to visitors.** A failing cell shows a one-line notice in the page; Voila
  writes its traceback to this server's log (the terminal).
* **One port, or a clear error.** A taken port is an error naming it (Voila would silently move
  to the next port while the printed address pointed at the old one).
* **Stops with make.** SIGTERM, SIGINT or SIGHUP to this process, the death of the process that
  started it (``make``), or that process stuck handling SIGINT/SIGTERM (make, sent SIGINT alone,
  waits for its children) stop the server and shut every kernel down (Linux: prctl and /proc).

Usage::

    python tools/serve_lecture.py [--ip 127.0.0.1] [--port 8866] [--token T] [--open PAGE]
                                  PATH [-- VOILA_OPTIONS...]

``PATH`` is a folder (every notebook in it is served, ``--open`` names the page whose address is
printed) or one notebook. Options after ``--`` go to Voila unchanged (``make lecture`` passes
``--preheat_kernel=True --pool_size=1``).
"""

from __future__ import annotations

import argparse
import ctypes
import ipaddress
import os
import secrets
import signal
import re
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]

#: what a visitor reads instead of a traceback
CELL_ERROR_NOTICE = "The error is in the lecture server's log (the terminal that runs it)."


def _is_loopback(ip):
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return ip == "localhost"


def port_taken(ip, port):
    """Whether ``ip:port`` cannot be bound now (bound as tornado binds: SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((ip, port))
        except OSError:
            return True
    return False


def room_addresses():
    """The machine's non-loopback IPv4 addresses (what a room's browsers can type)."""
    found = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))       # TEST-NET-1: no packet is sent; picks the outgoing address
            found.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.append(info[4][0])
    except OSError:
        pass
    return [a for a in dict.fromkeys(found) if not _is_loopback(a)]


def page_url(host, port, page, token):
    path = "/" if page is None else "/voila/render/" + quote(page)
    return f"http://{host}:{port}{path}?token={token}"


def _stop_with_parent():
    """Linux: get SIGTERM when the parent (make) dies, so `kill <make>` stops the server too."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)            # PR_SET_PDEATHSIG = 1
    except OSError:
        return
    if os.getppid() == 1:                                 # the parent died before prctl
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()


def _watch_parent(ppid, poll=1.0):
    """Stop (SIGTERM to ourselves) when the parent is gone, or when it is stuck handling a stop
    signal: GNU make, sent SIGINT alone (``kill -INT <make>``), waits in its handler for its
    children to end, with SIGINT blocked; it does not pass the signal on (a Ctrl-C in the terminal
    reaches us directly). Linux only (/proc/<pid>/status)."""
    status = Path(f"/proc/{ppid}/status")
    stopping = sum(1 << (s - 1) for s in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM))
    streak = 0
    while True:
        time.sleep(poll)
        try:
            blocked = int(re.search(r"SigBlk:\s*([0-9a-fA-F]+)", status.read_text()).group(1), 16)
        except (OSError, AttributeError):
            blocked = None
        if os.getppid() != ppid or blocked is None:
            break
        streak = streak + 1 if blocked & stopping else 0
        if streak >= 2:                     # not a passing moment: the parent is stopping
            break
    os.kill(os.getpid(), signal.SIGTERM)


def _patch_voila():
    """The fix inside Voila 0.5: every rendered page sets the _xsrf cookie (tests/e2e/test_serve_lecture.py)."""
    from voila.handler import VoilaHandler

    prepare = VoilaHandler.prepare

    async def prepare_with_xsrf_cookie(self, *args, **kwargs):
        result = prepare(self, *args, **kwargs)
        if result is not None and hasattr(result, "__await__"):
            await result
        self.xsrf_token          # reading it sets the _xsrf cookie the page's shutdown beacon sends

    VoilaHandler.prepare = prepare_with_xsrf_cookie


def parse(argv):
    if "--" in argv:
        k = argv.index("--")
        argv, voila_args = argv[:k], argv[k + 1:]
    else:
        voila_args = []
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("path", type=Path, help="a folder of notebooks, or one notebook")
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0: a room)")
    p.add_argument("--port", type=int, default=8866)
    p.add_argument("--token", default=os.environ.get("COURSE_LECTURE_TOKEN") or None,
                   help="the access token (default: COURSE_LECTURE_TOKEN, else a random one)")
    p.add_argument("--open", metavar="PAGE", default=None,
                   help="the page (relative to PATH) whose address is printed")
    args = p.parse_args(argv)
    if not 1 <= args.port <= 65535:
        p.error(f"--port must be in 1..65535; got {args.port}")
    if args.token is not None and (len(args.token) < 8 or not args.token.isascii()
                                   or any(c in args.token for c in "&?#/ %")):
        p.error("--token must be at least 8 characters, without spaces or any of & ? # / %")
    if not args.path.exists():
        p.error(f"{args.path} does not exist")
    return args, voila_args


def main(argv=None):
    args, voila_args = parse(sys.argv[1:] if argv is None else argv)
    local = _is_loopback(args.ip)
    if port_taken(args.ip, args.port):
        print(f"serve_lecture: port {args.port} on {args.ip} is already in use (another `make lecture`?).\n"
              f"Stop that server, or choose another port: make lecture LECTURE_PORT={args.port + 1}",
              file=sys.stderr)
        return 2
    token = args.token or secrets.token_urlsafe(18)
    os.environ["COURSE_STYLE"] = "lecture"          # the kernels' figures at projector scale
    _stop_with_parent()
    signal.signal(signal.SIGHUP, lambda *_: os.kill(os.getpid(), signal.SIGTERM))
    _patch_voila()

    settings = {} if not local else {"allow_remote_access": False,
                                     "local_hostnames": ["localhost"]}
    cmd = ["--no-browser", f"--port={args.port}", f"--Voila.ip={args.ip}", "--Voila.port_retries=0",
           f"--Voila.token={token}", "--show_tracebacks=False",
           # kernels on Unix sockets in a private folder: no TCP ports to race for or to reach
           "--KernelManager.transport=ipc",
           f"--VoilaExecutor.cell_error_instruction={CELL_ERROR_NOTICE}",
           *voila_args, str(args.path)]

    page = None if args.path.is_file() else (args.open or "")
    hosts = ["127.0.0.1"] if local else (room_addresses() or [socket.gethostname()])
    print("The lecture is served at (open it once with the token; the browser then remembers it):")
    for host in hosts:
        print("   ", page_url(host if args.ip in ("0.0.0.0", "::") or local else args.ip,
                              args.port, page, token))
    if not local:
        print("Serving a room: anyone who has this address (with its token) can open the pages.")
    print("Stop with Ctrl-C (the kernels are shut down with the server).", flush=True)

    from traitlets.config import Config
    from voila.app import Voila

    config = Config()
    config.Voila.tornado_settings = settings
    Voila.launch_instance(argv=cmd, config=config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
