#!/usr/bin/python3
"""Reference values for the Bayesian decision (experiments.EmpiricalPrior,
experiments.Decide), written to decision_vectors.json.

Independent of the Go code and of its closed forms: the posterior of the log
lift d is not taken from the conjugate formula but integrated numerically,
prior(d) * likelihood(d) with scipy.integrate.quad, and every figure (chance
to beat control, expected losses, posterior mean lift, credible bounds by
brentq on the integrated CDF) comes from integrals of that density. A seeded
Monte-Carlo (4 million draws from the prior, weighted by the likelihood)
checks each figure to within 5 Monte-Carlo standard errors. The empirical-Bayes prior is the
method of moments (DerSimonian-Laird) written out with numpy.
Run with Debian's /usr/bin/python3 (numpy 1.24.2, scipy 1.10.1):

    /usr/bin/python3 experiments/testdata/decision_vectors.py
"""
import json
import math
import os

import numpy as np
import scipy
from scipy import integrate, optimize, stats

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOR_SD = 0.05  # experiments.PriorFloorSD
QUAD = dict(epsabs=1e-13, epsrel=1e-12, limit=500)


def posterior_by_quad(y, se, mean, sd, alpha):
    """Every figure from integrals of prior(d) * likelihood(d)."""
    def dens(d):
        return stats.norm.pdf(d, mean, sd) * stats.norm.pdf(y, d, se)

    # the mass sits within a few sd of the precision-weighted centre
    w = 1 / sd ** 2 + 1 / se ** 2
    c = (mean / sd ** 2 + y / se ** 2) / w
    h = 40 / math.sqrt(w)
    lo, hi = c - h, c + h

    def integral(f, a, b):
        pts = [p for p in (0.0, c) if a < p < b]
        v, err = integrate.quad(f, a, b, points=pts or None, **QUAD)
        return v

    z = integral(dens, lo, hi)
    chance = integral(dens, max(lo, 0.0), hi) / z if hi > 0 else 0.0
    loss_variant = integral(lambda d: (1 - math.exp(d)) * dens(d), lo, min(hi, 0.0)) / z if lo < 0 else 0.0
    loss_control = integral(lambda d: (math.exp(d) - 1) * dens(d), max(lo, 0.0), hi) / z if hi > 0 else 0.0
    mean_theta = integral(lambda d: math.exp(d) * dens(d), lo, hi) / z
    post_mean = integral(lambda d: d * dens(d), lo, hi) / z
    post_var = integral(lambda d: (d - post_mean) ** 2 * dens(d), lo, hi) / z

    def cdf(x):
        return integral(dens, lo, x) / z

    q_lo = optimize.brentq(lambda x: cdf(x) - alpha / 2, lo, hi, xtol=1e-13)
    q_hi = optimize.brentq(lambda x: cdf(x) - (1 - alpha / 2), lo, hi, xtol=1e-13)
    return dict(
        post_mean=post_mean, post_sd=math.sqrt(post_var), chance=chance,
        lift=mean_theta - 1, low=math.exp(q_lo) - 1, high=math.exp(q_hi) - 1,
        loss_variant=loss_variant, loss_control=loss_control,
    )


def monte_carlo_check(y, se, mean, sd, got, rng):
    """Importance sampling: draws from the prior weighted by the likelihood."""
    n = 4_000_000
    d = rng.normal(mean, sd, n)
    w = stats.norm.pdf(y, d, se)
    w = w / w.sum()
    ess = 1 / np.sum(w ** 2)
    for name, f in (
        ("chance", (d > 0).astype(float)),
        ("loss_variant", np.maximum(0, 1 - np.exp(d))),
        ("loss_control", np.maximum(0, np.exp(d) - 1)),
        ("lift", np.exp(d) - 1),
    ):
        est = float(np.sum(w * f))
        mcse = math.sqrt(float(np.sum(w * (f - est) ** 2)) / ess)
        assert abs(est - got[name]) <= 5 * mcse + 1e-12, (name, est, got[name], mcse)


def empirical_prior(est, default_sd, min_experiments):
    """DerSimonian-Laird, predictive N(mu, tau2 + V), shrunk toward N(0, default_sd^2)."""
    good = [e for e in est if math.isfinite(e["log_ratio"]) and math.isfinite(e["se"]) and e["se"] > 0]
    j = len({e["experiment"] for e in good})
    j0 = max(1, min_experiments)
    out = dict(source="default", mean=0.0, sd=default_sd, experiments=j, tau2=0.0, mu_hat=0.0)
    if j < j0 or len(good) < 2:
        return out
    y = np.array([e["log_ratio"] for e in good])
    v = np.array([e["se"] ** 2 for e in good])
    w = 1 / v
    yw = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - yw) ** 2)
    den = np.sum(w) - np.sum(w ** 2) / np.sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / den) if den > 0 else 0.0
    ws = 1 / (v + tau2)
    mu = np.sum(ws * y) / np.sum(ws)
    pred = tau2 + 1 / np.sum(ws)
    mean = j * mu / (j + j0)
    var = (j * pred + j0 * default_sd ** 2) / (j + j0)
    return dict(source="empirical", mean=float(mean), sd=max(math.sqrt(var), FLOOR_SD), experiments=j,
                tau2=float(tau2), mu_hat=float(mu))


def main():
    rng = np.random.default_rng(20261206)
    # (log_ratio, se, prior mean, prior sd, alpha): weak and strong data,
    # both signs, a prior off zero, an extreme estimate
    cases = [
        (0.0, 0.3, 0.0, 0.3, 0.05),
        (-0.361, 0.45, 0.0, 0.3, 0.05),      # the demo's 30off RPV, about -30 %
        (0.25, 0.08, 0.0, 0.3, 0.05),
        (-0.4, 0.1, 0.0, 0.3, 0.05),
        (0.12, 0.5, 0.05, 0.12, 0.1),
        (-0.05, 0.02, -0.02, 0.08, 0.05),
        (1.2, 0.9, 0.0, 0.3, 0.05),
        (0.7, 0.15, 0.1, 0.2, 0.05),
        (-1.5, 0.6, 0.0, 1.0, 0.05),
    ]
    decide = []
    for y, se, mean, sd, alpha in cases:
        got = posterior_by_quad(y, se, mean, sd, alpha)
        monte_carlo_check(y, se, mean, sd, got, rng)
        decide.append(dict(log_ratio=y, se=se, prior_mean=mean, prior_sd=sd, alpha=alpha, **got))

    def est(pairs):
        return [dict(experiment=e, log_ratio=y, se=s) for e, y, s in pairs]

    priors = [
        dict(name="too few experiments: the default", default_sd=0.3, min_experiments=5,
             estimates=est([("e1", 0.1, 0.2), ("e2", -0.2, 0.3), ("e3", 0.05, 0.1)])),
        dict(name="alike experiments: tau2 0, shrunk toward the default", default_sd=0.3, min_experiments=3,
             estimates=est([("e1", 0.02, 0.2), ("e2", -0.01, 0.3), ("e3", 0.03, 0.25), ("e4", 0.0, 0.4)])),
        dict(name="spread experiments: tau2 positive", default_sd=0.3, min_experiments=3,
             estimates=est([("e1", 0.4, 0.05), ("e2", -0.3, 0.06), ("e3", 0.1, 0.04), ("e4", 0.25, 0.08),
                            ("e5", -0.15, 0.05), ("e6", 0.05, 0.07)])),
        dict(name="two variants of one experiment count once", default_sd=0.3, min_experiments=3,
             estimates=est([("e1", 0.2, 0.1), ("e1", 0.3, 0.12), ("e2", -0.1, 0.1), ("e3", 0.15, 0.2)])),
        dict(name="many precise alike experiments: the floor", default_sd=0.3, min_experiments=2,
             estimates=est([("e%d" % i, 0.01 * (i % 3), 0.01) for i in range(40)])),
        dict(name="unusable estimates are skipped", default_sd=0.2, min_experiments=3,
             estimates=est([("e1", 0.1, 0.2), ("e2", 0.3, 0.0), ("e3", -0.2, 0.15), ("e4", 0.05, 0.3)])),
    ]
    for p in priors:
        p["prior"] = empirical_prior(p["estimates"], p["default_sd"], p["min_experiments"])

    out = dict(
        generator="decision_vectors.py", numpy=np.__version__, scipy=scipy.__version__,
        note="decide: posterior by scipy.integrate.quad of prior x likelihood (tolerance 1e-12), "
             "credible bounds by brentq on the integrated CDF, each checked by seeded importance-sampling "
             "Monte-Carlo (4e6 draws, within 5 MCSE); priors: DerSimonian-Laird method of moments with numpy",
        decide=decide, priors=priors,
    )
    with open(os.path.join(HERE, "decision_vectors.json"), "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
