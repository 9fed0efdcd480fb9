"""Executing the wijk notebook with papermill and writing the HTML page (no pandas here).

:func:`render_report` executes the notebook with papermill (parameters are written into the
notebook as Python literals by papermill, never as code) and exports the HTML in-process with
nbconvert (no process per report). :class:`KernelRunner` keeps one kernel and one kernel client
per worker and empties the namespace (:data:`RESET_CODE`) before every report, so that a batch
pays the kernel start and the imports once per worker, not once per report.

This module only imports the standard library at import time: a batch worker process needs it
at once (to start its kernel) and never needs pandas itself; the report's computation runs in
the kernel (:mod:`mkba.report.reports`).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import os
import re
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mkba.base.assumptions import REPORT_NOTEBOOK, WIJK_CODE_PATTERN
from mkba.base.errors import CaseError
from mkba.base.files import atomic_write
from mkba.base.html import nbsp
from mkba.base.settings import Settings
from mkba.report.templating import Markup, render

__all__ = ["KernelRunner", "render_report", "export_html", "report_parameters",
           "check_wijk_code", "ReportOutput", "WARM_UP", "RESET_CODE", "HEADLINE_MIME",
           "notebook_headline", "report_title"]

RESET_TAG = "mkba-reset"
#: Output type under which the report's title carries its headline figures (JSON); the batch
#: builds its index from them, so index and report show the same computation.
HEADLINE_MIME = "application/vnd.mkba.kop+json"
#: What a worker's kernel loads before its first report (modules stay loaded across resets).
#: Output caching is switched off: a long-lived kernel would otherwise keep every report's
#: output in Out/_N.
WARM_UP = ("import mkba.report.reports, mkba.engine.cba, mkba.evidence.indicators\n"
           "import mkba.evidence.counterfactual, mkba.figures.plots, seaborn\n"
           "import matplotlib.pyplot\nimport mkba.evidence.cbs\nmkba.evidence.cbs.load_kwb()\n"
           "get_ipython().displayhook.do_full_cache = False\n")
#: Run before every report in a reused kernel: delete what earlier reports defined and go to
#: the report's folder. (IPython's ``%reset -f`` does the same but also runs two full garbage
#: collections, 0.4 s a report, and walks every execution count the kernel has seen.)
RESET_CODE = """_ip = get_ipython()
_name = None
for _name in [n for n in _ip.user_ns if not n.startswith("_") and n not in _ip.user_ns_hidden]:
    del _ip.user_ns[_name]
_ip.user_ns.get("_oh", {{}}).clear()
import os as _os
_os.chdir({cwd!r})
del _os, _ip, _name
"""


def report_parameters(settings=None, **parameters) -> dict:
    """Check the report parameters and return them as plain values for papermill.

    Either a :class:`mkba.base.settings.Settings` or its report parameters by name
    (:meth:`~mkba.base.settings.Settings.to_report_parameters`); ``None`` means: not chosen (the
    scenario's value, else the default).

    Parameters
    ----------
    settings : Settings, optional
        The settings.
    **parameters
        Or the report parameters by name.

    Returns
    -------
    dict
        The parameters as plain values.

    Examples
    --------
    >>> report_parameters(discount_rate=0.03)["discount_rate"]
    0.03
    >>> report_parameters()["price_year"] is None
    True
    >>> report_parameters(horizon=-1)
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: instellingen: horizon -1 moet tussen 1 en 200 jaar liggen
    """

    if settings is None:
        settings = Settings.from_report_parameters(**parameters)
    elif parameters:
        raise TypeError("geef settings óf losse parameters, niet allebei")
    return settings.validate().to_report_parameters()


def check_wijk_code(wijk_code) -> str:
    """The code itself if it is a CBS wijk or buurt code; otherwise a :class:`CaseError`.

    Parameters
    ----------
    wijk_code : str
        The code.

    Returns
    -------
    str
        The code.

    Examples
    --------
    >>> check_wijk_code("WK036330")
    'WK036330'
    >>> check_wijk_code("WK0363; import os")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: 'WK0363; import os' is geen CBS-code van een wijk ...
    """
    if not isinstance(wijk_code, str) or not re.fullmatch(WIJK_CODE_PATTERN, wijk_code):
        raise CaseError(f"{wijk_code!r} is geen CBS-code van een wijk (WKxxxxxx) of buurt "
                        "(BUxxxxxxxx)")
    return wijk_code


@functools.lru_cache(maxsize=1)
def html_exporter():
    """nbconvert's HTML exporter, built once per process (its templates load slowly)."""
    # nbconvert: ≈ 0,45 s at import; `mkba batch` plans with this module
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, anchor_link_text="")


#: HTML comments of the notebook's Markdown cells (notes for whoever edits the notebook).
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def export_html(nb, title: str) -> str:
    """The executed notebook as one self-contained HTML page, without code (in-process): the
    notebook's HTML in the page template ``templates/report.html.j2`` (shared frame
    ``base.html.j2``, style sheet ``report.css``).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    title : str
        The page title.

    Returns
    -------
    str
        The HTML page.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Transvaal")])
    >>> page = export_html(nb, "Transvaalbuurt")
    >>> "<title>Transvaalbuurt</title>" in page, '<h1 id="Transvaal">Transvaal' in page
    (True, True)
    """
    body, _ = html_exporter().from_notebook_node(nb)
    body = Markup(nbsp(_COMMENT.sub("", body)))
    return str(render("report.html.j2", title=title, body=body))


def report_title(wijk_code: str, headline: dict | None) -> str:
    """The page title: the wijk's name and code (the code alone when the name is unknown).

    Parameters
    ----------
    wijk_code : str
        The wijk.
    headline : dict or None
        The headline figures (with the wijk's name).

    Returns
    -------
    str
        The title.

    Examples
    --------
    >>> report_title("WK036330", {"name": "Transvaalbuurt"})
    'Wijkrapport Transvaalbuurt (WK036330)'
    >>> report_title("WK036330", None)
    'Wijkrapport WK036330'
    """
    name = (headline or {}).get("name")
    if name and name != wijk_code:
        return f"Wijkrapport {name} ({wijk_code})"
    return f"Wijkrapport {wijk_code}"


class KernelRunner:
    """Runs notebooks with papermill in one kernel that lives as long as this object.

    Before every notebook the user namespace is emptied (:data:`RESET_CODE`, in a cell that is
    removed from the saved notebook), so reports do not see each other's variables. A dead
    kernel is restarted. ``isolate=True`` starts a fresh kernel for every notebook instead.

    Parameters
    ----------
    isolate : bool, default False
        A new kernel for every notebook instead of one shared.
    kernel_name : str, default "python3"
        The Jupyter kernel.
    threads : int, optional
        Threads the kernel's numeric libraries may use; None for their default.
    tmp_root : str, optional
        Where the kernel's temporary files go.

    Examples
    --------
    No kernel starts until the first notebook is run:

    >>> runner = KernelRunner(threads=1)
    >>> runner.kernel_name, runner.threads
    ('python3', 1)
    >>> runner.close()
    """

    def __init__(self, isolate: bool = False, kernel_name: str = "python3",
                 threads: int | None = None, tmp_root: str | None = None):
        self.isolate = isolate
        self.tmp_root = tmp_root
        self.kernel_name = kernel_name
        self.threads = threads
        self._loop = None
        self._km = None
        self._kc = None
        self._ipc_dir = None

    def _start(self):
        # jupyter_client: ≈ 0,1 s at import, only where a kernel runs
        from jupyter_client.manager import AsyncKernelManager

        self._loop = self._loop or asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        # IPC sockets in a private folder: workers sharing a working directory would otherwise
        # pick the same socket names (kernel-ipc-1, ...) and garble each other's messages
        # (the connection file goes there too: one folder to remove, by the worker or, when the
        # worker was killed, by the batch that owns ``tmp_root``)
        self._ipc_dir = self._ipc_dir or tempfile.mkdtemp(prefix="mkba-kernel-",
                                                          dir=self.tmp_root)
        self._km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                      ip=os.path.join(self._ipc_dir, "kernel"),
                                      connection_file=os.path.join(self._ipc_dir,
                                                                   "kernel.json"))
        # BLAS/OpenMP threads per kernel: cores ÷ workers (threads), so that several
        # multi-threaded kernels on few cores do not fight over them
        env = dict(os.environ)
        if self.threads:
            env.update({v: str(self.threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                       "MKL_NUM_THREADS")})
        self._loop.run_until_complete(self._km.start_kernel(env=env))
        self._kc = self._km.client()
        self._kc.start_channels()
        self._loop.run_until_complete(self._kc.wait_for_ready(timeout=120))

    def warm(self, code: str = WARM_UP, meanwhile=None) -> None:
        """Start the kernel and run ``code`` in it (imports, CBS data) before the first report.

        ``meanwhile`` (a callable) runs in this process while the kernel works: the overlap
        comes from two processes, never from two threads importing at once (concurrent
        imports of shared packages can see half-initialised modules).
        """
        if self.isolate:
            if meanwhile is not None:
                meanwhile()
            return
        if not self._alive():
            self.close()
            self._start()
        msg_id = self._kc.execute(code, silent=True)
        if meanwhile is not None:
            meanwhile()
        self._loop.run_until_complete(self._reply(msg_id, timeout=300))

    async def _reply(self, msg_id: str, timeout: float):
        while True:
            msg = await self._kc.get_shell_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") == msg_id:
                if msg["content"].get("status") != "ok":
                    raise RuntimeError("voorbereiden van de kernel mislukt: "
                                       f"{msg['content'].get('ename')}: "
                                       f"{msg['content'].get('evalue')}")
                return msg

    def _alive(self) -> bool:
        if self._km is None:
            return False
        return bool(self._loop.run_until_complete(self._km.is_alive()))

    def close(self) -> None:
        """Stop the kernel (also when this process is being stopped by a signal) and remove
        its files."""
        km, kc = self._km, self._kc
        self._km = self._kc = None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:  # noqa: BLE001 - closing sockets of a dying kernel
                pass
        if km is not None:
            pid = getattr(getattr(km, "provisioner", None), "pid", None)
            stopped = False
            try:
                self._loop.run_until_complete(
                    asyncio.wait_for(km.shutdown_kernel(now=True), timeout=5))
                stopped = True
            except BaseException:  # noqa: BLE001 - kernel gone, loop busy or a second signal
                pass
            if pid and not stopped:  # the kernel leads its own session (jupyter_client)
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self._ipc_dir is not None:
            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def run(self, nb, parameters: dict, cwd: str | None = None):
        """Execute a notebook (NotebookNode) with parameters; returns the executed notebook."""
        import nbformat  # nbformat + papermill: ≈ 0,45 s at import, only where a report renders
        import papermill as pm

        if self.isolate:
            return pm.execute_notebook(copy.deepcopy(nb), None, parameters=parameters,
                                       progress_bar=False, cwd=cwd, kernel_name=self.kernel_name)
        if not self._alive():
            self.close()
            self._start()
        _register_engine()
        work = copy.deepcopy(nb)
        reset = nbformat.v4.new_code_cell(RESET_CODE.format(cwd=str(cwd or os.getcwd())))
        reset.metadata["tags"] = [RESET_TAG]
        work.cells.insert(0, reset)
        out = pm.execute_notebook(work, None, parameters=parameters, progress_bar=False,
                                  engine_name="mkba-reuse", km=self._km, kc=self._kc,
                                  kernel_name=self.kernel_name)
        out.cells = [c for c in out.cells if RESET_TAG not in c.metadata.get("tags", [])]
        return out


_ENGINE_REGISTERED = False


def _register_engine() -> None:
    """Register a papermill engine that runs in an existing kernel with an existing client."""
    global _ENGINE_REGISTERED
    if _ENGINE_REGISTERED:
        return
    # papermill: ≈ 0,4 s at import, only where a report renders
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import remove_args

    class ReusedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, kc=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            client = PapermillNotebookClient(
                nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, **kwargs)
            client.kc = kc  # reuse the worker's client: no new sockets per report
            return client.execute()

    papermill_engines.register("mkba-reuse", ReusedKernelEngine)
    _ENGINE_REGISTERED = True


@dataclass(frozen=True)
class ReportOutput:
    """What :func:`render_report` wrote for one wijk: the page, the executed notebook, how long
    it took and the headline figures.

    Parameters
    ----------
    wijk_code : str
        The wijk.
    html : pathlib.Path
        The report.
    notebook : pathlib.Path
        The executed notebook.
    seconds : float
        How long it took.
    headline : dict, optional
        The headline figures the notebook displayed (for the index).

    Examples
    --------
    >>> out = ReportOutput("WK036330", Path("WK036330.html"), Path("WK036330.ipynb"), 4.2)
    >>> out.html.name, out.headline
    ('WK036330.html', None)
    """

    wijk_code: str
    html: Path
    notebook: Path
    seconds: float
    #: the headline figures the notebook displayed (:data:`HEADLINE_MIME`), if it did
    headline: dict | None = None


def notebook_headline(nb) -> dict | None:
    """The headline figures an executed notebook displayed (:data:`HEADLINE_MIME`), or None.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.

    Returns
    -------
    dict or None
        The headline figures.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("rapport.title()")
    >>> cell.outputs = [nbformat.v4.new_output(
    ...     "display_data", {"text/html": "<h1>…</h1>", HEADLINE_MIME: {"name": "Volewijck"}})]
    >>> notebook_headline(nbformat.v4.new_notebook(cells=[cell]))
    {'name': 'Volewijck'}
    """
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if HEADLINE_MIME in data:
                return dict(data[HEADLINE_MIME])
    return None


def render_report(wijk_code: str, out_dir, case_path: str | None = None, *,
                  runner: KernelRunner | None = None, notebook: Path = REPORT_NOTEBOOK,
                  **parameters) -> ReportOutput:
    """Execute the wijk notebook for one wijk and write ``<wijk>.html`` and ``<wijk>.ipynb``.

    Parameters are checked first (a wijk code must be a CBS code; numbers must be numbers);
    papermill then writes them into the notebook as literals. Both files are written
    atomically. Raises the notebook's error when a cell fails.

    Parameters
    ----------
    wijk_code : str
        The wijk or buurt.
    out_dir : str or pathlib.Path
        Where to write.
    case_path : str, optional
        The case; None for a profile-only report.
    runner : KernelRunner, optional
        The kernel to run in; by default a new one, closed afterwards.
    notebook : pathlib.Path, default REPORT_NOTEBOOK
        The notebook to execute.
    **parameters
        Report parameters (:func:`report_parameters`).

    Returns
    -------
    ReportOutput
        What was written.

    Examples
    --------
    The parameters are checked before a kernel starts (running one is tested in
    ``tests/test_reports.py``):

    >>> render_report("WK0363<x>", "uit")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: ...
    """
    import nbformat  # nbformat: ≈ 0,1 s at import, only where a report renders

    started = time.perf_counter()
    check_wijk_code(wijk_code)
    params = report_parameters(**parameters)
    case = str(Path(case_path).resolve()) if case_path else ""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(notebook, as_version=4)
    own = runner is None
    runner = runner or KernelRunner()
    try:
        executed = runner.run(nb, {"wijk_code": wijk_code, "case_path": case, **params},
                              cwd=str(out_dir.resolve()))
    finally:
        if own:
            runner.close()
    html_path, nb_path = out_dir / f"{wijk_code}.html", out_dir / f"{wijk_code}.ipynb"
    atomic_write(nb_path, nbformat.writes(executed))
    headline = notebook_headline(executed)
    atomic_write(html_path, export_html(executed, report_title(wijk_code, headline)))
    return ReportOutput(wijk_code, html_path, nb_path, time.perf_counter() - started,
                        headline)
