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
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mkba.base.assumptions import REPORT_NOTEBOOK, WIJK_CODE_PATTERN
from mkba.base.errors import CaseError
from mkba.base.files import atomic_write
from mkba.base.html import esc, nbsp

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
           "import mkba.evidence.counterfactual, mkba.figures.plots\n"
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
    from mkba.base.settings import Settings

    if settings is None:
        settings = Settings.from_report_parameters(**parameters)
    elif parameters:
        raise TypeError("geef settings óf losse parameters, niet allebei")
    return settings.validate().to_report_parameters()


def check_wijk_code(wijk_code) -> str:
    """The code itself if it is a CBS wijk or buurt code; otherwise a :class:`CaseError`.

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


PAGE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@page {{ size: A4; margin: 16mm 14mm; }}
body {{ font-family: "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1d2329;
       line-height: 1.5; margin: 0 auto; padding: 1rem; max-width: 60rem; font-size: 16px; }}
h1 {{ color: #1f4e79; font-size: 1.8rem; margin-bottom: 0.2rem; }}
h2 {{ color: #1f4e79; border-bottom: 2px solid #dfe6ee; padding-bottom: 0.2rem;
      margin-top: 2.2rem; }}
h3 {{ margin-top: 1.4rem; }}
p.sub {{ color: #5b6770; margin-top: 0; }}
.let-op {{ background: #fff6e5; border-left: 4px solid #e07b00; padding: 0.4rem 0.6rem; }}
img.figuur {{ max-width: 100%; height: auto; display: block; margin: 0.8rem 0; }}
.figuur-kader {{ overflow-x: auto; }}
@media (max-width: 40rem) {{
  /* on a phone a figure keeps a readable size; swipe sideways for the rest */
  img.figuur {{ max-width: none; width: 36rem; }}
  /* tables scroll sideways too, instead of squeezing every column to a word a line */
  table.tabel th {{ white-space: nowrap; }}
  table.tabel td {{ min-width: 6rem; }}
}}
table.tabel {{ border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.9rem;
              display: block; overflow-x: auto; max-width: 100%;
              /* a table that scrolls shows it: a shadow at the edge that has more columns */
              background: linear-gradient(to right, #fff 30%, rgba(255,255,255,0)),
                linear-gradient(to left, #fff 30%, rgba(255,255,255,0)) 100% 0,
                radial-gradient(farthest-side at 0 50%, rgba(0,0,0,.25), rgba(0,0,0,0)),
                radial-gradient(farthest-side at 100% 50%, rgba(0,0,0,.25), rgba(0,0,0,0))
                100% 0;
              background-repeat: no-repeat; background-size: 2.5rem 100%, 2.5rem 100%,
                0.9rem 100%, 0.9rem 100%;
              background-attachment: local, local, scroll, scroll; }}
table.tabel caption {{ text-align: left; font-weight: 600; color: #3c4650; padding: 0.2rem 0;
                      caption-side: top; }}
table.tabel th, table.tabel td {{ padding: 0.25rem 0.6rem; border-bottom: 1px solid #e3e7eb;
                                 text-align: left; vertical-align: top; }}
table.tabel thead th {{ background: #f1f4f7; }}
.jp-OutputArea-output pre {{ white-space: pre-wrap; }}
/* Printed (a council member reads the PDF): tables in full, never a scroll box, wrapped and
   in smaller type (wide tables smaller still); headings stay with what follows them. */
@media print {{
  body {{ max-width: none; font-size: 10pt; padding: 0; }}
  h1, h2, h3, h4 {{ break-after: avoid; page-break-after: avoid; break-inside: avoid; }}
  h2 {{ margin-top: 1.2rem; }}
  .jp-MarkdownCell {{ break-after: avoid; page-break-after: avoid; }}
  p {{ orphans: 3; widows: 3; }}
  table.tabel {{ display: table; overflow: visible; max-width: none; width: 100%;
                background: none; font-size: 8pt; line-height: 1.3; }}
  table.tabel th, table.tabel td {{ padding: 0.1rem 0.3rem; overflow-wrap: break-word;
                                   hyphens: auto; }}
  table.tabel thead {{ display: table-header-group; }}
  table.tabel tr, img.figuur {{ break-inside: avoid; page-break-inside: avoid; }}
  div.breed table.tabel {{ font-size: 7pt; }}
  .figuur-kader {{ overflow: visible; }}
  img.figuur {{ max-height: 120mm; width: auto; max-width: 100%; }}
  a {{ color: inherit; text-decoration: none; }}
}}
</style>
</head>
<body>
{body}
<footer><p class="sub">Gemaakt met mkba. Bron wijkcijfers: CBS.</p></footer>
</body>
</html>
"""


@functools.lru_cache(maxsize=1)
def html_exporter():
    """nbconvert's HTML exporter, built once per process (its templates load slowly)."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                        exclude_output_prompt=True, anchor_link_text="")


def export_html(nb, title: str) -> str:
    """The executed notebook as one self-contained HTML page, without code (in-process)."""
    body, _ = html_exporter().from_notebook_node(nb)
    return PAGE.format(title=esc(title), body=nbsp(body))


def report_title(wijk_code: str, headline: dict | None) -> str:
    """The page title: the wijk's name and code (the code alone when the name is unknown).

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
                import signal

                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
        if self._ipc_dir is not None:
            import shutil

            shutil.rmtree(self._ipc_dir, ignore_errors=True)
            self._ipc_dir = None

    def run(self, nb, parameters: dict, cwd: str | None = None):
        """Execute a notebook (NotebookNode) with parameters; returns the executed notebook."""
        import nbformat
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
    wijk_code: str
    html: Path
    notebook: Path
    seconds: float
    #: the headline figures the notebook displayed (:data:`HEADLINE_MIME`), if it did
    headline: dict | None = None


def notebook_headline(nb) -> dict | None:
    """The headline figures an executed notebook displayed (:data:`HEADLINE_MIME`), or None.

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
    """
    import nbformat

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
