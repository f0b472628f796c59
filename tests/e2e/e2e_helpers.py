"""Servers and browser steps shared by the end-to-end tests and ``benchmarks/bench_browser_latency.py``.

Everything here runs a real front end: JupyterLab or Voila in a subprocess (own port, own token,
own temporary Jupyter config/data/runtime/settings folders, so nothing from ``~/.jupyter`` leaks in),
driven by the system's headless Chromium through the ``playwright`` Python package. The browser
is Debian's ``/usr/bin/chromium`` (``make test`` installs it with apt-get when it is missing and
we are root); ``playwright install`` is never used.

Environment variables read here:

``COURSE_E2E_CHROMIUM``          the browser executable (default ``/usr/bin/chromium``)
``COURSE_E2E_NOTEBOOK_DIR``      test these notebooks instead of ``notebooks/`` (the server root is
                                 the folder's parent, as the repository is for ``notebooks/``)
``COURSE_E2E_DISABLE_WIDGETS=1`` start JupyterLab with the ipywidgets extension disabled: the
                                 slider tests must then fail (proof that they can)
"""

from __future__ import annotations

import atexit
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = Path(os.environ.get("COURSE_E2E_NOTEBOOK_DIR", ROOT / "notebooks")).resolve()
ARTIFACTS = ROOT / "e2e-artifacts"
CHROMIUM = os.environ.get("COURSE_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
WIDGETS_EXTENSION = "@jupyter-widgets/jupyterlab-manager"

# Kernels talk to their server over Unix sockets in the server's private runtime folder, not over
# TCP ports: with TCP, a port picked as free can be taken by another Jupyter on the same machine
# before the kernel binds it ("Address already in use", then "Invalid Signature" from the other
# kernel's messages), which made Run All hang on a shared 2-core machine.
KERNEL_TRANSPORT = "--KernelManager.transport=ipc"

# JupyterLab user settings: no news or update checks (no network), every cell rendered
# (windowing off: JupyterLab 4 otherwise renders off-screen cells lazily), nothing saved to disk.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification":
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
    # no autosave: a Run All that takes longer than the autosave interval (notebook 04) would
    # otherwise write this run's outputs into the repository's notebook
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def notebooks():
    """The notebooks the tests parametrize over: whatever ``*.ipynb`` exist at collection time."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def load_notebook(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def expected_errors(nb):
    """{cell index: stored ename or None} for the cells tagged ``raises-exception``."""
    out = {}
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code" and "raises-exception" in cell["metadata"].get("tags", []):
            enames = [o.get("ename") for o in cell.get("outputs", []) if o["output_type"] == "error"]
            out[i] = enames[0] if enames else None
    return out


def stored_widget_displays(nb):
    """How many widget views the stored notebook shows (each should come alive in the browser)."""
    return sum(WIDGET_MIME in o.get("data", {})
               for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", []))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_root():
    return hasattr(os, "geteuid") and os.geteuid() == 0


# --------------------------------------------------------------------------------------------
# servers
# --------------------------------------------------------------------------------------------

@dataclass
class Server:
    """A server subprocess we started, stopped by its own process id."""

    name: str
    base_url: str
    token: str
    proc: subprocess.Popen
    log: Path
    extra: dict = field(default_factory=dict)

    def url(self, path):
        sep = "&" if "?" in path else "?"
        return f"{self.base_url}{path}{sep}token={self.token}" if self.token else f"{self.base_url}{path}"

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def api(self, method, path):
        req = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """Stop every kernel session (JupyterLab): keeps the 2-core CI machine free for the next notebook."""
        try:
            for s in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{s['id']}")
        except (urllib.error.URLError, OSError):
            pass

    def stop(self):
        """SIGTERM to the server (it shuts its kernels down), then SIGKILL to whatever is left of
        its process group (kernels included): the server runs in a session of its own, so the
        group is exactly what we started."""
        _LIVE.discard(self)
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)     # the group id is the server's pid
        except (ProcessLookupError, PermissionError, AttributeError):
            pass
        logf = self.extra.pop("logfile", None)
        if logf:
            logf.close()

    __hash__ = object.__hash__


_LIVE: set = set()   # servers started and not stopped yet (stopped at exit, even after SIGTERM)


@atexit.register
def stop_all_servers():
    """Stop every server still running: pytest ended early (SIGTERM turns into KeyboardInterrupt in
    the top-level conftest.py, so fixtures tear down; this catches what they did not)."""
    for server in list(_LIVE):
        server.stop()


def _wait_until_up(server, probe, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url(probe), timeout=5) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer within {timeout} s:\n{server.log_tail()}")


def jupyter_env(tmp: Path, disable_widgets=False, style=None):
    """Environment with private Jupyter folders under ``tmp`` (config, data, runtime, settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "JPY_"))}
    dirs = {name: tmp / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    env.update(JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]), IPYTHONDIR=str(dirs["ipython"]),
               PYTHONUNBUFFERED="1")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("COURSE_STYLE", None)
    if style:
        env["COURSE_STYLE"] = style
    for plugin, values in LAB_SETTINGS.items():
        f = dirs["settings"] / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values, indent=2))
    if disable_widgets:
        # What a broken install looks like to a student: the widget manager is not loaded. This is
        # the file `jupyter labextension disable --level=user` writes, but in our private config dir
        # (the command's default level, sys_prefix, would disable it in the whole environment).
        labconfig = dirs["config"] / "labconfig"
        labconfig.mkdir(exist_ok=True)
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {WIDGETS_EXTENSION: True}}, indent=2))
    return env


def _spawn(name, cmd, env, cwd, log, base_url, token, probe):
    log.parent.mkdir(parents=True, exist_ok=True)
    logfile = open(log, "w")
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=logfile, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    server = Server(name, base_url, token, proc, log, {"logfile": logfile})
    _LIVE.add(server)
    try:
        return _wait_until_up(server, probe)
    except BaseException:
        server.stop()
        raise


def start_jupyterlab(root: Path, tmp: Path, log: Path, disable_widgets=None):
    """JupyterLab serving ``root`` on a free port with a random token."""
    if disable_widgets is None:
        disable_widgets = os.environ.get("COURSE_E2E_DISABLE_WIDGETS", "") == "1"
    env = jupyter_env(tmp, disable_widgets=disable_widgets)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", KERNEL_TRANSPORT, f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={env['JUPYTERLAB_SETTINGS_DIR']}",
           f"--LabApp.workspaces_dir={env['JUPYTERLAB_WORKSPACES_DIR']}",
           "--LabApp.expose_app_in_browser=True", "--ServerApp.terminals_enabled=False"]
    if is_root():
        cmd.append("--allow-root")
    server = _spawn("jupyterlab", cmd, env, root, log, f"http://127.0.0.1:{port}", token, "/api/status")
    server.extra["disable_widgets"] = disable_widgets
    return server


def start_voila(notebook_dir: Path, tmp: Path, log: Path, style="lecture", timeout=600):
    """Voila serving every notebook of ``notebook_dir`` (``/voila/render/NAME.ipynb``)."""
    env = jupyter_env(tmp, style=style)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
           "--Voila.port_retries=0",       # this port or fail: never a server on another one
           KERNEL_TRANSPORT,
           f"--Voila.token={token}", f"--NotebookClient.timeout={timeout}",
           f"--NotebookClient.startup_timeout={timeout}", "--show_tracebacks=True", str(notebook_dir)]
    return _spawn("voila", cmd, env, notebook_dir, log, f"http://127.0.0.1:{port}", token, "/")


def start_lecture_server(root: Path, tmp: Path, log: Path, open_page=None, voila_args=None):
    """``make lecture``'s server: tools/serve_lecture.py (token, 127.0.0.1 with the Host checked,
    no tracebacks shown, kernels shut down when their page is left) serving ``root``, with
    ``voila_args`` (default: make lecture's LECTURE_FLAGS, every page pre-heated)."""
    env = jupyter_env(tmp)            # serve_lecture sets COURSE_STYLE=lecture itself
    port, token = free_port(), secrets.token_hex(16)
    voila_args = ["--preheat_kernel=True", "--pool_size=1"] if voila_args is None else voila_args
    cmd = [sys.executable, str(ROOT / "tools" / "serve_lecture.py"), f"--port={port}",
           f"--token={token}", str(root)]
    if open_page:
        cmd.insert(-1, f"--open={open_page}")
    cmd += ["--", f"--NotebookClient.timeout={600}", f"--NotebookClient.startup_timeout={600}",
            *voila_args]
    return _spawn("lecture", cmd, env, ROOT, log, f"http://127.0.0.1:{port}", token, "/")


def kernel_pids(server):
    """The process ids of the server's kernels (its ipykernel child processes)."""
    import psutil

    try:
        children = psutil.Process(server.proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    pids = []
    for c in children:
        try:
            if "ipykernel" in " ".join(c.cmdline()):
                pids.append(c.pid)
        except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
            pass
    return pids


def wait_in_page(page, server, js, arg=None, timeout=600, slice_ms=5_000):
    """``page.wait_for_function(js, arg)`` with ``timeout`` (seconds) as a ceiling for a hang, but
    failing at once (within ``slice_ms``) when the server has died or its log shows a dead kernel."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            page.wait_for_function(js, arg=arg, timeout=slice_ms, polling=100)
            return
        except Exception as exc:  # playwright's TimeoutError
            if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
                raise
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode} while the page "
                               f"loaded:\n{server.log_tail()}")
        dead = [line for line in server.log_tail(200).splitlines()
                if "KernelRestarter: restart failed" in line or "Kernel died" in line
                or "Kernel didn't respond" in line]
        if dead:
            raise RuntimeError("a kernel died while the page loaded:\n" + "\n".join(dead[-5:]))
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page was not ready within {timeout} s (a hang?):\n"
                               f"{server.log_tail()}")


# Voila pages ---------------------------------------------------------------------------------

#: a Voila page is ready when every stored widget view is drawn with its figure loaded (and, on a
#: deck page, the deck's script ran)
PAGE_READY_JS = """([n, deck]) => {
  if ((deck && !window.__courseDeck) || !document.querySelector('.jp-Cell')) return false;
  const views = document.querySelectorAll('.jp-OutputArea-output > .jupyter-widgets');
  if (views.length < n) return false;
  const imgs = [...document.querySelectorAll('.course-app img')];
  return imgs.length >= n && imgs.every(i => i.complete && i.naturalWidth > 0);
}"""

def open_page(page, server, path, fragment="", ceiling=900):
    """Open the notebook ``path`` (under NOTEBOOK_DIR) in Voila; wait until it is ready (a ceiling
    for a hang; a dead server fails at once). Returns ``(seconds to ready, number of apps)``."""
    n = stored_widget_displays(load_notebook(path))
    t0 = time.monotonic()
    page.goto(server.url(f"/voila/render/{Path(path).relative_to(NOTEBOOK_DIR).as_posix()}") + fragment,
              wait_until="commit", timeout=ceiling * 1000)
    deck = Path(path).parent.name == "lecture"       # a deck page also waits for the deck's script
    wait_in_page(page, server, PAGE_READY_JS, [n, deck], timeout=ceiling)
    return time.monotonic() - t0, n


def wait_until(condition, server, ceiling, what):
    """Poll ``condition()`` every second up to ``ceiling`` seconds (a hang). Returns whether it
    came true; raises at once when the server died."""
    deadline = time.monotonic() + ceiling
    while not condition():
        if server.proc.poll() is not None:
            raise RuntimeError(f"the server exited while waiting for {what}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True


def _filled(server, pages, times):
    found = re.findall(r"Kernel pool of (\S+\.ipynb) is filled", server.log.read_text())
    return all(found.count(p) >= times for p in pages)


def visit_every_page(browser, server, paths, viewport, ceiling=900, stall=300):
    """Open every page of a pre-heated Voila server (``start_lecture_server``) one after the
    other, and leave each (``about:blank``: Voila's page then asks for its kernel's shutdown).

    Returns a dict: ``kernels_before`` (after every pool filled), ``kernels_after`` (after every
    pool refilled and the visited kernels' shutdowns, or ``ceiling``/120 s), ``ready_s`` per page,
    ``refused_shutdowns`` (403 answers to the shutdown), ``still_running`` (kernels that served a
    page and were never shut down), ``reloaded`` (pages not ready after ``stall`` seconds and
    opened again, as a lecturer would reload them: once in four clean-clone runs a pre-heated
    lesson page connected to its live kernel and never drew its widgets, with nothing in the log)."""
    pages = [Path(p).relative_to(NOTEBOOK_DIR).as_posix() for p in paths]
    if not wait_until(lambda: _filled(server, pages, 1), server, ceiling, "every page's pool"):
        raise TimeoutError(f"not every page's pool filled within {ceiling} s:\n{server.log_tail()}")
    wait_until(lambda: len(kernel_pids(server)) >= len(pages), server, 120, "one kernel per page")
    out = {"pages": len(pages), "kernels_before": len(kernel_pids(server)), "ready_s": {}, "reloaded": []}
    page = browser.new_page()
    try:
        page.set_viewport_size(viewport)
        for path in paths:
            try:
                ready, _ = open_page(page, server, path, ceiling=stall)
            except TimeoutError:
                out["reloaded"].append(Path(path).stem)
                page.goto("about:blank")                # leave it first: its kernel must end too
                ready, _ = open_page(page, server, path, ceiling=ceiling)
            out["ready_s"][Path(path).stem] = round(ready, 2)
            page.goto("about:blank")                    # leave the page: its kernel must end
    finally:
        page.close()
    log = lambda: server.log.read_text()  # noqa: E731
    wait_until(lambda: _filled(server, pages, 2), server, ceiling, "every pool refilled")
    used = lambda: set(re.findall(r"Using pre-heated kernel: (\S+) for", log()))  # noqa: E731
    ended = lambda: set(re.findall(r"Kernel shutdown: (\S+)", log()))  # noqa: E731
    wait_until(lambda: used() <= ended(), server, 120, "the visited pages' kernels to end")
    wait_until(lambda: len(kernel_pids(server)) <= out["kernels_before"], server, 60, "their processes to exit")
    out["kernels_after"] = len(kernel_pids(server))
    out["refused_shutdowns"] = log().count("403 POST /voila/api/shutdown")
    out["still_running"] = sorted(used() - ended())
    return out


# --------------------------------------------------------------------------------------------
# browser
# --------------------------------------------------------------------------------------------

def chromium_missing_reason():
    if not Path(CHROMIUM).exists():
        return (f"{CHROMIUM} not found: install Debian's chromium (`apt-get install -y chromium`; "
                f"`make test` does it when run as root)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[test]'"
    return None


def launch_browser(playwright, user_data_dir: Path):
    """Headless system Chromium with a fresh profile (never a downloaded browser build)."""
    shutil.rmtree(user_data_dir, ignore_errors=True)
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        viewport=VIEWPORT)


# JupyterLab ---------------------------------------------------------------------------------

def open_in_lab(page, server, nb_path: Path, root: Path, timeout=600_000):
    """Open a notebook in a workspace of its own (no tabs restored from an earlier notebook)."""
    rel = nb_path.resolve().relative_to(root.resolve()).as_posix()
    workspace = "e2e-" + secrets.token_hex(4)
    page.goto(server.url(f"/lab/workspaces/{workspace}/tree/{rel}"), timeout=timeout)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="attached", timeout=timeout)
    # the kernel is ready when the status bar names it and says Idle
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=timeout)
    status_idle(page, timeout)


def status_idle(page, timeout=600_000):
    """The status bar reads '<kernel> | Idle' (the toolbar's indicator is idle even without a kernel)."""
    page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for(timeout=timeout)


def run_all_cells_from_menu(page):
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()


_MODEL_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  return panel.content.model.toJSON().cells.map(c => ({
      cell_type: c.cell_type, execution_count: c.execution_count ?? null,
      source: Array.isArray(c.source) ? c.source.join('') : c.source,
      tags: (c.metadata && c.metadata.tags) || [], outputs: (c.outputs || []).map(o => ({
          output_type: o.output_type, ename: o.ename || null, evalue: o.evalue || null,
          mimes: Object.keys(o.data || {})}))}));
}"""


def live_cells(page):
    """The notebook as JupyterLab's model holds it now (cells, execution counts, outputs)."""
    return page.evaluate(_MODEL_JS)


_RUN_ALL_DONE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.toJSON().cells.filter(
      c => c.cell_type === 'code' && (Array.isArray(c.source) ? c.source.join('') : c.source).trim());
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const busy = !kernel || kernel.status !== 'idle'
      || [...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'));
  const allRan = cells.every(c => c.execution_count !== null);
  const stopped = cells.some(c => !((c.metadata && c.metadata.tags) || []).includes('raises-exception')
      && (c.outputs || []).some(o => o.output_type === 'error'));
  return !busy && (allRan || stopped);
}"""


def wait_for_run_all(page, timeout=1800, settle=1.0):
    """Until every non-empty code cell has run (or an untagged cell failed, which aborts the rest),
    the kernel is idle, and this stays so for ``settle`` seconds (the kernel is briefly idle
    between two cells); then the status bar must read Idle."""
    deadline, since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if page.evaluate(_RUN_ALL_DONE_JS):
            since = since or time.monotonic()
            if time.monotonic() - since >= settle:
                status_idle(page)
                return
        else:
            since = None
        page.wait_for_timeout(250)
    raise TimeoutError(f"Run All Cells did not finish within {timeout} s")


def unexpected_errors(cells, expected):
    """Error outputs outside ``raises-exception`` cells, or with another ename than stored."""
    bad = []
    for i, cell in enumerate(cells):
        for out in cell["outputs"]:
            if out["output_type"] != "error":
                continue
            if i in expected and expected[i] in (None, out["ename"]):
                continue
            bad.append(f"cell {i}: {out['ename']}: {out['evalue']}\n    {cell['source'][:200]}")
        if cell["cell_type"] == "code" and cell["source"].strip() and cell["execution_count"] is None:
            bad.append(f"cell {i} never ran (an earlier error stopped Run All?)\n    {cell['source'][:200]}")
    return bad


# Sliders (shared by JupyterLab and Voila) ----------------------------------------------------

SLIDER = ".widget-slider"
HANDLE = ".noUi-handle"
READOUT = ".widget-readout"


def output_area_of(slider):
    """The output area holding a slider (the App's VBox with its Image lives there too)."""
    return slider.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")


def image_srcs(area):
    return area.evaluate("el => [...el.querySelectorAll('img')].map(i => i.src)")


def _img_changed(page, area, before, timeout):
    try:
        page.wait_for_function(
            "([el, before]) => { const now = [...el.querySelectorAll('img')].map(i => i.src);"
            " return now.length !== before.length || now.some((s, k) => s !== before[k]); }",
            arg=[area.element_handle(), before], timeout=timeout, polling=50)
        return True
    except Exception:  # playwright's TimeoutError
        return False


def move_slider(page, slider, presses=3, timeout=120_000):
    """Focus the slider's handle, press arrow keys, and wait until an image next to it changes.

    Returns (moved: bool, message). ArrowRight first (ArrowLeft when the slider sits at its
    maximum). A few small steps may leave the picture pixel-identical (e.g. Adam's epsilon from
    1e-8 to 1.3e-8), so when no image changed within a few seconds, the handle jumps to the far end
    of its range (End, or Home) and must change the figure then.
    """
    slider.scroll_into_view_if_needed()
    handle = slider.locator(HANDLE).first
    area = output_area_of(slider)
    before = image_srcs(area)
    if not before:
        return False, "no <img> in the slider's output area"
    readout = slider.locator(READOUT).first
    value0 = readout.inner_text() if readout.count() else None
    handle.focus()
    if not handle.evaluate("h => h === document.activeElement"):
        return False, "the slider's handle cannot take the keyboard focus"
    for key, far in (("ArrowRight", "End"), ("ArrowLeft", "Home")):
        for _ in range(presses):
            page.keyboard.press(key)
        if value0 is None or readout.inner_text() != value0:
            break
    else:
        return False, f"the arrow keys did not change the slider (value {value0})"
    if _img_changed(page, area, before, min(timeout, 5_000)):
        return True, f"{value0} -> {readout.inner_text()}"
    page.keyboard.press(far)
    if _img_changed(page, area, before, timeout):
        return True, f"{value0} -> {readout.inner_text()} (after {far})"
    return False, (f"no figure changed within {timeout / 1000:.0f} s "
                   f"(value {value0} -> {readout.inner_text()} after arrows and {far})")


def widget_display_errors(page):
    """Texts ipywidgets shows when it cannot render a widget."""
    return page.locator("text=/Error displaying widget|model not found/").all_inner_texts()
