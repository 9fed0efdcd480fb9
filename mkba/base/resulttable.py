"""Result tables that show themselves in Dutch formats in a notebook and in ``print``, while
their data stay plain numbers (no ``1.900515e+06``, ``-490701.596406`` or ``NaN`` on screen)."""

from __future__ import annotations

import pandas as pd

from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct, fmt_ratio

__all__ = ["ResultTable", "DUTCH_FORMATS", "METHOD_LABELS", "METHOD_DESCRIPTIONS"]


def _fmt_year(value) -> str:
    return "–" if value is None or pd.isna(value) else str(int(value))


#: How a valuation method of volunteer time is named for readers (gederfd loon is the net
#: wage the volunteer gives up: kengetal ``nettoloon_uur``, never an employer's labour cost).
METHOD_LABELS = {"vervangingskosten": "vervangingskosten", "marktwaarde": "marktwaarde",
                 "gederfd_loon": "gederfd nettoloon", "nul": "nul"}
#: The same methods with what they mean, where a reader chooses or compares them (the
#: report's volunteer table, the session's choice).
METHOD_DESCRIPTIONS = {
    "vervangingskosten": f"{METHOD_LABELS['vervangingskosten']} (wat inhuren zou kosten)",
    "marktwaarde": f"{METHOD_LABELS['marktwaarde']} (marktprijs van de dienst)",
    "gederfd_loon": f"{METHOD_LABELS['gederfd_loon']} (wat de vrijwilliger netto misloopt)",
    "nul": f"{METHOD_LABELS['nul']} (vrijwilligerstijd telt niet)"}


#: How :class:`ResultTable` shows a column, by name: euros, ratios, percentages, years.
DUTCH_FORMATS = {
    **dict.fromkeys(("pv_costs", "pv_benefits", "npv", "costs", "benefits", "transfers",
                     "net", "pv_net", "cumulative_pv_net", "amount", "cumulative",
                     "CW kosten", "CW baten", "NCW", "pv_costs_realised", "pv_costs_forecast",
                     "pv_benefits_realised", "pv_benefits_forecast", "pv_residual"), fmt_eur),
    **dict.fromkeys(("bc_ratio", "B/K", "discount_factor"), lambda v: fmt_ratio(v, 2)),
    **dict.fromkeys(("irr", "IRR"), lambda v: fmt_pct(v, 1)),
    **dict.fromkeys(("year", "payback_year", "terugverdienjaar", "start_year", "end_year",
                     "base_year"), _fmt_year),
}


class ResultTable(pd.DataFrame):
    """A result table: an ordinary DataFrame of numbers that shows itself in Dutch formats
    (€ 1.900.515, 0,74, 8,1 %; missing as –) in a notebook and in ``print``.

    Only the display changes: ``table["npv"].sum()`` is still a sum of floats. A column whose
    name :data:`DUTCH_FORMATS` does not know is shown with Dutch number formatting when it
    is numeric.

    Parameters
    ----------
    data, index, columns, dtype, copy
        As for :class:`pandas.DataFrame`.

    Examples
    --------
    >>> t = ResultTable({"actor": ["gemeente"], "npv": [-490701.596406]})
    >>> print(t.to_string())
          actor         npv
    0  gemeente  € −490.702
    >>> float(t["npv"].iloc[0])
    -490701.596406
    """

    @property
    def _constructor(self):
        return ResultTable

    def _shown(self) -> pd.DataFrame:
        """The same table as text in Dutch formats (what is displayed)."""
        out = {}
        for name in self.columns:
            col = self[name]
            fmt = DUTCH_FORMATS.get(name)
            if fmt is None and pd.api.types.is_numeric_dtype(col.dtype) \
                    and not pd.api.types.is_bool_dtype(col.dtype):
                fmt = (lambda v: fmt_number(v, 0 if float(v).is_integer() else 2)) \
                    if col.notna().any() else (lambda v: "–")
            if fmt is None:
                out[name] = col.map(lambda v: "–" if v is None or (
                    not isinstance(v, str | dict | list | tuple) and pd.isna(v)) else v)
            else:
                out[name] = col.map(lambda v, f=fmt: "–" if v is None or (
                    not isinstance(v, str) and pd.isna(v)) else f(v))
        return pd.DataFrame(out, index=self.index)

    def to_string(self, *args, **kwargs) -> str:  # noqa: D102 (pandas' signature)
        return self._shown().to_string(*args, **kwargs)

    def __repr__(self) -> str:
        return self._shown().__repr__()

    def _repr_html_(self) -> str:
        return self._shown()._repr_html_()

    def numbers(self) -> pd.DataFrame:
        """The table as a plain DataFrame (no Dutch display)."""
        return pd.DataFrame(self)
