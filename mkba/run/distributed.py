"""A batch past one machine: the same jobs on Dask distributed.

``scheduler="tcp://host:8786"`` uses a running Dask cluster, ``"local"`` starts a LocalCluster.
Every worker needs mkba installed and the case and output folder on a shared path; start
workers with one thread each (``dask worker --nthreads 1``): each worker thread drives one
kernel. Dask is imported only when a batch uses it (it takes seconds to import).
"""

from __future__ import annotations

import re

from tqdm import tqdm

from mkba.base.errors import CaseError
from mkba.run.jobs import run_job

__all__ = ["CONNECT_TIMEOUT", "check_scheduler", "connect", "run_dask"]

#: Seconds to wait for a Dask scheduler before giving up with a message.
CONNECT_TIMEOUT = 10


def check_scheduler(address: str) -> str:
    """``"local"`` or a Dask scheduler address (``tcp://host:port``); else a CaseError.

    Parameters
    ----------
    address : str
        ``local`` or ``tcp://host:port``.

    Returns
    -------
    str
        The address.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --scheduler 'file:///etc/passwd' is geen Dask-adres ...
    """
    if address == "local" or re.fullmatch(r"(tcp|tls)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}", address):
        return address
    raise CaseError(f"--scheduler {address!r} is geen Dask-adres (gebruik 'local' of "
                    "tcp://host:poort, bijv. tcp://127.0.0.1:8786)")


def connect(scheduler: str):
    """A Dask client for a scheduler address, or a CaseError within CONNECT_TIMEOUT seconds.

    Parameters
    ----------
    scheduler : str
        The scheduler's address.

    Returns
    -------
    dask.distributed.Client
        The client.

    Examples
    --------
    An in-process scheduler (no network, no processes):

    >>> from dask.distributed import LocalCluster
    >>> with LocalCluster(processes=False, n_workers=1, dashboard_address=None) as cluster:
    ...     client = connect(cluster.scheduler_address)
    ...     print(type(client).__name__)
    ...     client.close()
    Client
    """
    from dask.distributed import Client  # seconds to import: only for a Dask batch

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise CaseError(f"kan de Dask-scheduler {scheduler} niet bereiken binnen "
                        f"{CONNECT_TIMEOUT} s ({type(exc).__name__}); draait hij, en "
                        "klopt het adres?") from exc


def run_dask(jobs, workers, scheduler, progress, on_record, client=None) -> None:
    """Run ``jobs`` on Dask; call ``on_record(record)`` here as each one ends.

    Parameters
    ----------
    jobs : list of mkba.run.jobs.Job
    workers : int
        Workers of a LocalCluster (``scheduler="local"``).
    scheduler : str
        ``"local"`` or the address of a running scheduler.
    progress : bool
        Show a progress bar.
    on_record : callable
        Called with each wijk's record.
    client : dask.distributed.Client, optional
        An open client (default: connect to ``scheduler``); it is left open.

    Examples
    --------
    With an in-process scheduler and no jobs (a batch of reports on Dask is tested in
    ``tests/test_batch_faults.py``):

    >>> from dask.distributed import Client, LocalCluster
    >>> records = []
    >>> with LocalCluster(processes=False, n_workers=1, dashboard_address=None) as cluster:
    ...     with Client(cluster) as client:
    ...         run_dask([], 1, cluster.scheduler_address, False, records.append, client=client)
    >>> records
    []
    """
    from dask.distributed import Client, LocalCluster, as_completed  # only for a Dask batch

    cluster = None
    own = client is None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    elif client is None:
        client = connect(scheduler)
    try:
        futures = client.map(run_job, jobs, pure=False)  # each worker warms up on its first job
        for fut in tqdm(as_completed(futures), total=len(futures), desc="wijkrapporten (Dask)",
                        unit="wijk", disable=not progress):
            on_record(fut.result())
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()
