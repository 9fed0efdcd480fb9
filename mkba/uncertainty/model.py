"""The vectorised engine: one task and variant as per-line factors, evaluated for many
parameter sets (draws) at once.

For one task and variant the net present value is a sum over lines::

    PV_line = Q × V × I × F × S  +  o × dir × |Q × V × I × F| × S_forecast

with Q the quantity, V the value per unit (in its own price year), I the CPI factor to the
price year, F = (1 − deadweight)(1 − attributie)(1 − verdringing) (1 for costs) times a cost
post's factor, S = Σ_t (1 − afname)^(t − jaar_van) (1 + r)^−(t − B) over the line's years,
S_forecast the same sum over the years from the peiljaar on, o the optimism fraction and
dir = +1 for a cost, −1 for a benefit or transfer (every line gets worse: this is
``value × (S_realised + O × S_forecast)`` with O from :func:`mkba.engine.flows.optimism_factor`).
The per-line factors come from :func:`mkba.engine.flows.line_factors`, the same function that
builds the deterministic cash flows (one engine).

How the draws are evaluated without a loop over draws or years: the year structure of each
line is laid out once as a row of weights ``W[line, k] = keep^(t − jaar_van)`` over the years
``t = B + k``, so that ``S = W @ D`` with ``D[k] = (1 + r)^−k`` (one column per draw when the
discount rate is drawn, a vector otherwise). Lines nothing drawn acts on are summed into one
weight vector (a polynomial in 1/(1 + r)); the other lines form lines × draws matrices, and a
line whose drop-off is drawn gets the closed form of its geometric sum
``keep^(t0 − jaar_van) (1 + r)^−(t0 − B) (1 − qⁿ)/(1 − q)``, ``q = keep/(1 + r)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE
from mkba.base.prices import cpi_series
from mkba.case.ranges import input_kind, split_target
from mkba.case.schema import EFFECT_FIELDS, parse_parameter
from mkba.case.tables import Case
from mkba.engine.cba import check_parameters, choose_variant, resolve_years, task_frame
from mkba.engine.flows import FlowKind, build_keys, line_factors, volunteer_settings

__all__ = ["Model", "model_kwargs"]


@dataclass
class _Lines:
    """Per-line factors of one task and variant (arrays of length L), taken from
    :func:`mkba.engine.flows.line_factors` (the same factors the deterministic flows use)."""

    is_cost: np.ndarray
    is_transfer: np.ndarray
    actor: np.ndarray          # actor index (gaining actor for transfers)
    loser: np.ndarray          # losing actor index for transfers, else −1
    q: np.ndarray
    v: np.ndarray
    index: np.ndarray
    dw: np.ndarray
    at: np.ndarray
    vd: np.ndarray
    keep: np.ndarray           # 1 − afname
    opt: np.ndarray            # optimism fraction
    y_from: np.ndarray
    lo: np.ndarray             # first year of the line within the period
    hi: np.ndarray             # last year of the line within the period
    volunteer: np.ndarray      # cost lines valued per volunteer hour
    refs: dict                 # input name → line positions


#: The factor of a line that a drawn input of each kind sets (``keep`` = 1 − afname).
_FACTOR = {"kengetal": "v", "waarde": "v", "hoeveelheid": "q", "deadweight": "dw",
           "attributie": "at", "verdringing": "vd", "factor": "factor", "afname": "keep",
           "optimisme_kosten": "opt", "optimisme_baten": "opt"}


@dataclass(frozen=True)
class _Plan:
    """How one set of drawn inputs acts on a model's lines (see :meth:`Model._plan`)."""

    rate: str | None          # the drawn discount rate's name
    inputs: tuple             # the drawn inputs that act on a line, in the order of ``X``
    one_minus: np.ndarray     # inputs whose row of X is 1 − the draw (a fraction "off")
    gather: dict              # factor → row of X for each line row (len(inputs): a row of 1s)
    opt_fixed: tuple          # (rows, values): optimism rows whose fraction is not drawn
    dynamic: np.ndarray       # lines evaluated per draw (the others are in ``weights``)
    const: np.ndarray         # per dynamic line: its value without the drawn factors
    keep_lines: np.ndarray    # lines whose drop-off is drawn …
    keep_rows: np.ndarray     # … and their rows among the dynamic lines
    keep_of: np.ndarray       # per dynamic row: its row in the drop-off matrix, else −1
    opt_lines: np.ndarray     # dynamic lines with an optimism correction …
    opt_rows: np.ndarray      # … and their rows
    weights: dict             # cost/benefit → (NPV weights per year, actor weights per year)
    static_npv: float         # the static lines at the case's discount rate
    static_actors: np.ndarray


class Model:
    """One task and variant as per-line factors; evaluates many parameter sets at once.

    Parameters are those of :func:`mkba.evaluate`. :meth:`npv` takes a dict of input name →
    array of values (one per draw); inputs left out keep their value from the case.

    Parameters
    ----------
    case : Case
        The case.
    task_id : str
        The task.
    variant : str, optional
        The variant; None for the task's only variant.
    discount_rate : float, default 0.0225
        Real discount rate as a fraction.
    price_year, base_year, horizon, peiljaar : int, optional
        As for :func:`mkba.evaluate`.
    volunteer_valuation : str, default "vervangingskosten"
        How volunteer time is valued.
    market_value_code, wage_code, volunteer_benefit_code : str, optional
        The kengetallen used by the other valuations of volunteer time.

    Examples
    --------
    >>> import numpy as np
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> model = Model(case, "T1")
    >>> point = model.npv({})
    >>> bool(np.isclose(point[0], evaluate(case, task="T1").result("T1").npv))
    True
    >>> model.npv({"discontovoet": np.array([0.0225, 0.04])}).round(0).tolist()
    [-22613.0, -29574.0]
    """

    def __init__(self, case: Case, task_id: str, variant: str | None = None, *,
                 discount_rate: float = DISCOUNT_RATE, price_year: int | None = None,
                 base_year: int | None = None, horizon: int | None = None,
                 volunteer_valuation: str = "vervangingskosten",
                 market_value_code: str | None = None, wage_code: str | None = None,
                 volunteer_benefit_code: str | None = None, peiljaar: int | None = None):
        cpi = cpi_series()
        years = resolve_years(case, price_year, peiljaar, cpi)
        s = check_parameters(discount_rate, years["price_year"], base_year, horizon, cpi)
        vol = volunteer_settings({"method": volunteer_valuation,
                                  "market_value_code": market_value_code,
                                  "wage_code": wage_code, "benefit_code": volunteer_benefit_code})
        keys = build_keys(case, task_frame(case, task_id, s))
        frame = keys.frame
        variant = choose_variant(task_id, list(frame["variant"]), variant)
        self.case, self.task_id, self.variant = case, task_id, variant
        self.key = int(np.flatnonzero(frame["variant"].to_numpy() == variant)[0])
        self.start = int(frame["start_year"].iloc[self.key])
        self.end = int(frame["end_year"].iloc[self.key])
        self.base_year = int(frame["base_year"].iloc[self.key])
        self.rate = s.discount_rate
        self.peiljaar = years["peiljaar"]
        self.parameters = {"discount_rate": s.discount_rate, "price_year": s.price_year,
                           "base_year": s.base_year, "horizon": s.horizon,
                           "volunteer_valuation": volunteer_valuation,
                           "peiljaar": self.peiljaar}
        lines = line_factors(case, keys, s.price_year, cpi, None, vol)
        lines = lines[(lines["key"] == self.key) & (lines["hi"] >= lines["lo"])]
        self._build(lines.reset_index(drop=True))

    def _build(self, f: pd.DataFrame):
        actors = sorted(set(f["actor"]) | set(f["loser"].dropna()))
        self.actors = actors
        pos = {a: i for i, a in enumerate(actors)}
        kind = f["kind"].to_numpy()
        self.lines = _Lines(
            is_cost=kind == FlowKind.COST, is_transfer=kind == FlowKind.TRANSFER,
            actor=np.array([pos[a] for a in f["actor"]], int),
            loser=np.array([pos[a] if isinstance(a, str) else -1 for a in f["loser"]], int),
            **{c: f[c].to_numpy(dtype=float) for c in
               ("q", "v", "index", "dw", "at", "vd", "keep", "opt")},
            y_from=f["y_from"].to_numpy(dtype=int), lo=f["lo"].to_numpy(dtype=int),
            hi=f["hi"].to_numpy(dtype=int), volunteer=f["volunteer"].to_numpy(dtype=bool),
            refs=self._refs(f),
        )
        self._years()

    def _years(self):
        """The year structure of every line, laid out once: ``W[line, k]`` is
        ``keep^(t − jaar_van)`` for the line's years ``t = B + k0 + k`` (0 elsewhere), and
        ``W_forecast`` the same over the years from the peiljaar on; the base discount vector
        gives S and S_forecast at the case's discount rate."""
        ln = self.lines
        L = len(ln.q)
        B = self.base_year
        self._k0 = int(ln.lo.min() - B) if L else 0
        K = int(ln.hi.max() - B) - self._k0 + 1 if L else 0
        self._k = np.arange(self._k0, self._k0 + K, dtype=float)  # t − B of each column
        self.years = K
        count = np.clip(ln.hi - ln.lo + 1, 0, None)
        line = np.repeat(np.arange(L), count)
        year = ln.lo[line] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        self._w = np.zeros((L, K))
        self._w[line, year - B - self._k0] = np.power(ln.keep[line], year - ln.y_from[line])
        forecast = (B + self._k0 + np.arange(K)) >= self.peiljaar
        self._w_forecast = self._w * forecast
        self._d_base = np.power(1.0 + self.rate, -self._k)
        self._s_base = self._w @ self._d_base
        self._f_base = self._w_forecast @ self._d_base
        # the closed form of a line's geometric sum (drawn drop-off): first year and count,
        # over all its years and over its forecast years
        first_forecast = np.maximum(ln.lo, self.peiljaar)
        self._spans = {"full": (ln.lo, count),
                       "forecast": (first_forecast, np.clip(ln.hi - first_forecast + 1, 0,
                                                            None))}
        # per line: the value at the case's inputs, the direction of the optimism correction
        # (+1 a cost, −1 a benefit or transfer) and the weights of the NPV and of each actor
        f = np.where(ln.is_cost, 1.0, (1 - ln.dw) * (1 - ln.at) * (1 - ln.vd))
        self._value = ln.q * ln.v * ln.index * f
        # (a transfer gets no optimism correction: its fraction is 0, and its direction too)
        self._direction = np.where(ln.is_cost, 1.0, np.where(ln.is_transfer, 0.0, -1.0))
        sign = np.where(ln.is_cost, -1.0, 1.0)
        self._societal = np.where(ln.is_transfer, 0.0, sign)
        a = np.zeros((L, len(self.actors)))
        a[np.arange(L), ln.actor] = sign
        has_loser = ln.loser >= 0
        a[np.flatnonzero(has_loser), ln.loser[has_loser]] -= 1.0
        self._actor_weights = a
        self._plans = {}

    def _refs(self, f: pd.DataFrame) -> dict:
        """Which lines each input name acts on (the same lines :func:`apply_scenario` changes),
        and ``NAME#ROW`` for the one effect line of source row ROW (a range on the line itself,
        :attr:`mkba.case.ranges.UncertainInput.target`). Volunteer hours follow the valuation
        method: the kengetal in ``ref`` is the one the chosen method uses (none for ``nul``)."""
        refs: dict[str, list[int]] = {}
        kind = f["kind"].to_numpy()
        for i, (code, post, item, k, own, from_task, row) in enumerate(zip(
                f["ref"], f["post"], f["item"], kind, f["has_value"], f["opt_from_task"],
                f["source_row"], strict=True)):
            if isinstance(code, str):
                refs.setdefault(code, []).append(i)
            # cost lines, and benefits derived from a cost line (its residual value, the
            # volunteers' own benefit of its hours)
            if k == FlowKind.COST or (k == FlowKind.BENEFIT and item != post):
                refs.setdefault(f"{self.task_id}/{post}/factor", []).append(i)
            else:
                for fld in EFFECT_FIELDS:
                    if fld == "waarde" and not own:
                        continue  # a kengetal-valued line ignores waarde_per_eenheid
                    refs.setdefault(f"{self.task_id}/{post}/{fld}", []).append(i)
                refs.setdefault(f"{self.task_id}/{post}/hoeveelheid#{int(row)}", []).append(i)
            if from_task:
                name = "optimisme_kosten" if k == FlowKind.COST else "optimisme_baten"
                refs.setdefault(f"{self.task_id}/{name}", []).append(i)
        volunteer = f["volunteer"].to_numpy()
        # the value of a volunteer hour (a kengetal acting only on volunteer hours) is a
        # method choice, not drawn; a factor on the hours themselves is an uncertainty and is drawn
        volunteer_values = {c for c in f["ref"] if isinstance(c, str)}
        self.volunteer_refs = {name for name, cols in refs.items()
                               if cols and volunteer[cols].all() and name in volunteer_values}
        return refs

    # -------------------------------------------------------------- evaluation

    def _plan(self, names: tuple) -> _Plan:
        """How a set of drawn input names acts on the lines (computed once per set)."""
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = self._make_plan(names)
        return plan

    def _make_plan(self, names: tuple) -> _Plan:
        ln = self.lines
        L = len(ln.q)
        rate = None
        winner: dict[tuple[str, int], str] = {}  # (factor, line) → the input that sets it
        for name in names:
            kind = input_kind(parse_parameter(split_target(name)[0]))
            if kind == "discount":
                rate = name
                continue
            factor = _FACTOR.get(kind)
            if factor is None:
                continue
            for j in self.lines.refs.get(name, []):
                if factor in ("dw", "at", "vd") and ln.is_cost[j]:
                    continue  # a cost has no deadweight, attributie or verdringing
                winner[(factor, j)] = name  # the last one wins, as in apply_scenario
        dynamic = sorted({j for _, j in winner})
        row = {j: i for i, j in enumerate(dynamic)}
        drawn_keep = sorted({j for (factor, j) in winner if factor == "keep"})
        with_opt = sorted({j for j in dynamic if ln.opt[j] != 0}
                          | {j for (factor, j) in winner if factor == "opt"})
        keep_row = {j: i for i, j in enumerate(drawn_keep)}
        opt_row = {j: i for i, j in enumerate(with_opt)}
        inputs = tuple(dict.fromkeys(winner.values()))
        position = {name: i for i, name in enumerate(inputs)}
        ones = len(inputs)  # the row of 1s: a factor that is not drawn (it is in ``const``)
        gather = {}
        for factor, rows in (("q", row), ("v", row), ("dw", row), ("at", row), ("vd", row),
                             ("factor", row), ("keep", keep_row), ("opt", opt_row)):
            idx = np.full(len(rows), ones, dtype=np.intp)
            for j, i in rows.items():
                if (factor, j) in winner:
                    idx[i] = position[winner[(factor, j)]]
            if factor in ("keep", "opt") or (idx != ones).any():
                gather[factor] = idx
        kinds = {name: factor for (factor, _), name in winner.items()}
        one_minus = np.flatnonzero([kinds[name] in ("dw", "at", "vd", "keep")
                                    for name in inputs])
        fixed_opt = np.flatnonzero(gather["opt"] == ones)
        # the value of each dynamic line without the factors that are drawn
        const = np.ones(len(dynamic))
        for j in dynamic:
            parts = {"q": ln.q[j], "v": ln.v[j], "dw": 1 - ln.dw[j], "at": 1 - ln.at[j],
                     "vd": 1 - ln.vd[j], "factor": 1.0}
            if ln.is_cost[j]:
                parts.update(dw=1.0, at=1.0, vd=1.0)
            for factor, value in parts.items():
                if (factor, j) not in winner:
                    const[row[j]] *= value
            const[row[j]] *= ln.index[j]
        static = np.setdiff1d(np.arange(L), dynamic)
        # the static lines as one weight vector over the years (their optimism is fixed):
        # pv = c × S + dir × o × |c| × S_forecast = (c W + dir o |c| W_forecast) @ D
        c = self._value[static]
        w = (c[:, None] * self._w[static] + (self._direction[static] * ln.opt[static]
                                            * np.abs(c))[:, None] * self._w_forecast[static])
        cost = ln.is_cost[static]
        weights = {}
        for part, mask in (("cost", cost), ("benefit", ~cost)):
            weights[part] = (w[mask].T @ self._societal[static][mask],
                             w[mask].T @ self._actor_weights[static][mask])
        dyn = np.array(dynamic, dtype=np.intp)
        return _Plan(
            rate=rate, inputs=inputs, one_minus=one_minus, gather=gather,
            opt_fixed=(fixed_opt, ln.opt[np.array(with_opt, dtype=np.intp)[fixed_opt]]),
            dynamic=dyn, const=const,
            keep_lines=np.array(drawn_keep, dtype=np.intp),
            keep_rows=np.array([row[j] for j in drawn_keep], dtype=np.intp),
            keep_of=np.array([keep_row.get(j, -1) for j in dynamic], dtype=np.intp),
            opt_lines=np.array(with_opt, dtype=np.intp),
            opt_rows=np.array([row[j] for j in with_opt], dtype=np.intp),
            weights=weights,
            static_npv=float(sum(g for g, _ in weights.values()) @ self._d_base),
            static_actors=sum(a for _, a in weights.values()).T @ self._d_base,
        )

    def point_values(self, inp) -> np.ndarray:
        """The values the lines of this model have for the field that input ``inp`` sets
        (an :class:`~mkba.case.ranges.UncertainInput`): what a draw replaces. Empty for the
        discount rate.

        Examples
        --------
        >>> from mkba import read_case
        >>> from mkba.base.assumptions import DATA_DIR
        >>> from mkba.uncertainty.inputs import uncertain_inputs
        >>> case = read_case(DATA_DIR / "voorbeeld")
        >>> m = Model(case, "T2", "maatschappelijk_aanbesteden")
        >>> i = next(i for i in uncertain_inputs(case, task="T2") if i.kind == "hoeveelheid")
        >>> m.point_values(i).tolist()
        [6.0]
        """
        kind = inp.kind
        rows = np.asarray(self.lines.refs.get(inp.target, []), dtype=np.intp)
        ln = self.lines
        if kind == "discount" or not len(rows):
            return np.zeros(0)
        if kind in ("deadweight", "attributie", "verdringing"):
            rows = rows[~ln.is_cost[rows]]
        column = {"kengetal": ln.v, "waarde": ln.v, "hoeveelheid": ln.q, "deadweight": ln.dw,
                  "attributie": ln.at, "verdringing": ln.vd, "afname": 1 - ln.keep,
                  "optimisme_kosten": ln.opt, "optimisme_baten": ln.opt}.get(kind)
        if column is None:  # a factor on a cost post: 1 in the case
            return np.ones(len(rows))
        return np.asarray(column[rows], dtype=float)

    def dynamic_lines(self, names) -> int:
        """How many lines are evaluated per draw when the inputs ``names`` are drawn (the
        others are summed into one weight vector): the size of the per-draw matrices."""
        return len(self._plan(tuple(names)).dynamic)

    def _discount(self, rate: np.ndarray) -> np.ndarray:
        """``(1 + r)^−k`` for every year column k (rows) and draw (columns)."""
        return np.exp(np.multiply.outer(-self._k, np.log1p(rate)))

    def _geometric(self, log_keep: np.ndarray, log_disc, discount: np.ndarray,
                   lines: np.ndarray, first: np.ndarray, count: np.ndarray) -> np.ndarray:
        """S over ``count`` years from ``first`` for lines whose drop-off is drawn (rows of
        ``log_keep``): ``keep^(first − jaar_van) (1 + r)^−(first − B) × (1 − qⁿ)/(1 − q)``
        with ``q = keep/(1 + r)`` (n when q = 1, 0 when n = 0). ``discount`` is
        ``(1 + r)^−(first − B)`` per row (and draw)."""
        n = count[:, None].astype(float)
        log_q = log_keep - log_disc
        geo = n * log_q
        with np.errstate(invalid="ignore", divide="ignore"):
            np.expm1(geo, out=geo)
            geo /= np.expm1(log_q, out=log_q)  # exact: 0/0 only where q = 1 exactly
        if not log_q.all():
            flat = log_q == 0
            geo[flat] = np.broadcast_to(n, geo.shape)[flat]
        geo *= discount
        lag = (first - self.lines.y_from[lines])[:, None]
        if lag.any():
            geo *= np.exp(lag * log_keep)
        geo[count == 0] = 0.0
        return geo

    def npv(self, values: dict | None = None, n: int | None = None, *,
            rate_costs=None, rate_benefits=None, actors: bool = False):
        """NPV per draw (and per actor with ``actors=True``) for arrays of input values.

        ``values`` maps input names (as in :func:`uncertain_inputs`) to arrays of length n;
        ``rate_costs``/``rate_benefits`` set separate discount rates for costs and benefits.

        Examples
        --------
        >>> from mkba import read_case
        >>> from mkba.base.assumptions import DATA_DIR
        >>> m = Model(read_case(DATA_DIR / "voorbeeld"), "T1")
        >>> x = m.npv({"discontovoet": np.array([0.0225, 0.04])})
        >>> bool(abs(x[0] - m.deterministic()) < 1e-6), x.shape
        (True, (2,))
        """
        values = values or {}
        n = n or (len(next(iter(values.values()))) if values else 1)
        plan = self._plan(tuple(values))
        ln = self.lines
        rate = None if plan.rate is None else np.asarray(values[plan.rate], dtype=float)
        rc = rate if rate_costs is None else np.broadcast_to(
            np.asarray(rate_costs, dtype=float), (n,))
        rb = rate if rate_benefits is None else np.broadcast_to(
            np.asarray(rate_benefits, dtype=float), (n,))
        drawn_rate = rc is not None or rb is not None
        if drawn_rate:
            rc = np.full(n, self.rate) if rc is None else rc
            rb = np.full(n, self.rate) if rb is None else rb
            d_cost = self._discount(rc)
            d_benefit = d_cost if rb is rc else self._discount(rb)
            (g_c, a_c), (g_b, a_b) = plan.weights["cost"], plan.weights["benefit"]
            # small products per chunk by einsum, not BLAS: on a shared, loaded machine a
            # multi-threaded BLAS call whose second thread waits for a core stalled for up to
            # 0,6 s (benchmarks/bench_monte_carlo.py); the lines × years × draws products
            # below stay in BLAS
            npv = np.einsum("k,kn->n", g_c, d_cost) + np.einsum("k,kn->n", g_b, d_benefit)
            act = (np.einsum("ka,kn->an", a_c, d_cost) + np.einsum("ka,kn->an", a_b, d_benefit)
                   if actors else None)
        else:
            npv = np.full(n, plan.static_npv)
            act = np.repeat(plan.static_actors[:, None], n, axis=1) if actors else None
        dyn = plan.dynamic
        if len(dyn):
            # the draws as one matrix X (inputs × draws, 1 − the draw for a fraction "off",
            # and a last row of 1s), from which each factor takes its row per line
            x = np.empty((len(plan.inputs) + 1, n))
            for i, name in enumerate(plan.inputs):
                x[i] = values[name]
            x[plan.one_minus] = 1 - x[plan.one_minus]
            x[-1] = 1.0
            value = None
            for factor in ("q", "v", "dw", "at", "vd", "factor"):
                idx = plan.gather.get(factor)
                if idx is None:
                    continue
                if value is None:
                    value = np.take(x, idx, axis=0)
                else:
                    value *= np.take(x, idx, axis=0)
            if value is None:
                value = np.empty((len(dyn), n))
                value[:] = plan.const[:, None]
            else:
                value *= plan.const[:, None]
            keep = np.take(x, plan.gather["keep"], axis=0)
            opt = np.take(x, plan.gather["opt"], axis=0)
            rows, base = plan.opt_fixed
            if len(rows):
                opt[rows] = base[:, None]
            split = drawn_rate and d_benefit is not d_cost

            if len(keep):
                np.maximum(keep, 1e-300, out=keep)  # afname 1: keep 0, log −690 not −inf
                log_keep = np.log(keep, out=keep)
            keep_of = plan.keep_of

            def sums(w, base, span, rows):
                """S (or S_forecast) of the dynamic lines ``rows``: rows × draws."""
                s = np.empty((len(rows), n))
                lines, k = dyn[rows], keep_of[rows]
                fixed, drawn = np.flatnonzero(k < 0), np.flatnonzero(k >= 0)
                if len(fixed):
                    fl = lines[fixed]
                    if not drawn_rate:
                        s[fixed] = base[fl][:, None]
                    elif split:
                        c, b = fixed[ln.is_cost[fl]], fixed[~ln.is_cost[fl]]
                        s[c] = w[lines[c]] @ d_cost
                        s[b] = w[lines[b]] @ d_benefit
                    else:
                        s[fixed] = w[fl] @ d_cost
                if len(drawn):
                    dl = lines[drawn]
                    first, count = (x[dl] for x in self._spans[span])
                    column = np.clip(first - self.base_year - self._k0, 0, self.years - 1)
                    if not drawn_rate:
                        log_disc = np.log1p(self.rate)
                        discount = self._d_base[column][:, None]
                    elif split:
                        is_c = ln.is_cost[dl][:, None]
                        log_disc = np.where(is_c, np.log1p(rc), np.log1p(rb))
                        discount = np.where(is_c, d_cost[column], d_benefit[column])
                    else:
                        log_disc = np.log1p(rc)
                        discount = d_cost[column]
                    kk = k[drawn]
                    own = log_keep if np.array_equal(kk, np.arange(len(log_keep))) \
                        else log_keep[kk]
                    s[drawn] = self._geometric(own, log_disc, discount, dl, first, count)
                return s

            pv = value * sums(self._w, self._s_base, "full", np.arange(len(dyn)))
            if len(plan.opt_rows):
                # optimism in forecast years, towards "worse" (see flows.optimism_factor)
                rows = plan.opt_rows
                forecast = sums(self._w_forecast, self._f_base, "forecast", rows)
                pv[rows] += (self._direction[plan.opt_lines][:, None] * opt
                             * np.abs(value[rows]) * forecast)
            npv = npv + np.einsum("i,in->n", self._societal[dyn], pv)
            if actors:
                act = act + np.einsum("ia,in->an", self._actor_weights[dyn], pv)
        if not actors:
            return npv
        return npv, np.ascontiguousarray(act.T)

    def deterministic(self) -> float:
        return float(self.npv()[0])


def model_kwargs(params: dict) -> dict:
    """The keyword arguments of :class:`Model` among ``params`` (None left out).

    Parameters
    ----------
    params : dict
        Evaluation parameters, possibly with others (draws, seed, ...).

    Returns
    -------
    dict
        The keyword arguments of :class:`Model`.

    Examples
    --------
    >>> model_kwargs({"discount_rate": 0.03, "draws": 500, "price_year": None})
    {'discount_rate': 0.03}
    """
    keys = ("discount_rate", "price_year", "base_year", "horizon", "volunteer_valuation",
            "market_value_code", "wage_code", "volunteer_benefit_code", "peiljaar")
    return {k: v for k, v in params.items() if k in keys and v is not None}
