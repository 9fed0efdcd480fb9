"""This machine's address on the local network, for ``mkba sessie --lan`` (devices at the table
reach the session there). In the sources layer because it is the one layer that touches the
network (``tests/test_layers.py``); it sends nothing.
"""

from __future__ import annotations

import socket

from mkba.base.errors import CaseError

__all__ = ["lan_address"]


def lan_address() -> str:
    """This machine's address on the local network (the one its default route uses).

    Connecting a UDP socket sends nothing; it only picks the outgoing interface.

    Returns
    -------
    str
        The IPv4 address.

    Examples
    --------
    >>> try:
    ...     address = lan_address()
    ... except CaseError as err:  # a machine without a network says so
    ...     address = "geen" if "geen lokaal netwerk" in str(err) else "?"
    >>> address != "?" and not address.startswith("127.")
    True
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1 (RFC 5737): never reached
            address = s.getsockname()[0]
    except OSError as err:
        raise CaseError(f"--lan: geen lokaal netwerk gevonden ({err}); verbind deze computer "
                        "met het (wifi-)netwerk van de zaal") from err
    if address.startswith("127.") or address == "0.0.0.0":
        raise CaseError("--lan: geen lokaal netwerk gevonden; verbind deze computer met het "
                        "(wifi-)netwerk van de zaal")
    return address
