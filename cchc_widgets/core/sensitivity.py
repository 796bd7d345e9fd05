"""How stable is each unit's rank when the weights are uncertain?

Monte Carlo over the weights of one level (the domains by default): each sample multiplies
every weight by U(1−φ, 1+φ) (COINr's default, φ = 25 %), or draws the weights from a
Dirichlet around the baseline shares. All samples are scored at once — a sample's totals are
a matrix product of the level's points with its weights — and ranks are kept as per-unit
histograms, so 100,000 samples take a fraction of a second instead of 100,000 rebuilds.
Sobol' indices of the level's weights use SALib.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TextIO

import numpy as np
import pandas as pd

from cchc_widgets.core.criteria import CriteriaSet
from cchc_widgets.core.engine import Scored, adjusted, capped, ranked_on
from cchc_widgets.core.errors import Problem, ProblemsError
from cchc_widgets.core.numbers import half_up

METHODS = ("uniform", "dirichlet")
WHERE = "phân tích bất định"


def _refuse(message: str) -> ProblemsError:
    return ProblemsError([Problem(WHERE, message)])


class Cancelled(RuntimeError):
    """The person stopped a long run; nothing partial is returned."""


@dataclass(frozen=True)
class LevelData:
    """Points and applicable max of the nodes of one level, per unit (one period)."""

    units: list[str]
    codes: list[str]
    points: np.ndarray  # units × nodes
    maxima: np.ndarray  # units × nodes
    nominal_rank: np.ndarray  # ranks of the baseline (1 = best; ties share the best)
    adjusted: np.ndarray | None = None  # per unit: bonus − penalty points (weights do not touch them)
    criteria: CriteriaSet | None = None  # how the engine counts them (`engine.adjusted`), caps and rounds the index


def level_data(scored: Scored, cs: CriteriaSet, level: int = 1) -> LevelData:
    """The level's nodes, with leaves above that level (and survey items added above it)
    standing for themselves, so they partition the tree and their weighted sum is the total."""
    if scored.results["period"].nunique() > 1:
        raise _refuse("phân tích từng kỳ một: dữ liệu có nhiều kỳ")
    codes = [n.code for n in cs if n.level == level or (n.is_leaf and n.level < level)]
    if not codes:
        raise _refuse(f"bộ tiêu chí không có cấp {level}")
    items = cs.survey.items if cs.survey is not None else ()
    codes += [i.code for i in items if i.domain is None or cs[i.domain].level < level]
    nodes = scored.nodes[scored.nodes["code"].isin(codes)]
    points = nodes.pivot(index="unit", columns="code", values="points")
    maxima = nodes.pivot(index="unit", columns="code", values="max")
    ranked = scored.results[scored.results["rank"].notna()]  # unranked units take no rank from others
    units = ranked["unit"].tolist()
    # a node no unit can score in (survey items without answers, all N/A) carries no weight:
    # left in, it gave a Dirichlet share of 0, NaN weights, and every unit ranked first
    codes = [c for c in codes if (maxima[c] > 0).any()]
    if not codes:
        raise _refuse(f"không đơn vị nào có điểm áp dụng ở cấp {level}")
    points, maxima = points.loc[units, codes], maxima.loc[units, codes]
    rank = ranked.set_index("unit").loc[units, "rank"].to_numpy(dtype=float)
    data = LevelData(units, codes, points.to_numpy(float), maxima.to_numpy(float), rank, criteria=cs)
    if not cs.adjustments:
        return data
    by_unit = ranked.set_index("unit").loc[units]
    return replace(data, adjusted=(by_unit["bonus"] - by_unit["penalty"]).to_numpy(float), criteria=cs)


def sample_weights(
    k: int,
    n: int,
    noise: float,
    method: str,
    rng: np.random.Generator,
    base: np.ndarray | None = None,
    concentration: float = 100.0,
) -> np.ndarray:
    """n × k weight multipliers around 1 (the baseline)."""
    if method == "uniform":
        return rng.uniform(1 - noise, 1 + noise, size=(n, k))
    if method == "dirichlet":
        shares = (base if base is not None else np.ones(k)) / (base.sum() if base is not None else k)
        if not (shares > 0).all():
            raise _refuse("mỗi trọng số cần một phần dương để lấy mẫu Dirichlet")
        draws = rng.dirichlet(concentration * shares, size=n)
        return draws / shares[None, :]
    raise ValueError(f"method must be one of {METHODS}")


def min_ranks(index: np.ndarray) -> np.ndarray:
    """Row-wise ranks, high to low, ties sharing the best rank (as the engine ranks)."""
    values = half_up(index)
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    n, u = values.shape
    position = np.broadcast_to(np.arange(u), (n, u))
    new_group = np.ones((n, u), dtype=bool)
    new_group[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.maximum.accumulate(np.where(new_group, position, 0), axis=1)
    ranks = np.empty((n, u), dtype=np.int32)
    np.put_along_axis(ranks, order, first + 1, axis=1)
    return ranks


def sample_ranks(data: LevelData, weights: np.ndarray) -> np.ndarray:
    """Ranks of every unit in every sample (samples × units). Refuses weights that are not
    finite numbers ≥ 0 rather than ranking on NaN."""
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise _refuse("trọng số mẫu không hợp lệ (không hữu hạn hoặc âm): kết quả sẽ sai, đã dừng")
    totals = weights @ data.points.T
    maxima = weights @ data.maxima.T
    if data.adjusted is not None and data.criteria is not None:  # bonus and penalty on top, as the engine counts them
        totals, maxima = adjusted(totals, maxima, data.adjusted[None, :], data.criteria)
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(maxima > 0, 100.0 * totals / maxima, -np.inf)
    if data.criteria is not None:  # capped, and rounded when the set ranks on the rounded index, as the engine ranks
        index = ranked_on(capped(index, data.criteria), data.criteria)
    return min_ranks(index)


def uncertainty(
    scored: Scored,
    cs: CriteriaSet,
    samples: int = 10_000,
    noise: float = 0.25,
    seed: int = 0,
    method: str = "uniform",
    level: int = 1,
    chunk: int = 20_000,
    progress: TextIO | None = None,
    cancel: threading.Event | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Per unit: nominal rank, median rank, 5 % and 95 % rank quantiles, mean |rank shift|.

    Quantiles are the smallest rank whose share of samples reaches 5 %, 50 %, 95 %.
    Seeded: the same arguments give the same table. `cancel` (an Event) stops between chunks.
    `progress`: a terminal to draw a progress bar on (None: none).
    """
    if samples < 1:
        raise ValueError("samples must be at least 1")
    if not 0 <= noise < 1:
        raise ValueError("noise must be in [0, 1)")
    if not scored.results["rank"].notna().any():  # nobody ranked yet (a period before its appraisal): nothing to vary
        return pd.DataFrame(columns=["unit", "rank", "median_rank", "q05", "q95", "mean_abs_shift"])
    data = level_data(scored, cs, level)
    n_units, k = len(data.units), len(data.codes)
    rng = np.random.default_rng(seed)
    base = data.maxima.max(axis=0)
    counts = np.zeros((n_units, n_units + 1), dtype=np.int64)
    shift = np.zeros(n_units)
    done = 0
    bar = _progress(samples, progress) if progress is not None else None
    try:
        while done < samples:
            if cancel is not None and cancel.is_set():
                raise Cancelled(f"đã dừng sau {done} mẫu")
            n = min(chunk, samples - done)
            weights = np.ones((n, k)) if noise == 0 and method == "uniform" else sample_weights(k, n, noise, method, rng, base)
            ranks = sample_ranks(data, weights)
            counts += np.stack([np.bincount(ranks[:, u], minlength=n_units + 1) for u in range(n_units)])
            shift += np.abs(ranks - data.nominal_rank[None, :]).sum(axis=0)
            done += n
            if bar is not None:
                bar.update(n)
            if on_chunk is not None:
                on_chunk(done, samples)
    finally:
        if bar is not None:
            bar.close()
    cumulative = counts.cumsum(axis=1) / samples

    def quantile(q: float) -> np.ndarray:
        return (cumulative >= q - 1e-12).argmax(axis=1)

    return pd.DataFrame(
        {
            "unit": data.units,
            "rank": data.nominal_rank.astype(int),
            "median_rank": quantile(0.5),
            "q05": quantile(0.05),
            "q95": quantile(0.95),
            "mean_abs_shift": shift / samples,
        }
    )


def _progress(total: int, terminal: TextIO):  # noqa: ANN202 - a tqdm bar
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="mẫu", desc="Phân tích bất định", file=terminal)


def sobol_indices(
    func: Callable[[np.ndarray], np.ndarray], names: list[str], bounds: list[tuple[float, float]], n: int = 1024, seed: int = 0
) -> pd.DataFrame:
    """First-order and total Sobol' indices of `func` (rows of inputs → outputs), via SALib."""
    from SALib.analyze import sobol
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    y = np.asarray(func(x), dtype=float)
    res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
    return pd.DataFrame({"input": names, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]})


def weight_sobol(
    scored: Scored, cs: CriteriaSet, noise: float = 0.25, n: int = 1024, seed: int = 0, level: int = 1
) -> pd.DataFrame:
    """Sobol' indices of each weight of a level on the mean absolute rank shift of all units."""
    data = level_data(scored, cs, level)

    def mean_shift(weights: np.ndarray) -> np.ndarray:
        return np.abs(sample_ranks(data, weights) - data.nominal_rank[None, :]).mean(axis=1)

    table = sobol_indices(mean_shift, data.codes, [(1 - noise, 1 + noise)] * len(data.codes), n=n, seed=seed)
    names = {c: cs[c].name for c in data.codes}
    return table.assign(name=table["input"].map(names)).rename(columns={"input": "code"})
