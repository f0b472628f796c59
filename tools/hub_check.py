"""A real JupyterHub on 127.0.0.1 that opens the course the way a class does (``make hub-check``).

    python tools/hub_check.py --users 3            # 3 students, each runs lesson 01 in a kernel
    python tools/hub_check.py --users 30 --no-lesson --json build/hub.json   # a load run

What it runs, all on 127.0.0.1 and all stopped at the end (also on an error or Ctrl-C):

* ``jupyterhub`` (from the ``hub`` extra) with its proxy, ``configurable-http-proxy``, installed from
  ``tools/hub-proxy/package.json`` into ``build/hub-proxy`` by ``make hub-proxy``;
* the dummy authenticator (any user name, one shared password) and ``SimpleLocalProcessSpawner``:
  each student's server runs this Python (standing in for the user image, which installs the
  course's package: ``binder/``), with a home folder of its own under a temporary folder;
* the course as a git repository: a bare copy of this checkout's HEAD, which nbgitpuller clones.

Each student logs in with the launch link the website shows (``tools/build_site.py hub_url``),
starts a server the way the hub's "not running" page does, waits for nbgitpuller's pull (its
event stream, as the page's script does), opens JupyterLab on lesson 01, and then runs every code
cell of lesson 01 in a kernel started where JupyterLab starts it (``notebooks/`` of the clone).
Reported per student: seconds to a server, to the pulled course in JupyterLab ("ready"), to run
lesson 01, and the memory of the student's processes (server and kernel).

Used by ``tests/e2e/test_hub.py`` (3 students) and ``benchmarks/bench_hub.py`` (30 students).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
PROXY = ROOT / "build" / "hub-proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "course-check"
MARKER = "COURSE_HUB_CHECK"          # set in every process the check starts: found and stopped at the end
sys.path.insert(0, str(ROOT / "tools"))


def missing_reason() -> str | None:
    """Why the hub cannot run here (None when it can)."""
    try:
        import jupyterhub  # noqa: F401
        import nbgitpuller  # noqa: F401
    except ImportError as e:
        return f"{e.name} is not installed (pip install -r requirements.lock)"
    if not PROXY.exists():
        return f"{PROXY.relative_to(ROOT)} is missing: run `make hub-proxy` (needs node and npm)"
    return None


def lesson01() -> Path:
    found = sorted((ROOT / "notebooks").glob("01-*.ipynb"))
    if len(found) != 1:
        raise RuntimeError(f"expected one notebooks/01-*.ipynb, found {found}")
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def course_remote(folder: Path, name: str = "sgd-course") -> Path:
    """A bare git repository holding this checkout's HEAD as branch ``main`` (what nbgitpuller clones)."""
    remote = folder / name
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    subprocess.run(["git", "push", "--quiet", str(remote), "HEAD:refs/heads/main"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    return remote


class Hub:
    """JupyterHub + proxy + the students' servers, in ``workdir``; ``stop()`` ends every one of them."""

    def __init__(self, workdir: Path, log=print):
        self.workdir = Path(workdir).resolve()
        self.log = log
        self.port, self.hub_port, self.api_port = _free_port(), _free_port(), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(16)
        self.marker = secrets.token_hex(8)
        self.homes = self.workdir / "home"
        self.proc = None

    def config(self) -> str:
        singleuser = Path(sys.executable).parent / "jupyterhub-singleuser"
        return "\n".join([
            "c = get_config()  # noqa",
            f"c.JupyterHub.bind_url = {self.url!r}",
            "c.JupyterHub.hub_ip = '127.0.0.1'",
            f"c.JupyterHub.hub_port = {self.hub_port}",
            f"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{self.api_port}'",
            f"c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]",
            f"c.JupyterHub.db_url = 'sqlite:///{self.workdir / 'jupyterhub.sqlite'}'",
            f"c.JupyterHub.cookie_secret_file = {str(self.workdir / 'cookie_secret')!r}",
            f"c.JupyterHub.pid_file = {str(self.workdir / 'jupyterhub.pid')!r}",
            "c.JupyterHub.authenticator_class = 'dummy'",
            f"c.DummyAuthenticator.password = {PASSWORD!r}",
            "c.Authenticator.allow_all = True",
            "c.JupyterHub.spawner_class = 'simple'",
            f"c.SimpleLocalProcessSpawner.home_dir_template = {str(self.homes / '{username}')!r}",
            f"c.Spawner.cmd = [{str(singleuser)!r}]",
            "c.Spawner.default_url = '/lab'",
            # (this machine's check may run as root, as CI does; a real hub's users are not root)
            f"c.Spawner.args = {['--allow-root'] if os.getuid() == 0 else []!r}",
            "c.Spawner.start_timeout = 900",
            "c.Spawner.http_timeout = 900",
            # the check's marker reaches every server and kernel; matplotlib's font cache is built
            # once (as in an image), not once per student
            f"c.Spawner.env_keep = ['PATH', 'LANG', 'LC_ALL', 'VIRTUAL_ENV', 'MPLCONFIGDIR', {MARKER!r}]",
            "c.JupyterHub.concurrent_spawn_limit = 200",
            "c.JupyterHub.cleanup_servers = True",
            f"c.JupyterHub.services = [{{'name': 'hub-check', 'api_token': {self.token!r}}}]",
            "c.JupyterHub.load_roles = [{'name': 'hub-check', 'services': ['hub-check'],",
            "    'scopes': ['admin:users', 'admin:servers', 'access:servers', 'read:users']}]",
            ""])

    def start(self, timeout: float = 180):
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.homes.mkdir(exist_ok=True)
        (self.workdir / "jupyterhub_config.py").write_text(self.config())
        env = {**os.environ, MARKER: self.marker,
               "MPLCONFIGDIR": os.environ.get("MPLCONFIGDIR", str(self.workdir / "mplconfig"))}
        env.pop("JUPYTERHUB_API_TOKEN", None)
        self.logfile = open(self.workdir / "jupyterhub.log", "wb")
        atexit.register(self.stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(self.workdir / "jupyterhub_config.py")],
            cwd=self.workdir, env=env, stdout=self.logfile, stderr=subprocess.STDOUT,
            start_new_session=True)
        import httpx
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyterhub exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/hub/api", timeout=5).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"jupyterhub did not answer within {timeout} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 40) -> str:
        path = self.workdir / "jupyterhub.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else ""

    def processes(self, user: str | None = None):
        """Every live process this check started (by its marker), or those of one student."""
        import psutil
        out = []
        for p in psutil.process_iter(["pid"]):
            try:
                env = p.environ()
            except (psutil.Error, OSError):
                continue
            if env.get(MARKER) == self.marker and (user is None or env.get("JUPYTERHUB_USER") == user):
                out.append(p)
        return out

    def memory(self, user: str) -> dict:
        """MB of a student's processes: resident (RSS) and unique (USS: what this student adds)."""
        import psutil
        mb = {"server_rss": 0.0, "kernel_rss": 0.0, "uss": 0.0}
        for p in self.processes(user):
            try:
                info = p.memory_full_info()
                kind = "kernel_rss" if "ipykernel" in " ".join(p.cmdline()) else "server_rss"
            except psutil.Error:
                continue
            mb[kind] += info.rss / 2**20
            mb["uss"] += info.uss / 2**20
        return {k: round(v, 1) for k, v in mb.items()}

    def stop(self):
        """Stop the hub (it stops the servers and the proxy), then anything left with our marker."""
        import psutil
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        left = self.processes()
        for p in left:
            try:
                p.terminate()
            except psutil.Error:
                pass
        _, alive = psutil.wait_procs(left, timeout=10)
        for p in alive:
            try:
                p.kill()
            except psutil.Error:
                pass
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc = None
        self.logfile.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ------------------------------------------------------------------------------------------------
# One student
# ------------------------------------------------------------------------------------------------
async def _server_ready(client, hub: Hub, user: str, timeout: float = 900):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = await client.get(f"/hub/api/users/{user}", headers={"Authorization": f"token {hub.token}"})
        server = r.json().get("servers", {}).get("")
        if server and server.get("ready"):
            return
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{user}: no server after {timeout} s")


async def open_course(hub: Hub, user: str, link: str) -> dict:
    """Log in through ``link`` (the site's nbgitpuller launch link), as a browser would; returns
    the seconds to a running server, to the pulled course open in JupyterLab, and the clone's path."""
    import httpx
    t0 = time.perf_counter()
    timings = {}
    async with httpx.AsyncClient(base_url=hub.url, follow_redirects=True, timeout=900) as c:
        launch = urlsplit(link)
        target = launch.path + "?" + launch.query
        r = await c.get("/hub/login", params={"next": target})
        xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', r.text).group(1)
        r = await c.post("/hub/login", params={"next": target},
                         data={"username": user, "password": PASSWORD, "_xsrf": xsrf})
        if r.status_code == 424:            # "server not running": the page's Launch button
            r = await c.get(f"/hub/spawn/{user}", params={"next": r.url.raw_path.decode()})
        if "/spawn-pending/" in r.url.path:   # the hub's progress page, then on to `next`
            await _server_ready(c, hub, user)
            timings["server"] = time.perf_counter() - t0
            r = await c.get(parse_qs(r.url.query.decode())["next"][0])
        timings.setdefault("server", time.perf_counter() - t0)
        if r.status_code != 200 or "/git-pull" not in r.url.path:
            raise RuntimeError(f"{user}: the launch link ended at {r.url} ({r.status_code})")
        # the page's script: nbgitpuller's event stream, then JupyterLab at urlpath
        q = parse_qs(r.url.query.decode())
        repo, branch, urlpath = q["repo"][0], q["branch"][0], q["urlpath"][0]
        targetpath = repo.rstrip("/").split("/")[-1]
        phases = []
        async with c.stream("GET", f"/user/{user}/git-pull/api",
                            params={"repo": repo, "branch": branch, "targetpath": targetpath}) as s:
            async for line in s.aiter_lines():
                if line.startswith("data:"):
                    msg = json.loads(line[5:])
                    phases.append(msg.get("phase"))
                    if msg.get("phase") == "error":
                        raise RuntimeError(f"{user}: nbgitpuller failed: {msg.get('message')} "
                                           f"{msg.get('output', '')}")
                    if msg.get("phase") == "finished":
                        break
        if phases[-1:] != ["finished"]:
            raise RuntimeError(f"{user}: nbgitpuller's stream ended without 'finished': {phases}")
        r = await c.get(f"/user/{user}/{urlpath}")
        if r.status_code != 200 or "jupyter" not in r.text.lower():
            raise RuntimeError(f"{user}: JupyterLab at {urlpath} answered {r.status_code}")
        timings["ready"] = time.perf_counter() - t0
    nb_path = urlpath.split("lab/tree/", 1)[1]
    return {"user": user, "server_s": round(timings["server"], 2), "ready_s": round(timings["ready"], 2),
            "notebook": nb_path}


async def run_in_kernel(hub: Hub, user: str, nb_path: str, timeout: float = 900) -> dict:
    """Run every code cell of ``nb_path`` (relative to the student's home) in a kernel that the
    student's server starts as JupyterLab does (a session: the kernel's folder is the notebook's)."""
    import httpx
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    auth = {"Authorization": f"token {hub.token}"}
    base = f"/user/{user}/api"
    t0 = time.perf_counter()
    async with httpx.AsyncClient(base_url=hub.url, headers=auth, timeout=timeout) as c:
        r = await c.get(f"{base}/contents/{quote(nb_path)}", params={"content": 1})
        r.raise_for_status()
        cells = r.json()["content"]["cells"]
        r = await c.post(f"{base}/sessions", json={"path": nb_path, "type": "notebook", "name": "",
                                                   "kernel": {"name": "python3"}})
        r.raise_for_status()
        kernel = r.json()["kernel"]["id"]
    session = uuid.uuid4().hex
    ws_url = (hub.url.replace("http", "ws", 1)
              + f"{base}/kernels/{kernel}/channels?session_id={session}")
    ws = await websocket_connect(HTTPRequest(ws_url, headers=auth), max_message_size=2**28)

    async def request(msg_type, content, channel="shell"):
        msg_id = uuid.uuid4().hex
        ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": msg_type, "username": user, "session": session,
                       "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": channel,
            "buffers": []}))
        errors, stream = [], []
        while True:
            raw = await asyncio.wait_for(ws.read_message(), timeout)
            if raw is None:
                raise RuntimeError(f"{user}: the kernel's websocket closed")
            if isinstance(raw, bytes):      # binary frames (widget buffers): not a reply
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")
            elif msg["msg_type"] == "stream":
                stream.append(msg["content"]["text"])
            elif msg["msg_type"] == f"{msg_type.rsplit('_', 1)[0]}_reply":
                return msg["content"], errors, "".join(stream)

    try:
        await request("kernel_info_request", {})
        kernel_s = time.perf_counter() - t0
        where, _, out = await request("execute_request", {
            "code": "import os, course_utils; print(os.getcwd()); print(course_utils.__file__)",
            "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False,
            "stop_on_error": True})
        cwd, package = (out.strip().splitlines() + ["", ""])[:2]
        ran, failures = 0, []
        for i, cell in enumerate(cells):
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            reply, errors, _ = await request("execute_request", {
                "code": source, "silent": False, "store_history": True, "user_expressions": {},
                "allow_stdin": False, "stop_on_error": True})
            ran += 1
            if reply["status"] != "ok" and "raises-exception" not in cell.get("metadata", {}).get("tags", []):
                failures.append(f"cell {i}: " + "; ".join(errors or [reply.get("ename", "error")]))
                break
    finally:
        ws.close()
    return {"kernel_s": round(kernel_s, 2), "lesson_s": round(time.perf_counter() - t0, 2),
            "cells_run": ran, "failures": failures, "kernel_cwd": cwd, "course_utils": package}


async def student(hub: Hub, user: str, link: str, lesson: bool) -> dict:
    out = await open_course(hub, user, link)
    if lesson:
        out.update(await run_in_kernel(hub, user, out["notebook"]))
    out["memory_mb"] = hub.memory(user)
    return out


def launch_link(hub: Hub, remote: Path, nb: Path) -> str:
    """The website's nbgitpuller link (tools/build_site.py), pointed at this hub and the local clone."""
    from build_site import hub_url
    cfg = {"repository": remote.as_uri(), "branch": "main", "jupyterhub": hub.url}
    return hub_url(nb.relative_to(ROOT).as_posix(), cfg)


def check(n_users: int = 3, lesson: bool = True, workdir: Path | None = None, log=print) -> dict:
    """Start a hub, let ``n_users`` students open lesson 01 at once; a report (every process stopped)."""
    reason = missing_reason()
    if reason:
        raise RuntimeError(reason)
    tmp = tempfile.TemporaryDirectory(prefix="course-hub-") if workdir is None else None
    folder = Path(tmp.name if tmp else workdir).resolve()
    try:
        remote = course_remote(folder)
        with Hub(folder / "hub", log=log) as hub:
            link = launch_link(hub, remote, lesson01())
            log(f"hub at {hub.url}; launch link {link}")
            t0 = time.perf_counter()

            async def everyone():
                return await asyncio.gather(*(student(hub, f"student{i:02d}", link, lesson)
                                              for i in range(n_users)), return_exceptions=True)

            results = asyncio.run(everyone())
            wall = time.perf_counter() - t0
            errors = [r for r in results if isinstance(r, BaseException)]
            if errors:
                raise RuntimeError(f"{len(errors)} of {n_users} students failed: {errors[0]!r}\n"
                                   f"{hub.log_tail()}") from errors[0]
            clones = {r["user"]: (hub.homes / r["user"] / r["notebook"]).is_file() for r in results}
            return {"users": n_users, "lesson": lesson, "wall_s": round(wall, 1), "link": link,
                    "marker": hub.marker,
                    "students": results, "clones": clones, "summary": summarize(results)}
    finally:
        if tmp:
            tmp.cleanup()


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def summarize(results: list[dict]) -> dict:
    out = {}
    for key in ("server_s", "ready_s", "kernel_s", "lesson_s"):
        vals = [r[key] for r in results if key in r]
        if vals:
            out[key] = {"p50": round(statistics.median(vals), 1), "p95": round(_pct(vals, 95), 1),
                        "max": round(max(vals), 1)}
    for key in ("server_rss", "kernel_rss", "uss"):
        vals = [r["memory_mb"][key] for r in results]
        out[key + "_mb"] = {"p50": round(statistics.median(vals)), "max": round(max(vals))}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=3, help="students opening the course at once")
    parser.add_argument("--no-lesson", action="store_true", help="open the course only; run no kernel")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--workdir", type=Path, help="keep the hub's files and log here (default: a "
                        "temporary folder, removed at the end)")
    args = parser.parse_args(argv)
    if not 1 <= args.users <= 200:
        raise ValueError(f"--users must be between 1 and 200, got {args.users}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))     # finally-blocks stop the hub
    report = check(args.users, lesson=not args.no_lesson, workdir=args.workdir)
    s = report["summary"]
    print(f"{report['users']} students at once, wall {report['wall_s']} s")
    for key, v in s.items():
        print(f"  {key:14s} " + "  ".join(f"{k} {x}" for k, x in v.items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1))
    bad = [r["user"] for r in report["students"] if r.get("failures")]
    if bad or not all(report["clones"].values()):
        sys.exit(f"lesson 01 failed for {bad}" if bad else f"no clone for some students: {report['clones']}")


if __name__ == "__main__":
    main()
