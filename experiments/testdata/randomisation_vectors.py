#!/usr/bin/python3
"""Reference values for the randomisation analysis (experiments.Analyse),
Fieller with the t critical value, the exact multinomial SRM test and the
log-ratio power plan, written to randomisation_vectors.json.

Independent of the Go code: the estimates come from statsmodels (Poisson GLM
with offset log D: host dummies for the blocked design, the covariate for
CUPED, HC0 sandwich), the p-values from exact enumeration with itertools,
the intervals from bisection on those enumerated p-values, the distributions
from scipy. Run with Debian's /usr/bin/python3 (numpy, scipy, statsmodels):

    /usr/bin/python3 experiments/testdata/randomisation_vectors.py
"""
import itertools
import json
import math
import os

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
ALPHA = 0.05


def section_c():
    ref = json.load(open(os.path.join(HERE, "stats_vectors.json")))
    inp = ref["c_delta_method_ratio_metric_rpv"]["input"]
    units = []
    for arm, variant in (("A", False), ("B", True)):
        for s in inp[arm]:
            units.append(dict(variant=variant, host="", m=s["revenue"], d=float(s["viewers"]), pre_m=0.0, pre_d=0.0))
    return units


def blocked_data():
    # 3 hosts, audiences ~10x apart, 2 streams per arm each
    rows = [
        ("h1", False, 120.0, 1000), ("h1", False, 95.0, 900), ("h1", True, 150.0, 1100), ("h1", True, 118.0, 950),
        ("h2", False, 14.0, 110), ("h2", False, 9.5, 95), ("h2", True, 16.0, 100), ("h2", True, 15.0, 120),
        ("h3", False, 400.0, 5200), ("h3", False, 510.0, 6100), ("h3", True, 640.0, 5800), ("h3", True, 420.0, 4900),
    ]
    return [dict(variant=v, host=h, m=m, d=float(d), pre_m=0.0, pre_d=0.0) for h, v, m, d in rows]


def cuped_data():
    # 8 hosts with history, one stream each per arm split 4/4 (no host in both arms)
    rows = [
        ("h1", False, 120.0, 1000, 1000.0, 9000), ("h2", False, 15.0, 300, 160.0, 3200),
        ("h3", False, 300.0, 2000, 2900.0, 21000), ("h4", False, 40.0, 800, 300.0, 7000),
        ("h5", True, 90.0, 700, 700.0, 6500), ("h6", True, 30.0, 500, 200.0, 5200),
        ("h7", True, 260.0, 1500, 2300.0, 15500), ("h8", True, 65.0, 900, 410.0, 8800),
    ]
    return [dict(variant=v, host=h, m=m, d=float(d), pre_m=pm, pre_d=float(pd)) for h, v, m, d, pm, pd in rows]


def stat(m, e, block, treated):
    """Studentised log ratio: conditional-Poisson (host fixed effects) log θ
    with the sandwich SE, per-arm factors k/(k−1). Written from the
    formulas, not from the Go code."""
    blocks = sorted(set(block))
    mA = {h: 0.0 for h in blocks}; mB = dict(mA); eA = dict(mA); eB = dict(mA)
    for mi, ei, h, t in zip(m, e, block, treated):
        if t:
            mB[h] += mi; eB[h] += ei
        else:
            mA[h] += mi; eA[h] += ei
    if sum(mA.values()) == 0 or sum(mB.values()) == 0:
        return None
    def g(beta):
        th = math.exp(beta)
        return sum(mB[h] - (mA[h] + mB[h]) * th * eB[h] / (eA[h] + th * eB[h]) for h in blocks)
    beta = scipy.optimize.brentq(g, -30, 30, xtol=1e-15, rtol=1e-15)
    th = math.exp(beta)
    info = 0.0
    pi = {}; mu = {}
    for h in blocks:
        mh = mA[h] + mB[h]
        pi[h] = th * eB[h] / (eA[h] + th * eB[h])
        mu[h] = mh / (eA[h] + th * eB[h])
        info += mh * pi[h] * (1 - pi[h])
    ka = sum(1 for t in treated if not t); kb = len(treated) - ka
    va = vb = 0.0
    for mi, ei, h, t in zip(m, e, block, treated):
        if t:
            vb += ((mi - ei * mu[h] * th) * (1 - pi[h])) ** 2
        else:
            va += ((mi - ei * mu[h]) * pi[h]) ** 2
    v = (va * ka / (ka - 1) + vb * kb / (kb - 1)) / info ** 2
    return beta, math.sqrt(v), beta / math.sqrt(v)


def assignments(block, treated):
    """Every re-assignment keeping each block's number of variant streams."""
    idx = {}
    for i, h in enumerate(block):
        idx.setdefault(h, []).append(i)
    per = []
    for h in sorted(idx):
        ii = idx[h]
        k = sum(treated[i] for i in ii)
        per.append([set(c) for c in itertools.combinations(ii, k)])
    for combo in itertools.product(*per):
        chosen = set().union(*combo)
        yield [i in chosen for i in range(len(block))]


def perm_p(m, e, block, treated):
    obs = abs(stat(m, e, block, treated)[2])
    count = total = 0
    for tr in assignments(block, treated):
        s = stat(m, e, block, tr)
        if s is None:
            continue
        total += 1
        if abs(s[2]) >= obs - 1e-6 * max(1, obs):  # ties: equal to 1e-6 relative, as in Go
            count += 1
    return count / total, total


def inverted_ci(m, e, block, treated, beta, se):
    def p_at(b):
        th = math.exp(b)
        adj = [mi / th if t else mi for mi, t in zip(m, treated)]
        return perm_p(adj, e, block, treated)[0]
    def bound(direction):
        inside, step = beta, se * 3
        outside = beta + direction * step
        while p_at(outside) > ALPHA:
            inside = outside; step *= 2; outside = beta + direction * step
        while abs(outside - inside) > 1e-9:
            mid = (inside + outside) / 2
            if p_at(mid) > ALPHA:
                inside = mid
            else:
                outside = mid
        return (inside + outside) / 2
    return math.expm1(bound(-1)), math.expm1(bound(1))


def glm_check_blocked(units):
    """statsmodels: Poisson GLM with host dummies and offset log D."""
    hosts = sorted({u["host"] for u in units})
    X = np.array([[1.0 if u["variant"] else 0.0] + [1.0 if u["host"] == h else 0.0 for h in hosts] for u in units])
    y = np.array([u["m"] for u in units])
    off = np.log([u["d"] for u in units])
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(tol=1e-14, cov_type="HC0")
    return fit.params[0], math.sqrt(fit.cov_params()[0, 0])


def cuped_exposure(units):
    withpre = [u for u in units if u["pre_d"] > 0]
    pooled = sum(u["pre_m"] for u in withpre) / sum(u["pre_d"] for u in withpre)
    n = len(withpre)
    z = []
    for u in units:
        r = pooled
        if u["pre_d"] > 0:
            r = (u["pre_m"] + 0.5 * pooled * u["pre_d"] / n) / (u["pre_d"] + 0.5 * u["pre_d"] / n)
        z.append(math.log(r / pooled))
    X = sm.add_constant(np.array(z))
    y = np.array([u["m"] for u in units])
    off = np.log([u["d"] for u in units])
    fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=off).fit(tol=1e-14)
    a, g = fit.params
    e = [u["d"] * math.exp(a + g * zi) for u, zi in zip(units, z)]
    return a, g, e


def welch_df_log(m, e, treated):
    ka = sum(1 for t in treated if not t); kb = len(treated) - ka
    mA = sum(mi for mi, t in zip(m, treated) if not t); mB = sum(mi for mi, t in zip(m, treated) if t)
    eA = sum(ei for ei, t in zip(e, treated) if not t); eB = sum(ei for ei, t in zip(e, treated) if t)
    rA, rB = mA / eA, mB / eB
    ssA = sum((mi - rA * ei) ** 2 for mi, ei, t in zip(m, e, treated) if not t)
    ssB = sum((mi - rB * ei) ** 2 for mi, ei, t in zip(m, e, treated) if t)
    a = ssA * ka / (ka - 1) / mA ** 2
    b = ssB * kb / (kb - 1) / mB ** 2
    return (a + b) ** 2 / (a * a / (ka - 1) + b * b / (kb - 1))


def analyse(name, units, method):
    treated = [u["variant"] for u in units]
    m = [u["m"] for u in units]
    if method == "cuped":
        a, g, e = cuped_exposure(units)
        block = [0] * len(units)
    else:
        e = [u["d"] for u in units]
        block = [u["host"] if method == "blocked" else 0 for u in units]
    beta, se, t = stat(m, e, block, treated)
    p, total = perm_p(m, e, block, treated)
    lo, hi = inverted_ci(m, e, block, treated, beta, se)
    out = dict(name=name, method=method, units=units, log_ratio=beta, se=se, stat=t, lift=math.expm1(beta),
               p=p, assignments=total, ci=[lo, hi])
    if method == "blocked":
        gb, gse = glm_check_blocked(units)
        assert abs(gb - beta) < 1e-9, (gb, beta)
        out["glm_log_ratio"] = gb
        out["glm_se_hc0"] = gse
        out["df"] = len(units) - len(set(block)) - 1
    else:
        out["df"] = welch_df_log(m, e, treated)
    if method == "cuped":
        out["cuped_a"], out["cuped_gamma"] = a, g
        plain = stat(m, [u["d"] for u in units], [0] * len(units), treated)
        out["variance_reduction"] = 1 - se ** 2 / plain[1] ** 2
    if method == "plain":
        # the one-block statistic is the delta-method log ratio
        ka = sum(1 for x in treated if not x); kb = len(treated) - ka
        def arm(flag):
            mm = np.array([mi for mi, x in zip(m, treated) if x == flag]); dd = np.array([u["d"] for u, x in zip(units, treated) if x == flag])
            r = mm.sum() / dd.sum(); k = len(mm)
            var_r = ((mm - r * dd) ** 2).sum() / (k - 1) / (k * dd.mean() ** 2)
            return r, var_r
        ra, va = arm(False); rb, vb = arm(True)
        assert abs(math.sqrt(vb / rb ** 2 + va / ra ** 2) - se) < 1e-12
    return out


def plan_vectors(se, df, ka, kb, target, power):
    s2 = se * se / (1 / ka + 1 / kb)
    scale = df / (ka + kb - 2)
    delta = abs(math.log1p(target))
    def pw(s2, n1, n2, d):
        sen = math.sqrt(s2 * (1 / n1 + 1 / n2))
        dfn = max(1.0, scale * (n1 + n2 - 2))
        c = stats.t.ppf(1 - ALPHA / 2, dfn)
        return stats.nct.sf(c, dfn, d / sen) + stats.nct.cdf(-c, dfn, d / sen)
    def need(s2):
        if pw(s2, 2, 2, delta) >= power:
            return 2
        hi = 4
        while pw(s2, hi, hi, delta) < power:
            hi *= 2
        n = scipy.optimize.brentq(lambda n: pw(s2, n, n, delta) - power, 2, hi, xtol=1e-12)
        return math.ceil(n - 1e-9)
    hi = 0.01
    while pw(s2, ka, kb, hi) < power:
        hi *= 2
    mde = scipy.optimize.brentq(lambda d: pw(s2, ka, kb, d) - power, 1e-9, hi, xtol=1e-14)
    nu = max(df, 1)
    return dict(se=se, df=df, ka=ka, kb=kb, target=target, power=power,
                power_now=pw(s2, ka, kb, delta), mde=math.expm1(mde), streams_needed=need(s2),
                streams_low=need(s2 * nu / stats.chi2.ppf(1 - ALPHA / 2, nu)),
                streams_high=need(s2 * nu / stats.chi2.ppf(ALPHA / 2, nu)))


def multinomial_exact(counts, weights):
    n = sum(counts)
    p = np.array(weights) / sum(weights)
    obs = stats.multinomial.pmf(counts, n, p)
    tot = 0.0
    for c in itertools.product(range(n + 1), repeat=len(counts) - 1):
        if sum(c) > n:
            continue
        x = list(c) + [n - sum(c)]
        q = stats.multinomial.pmf(x, n, p)
        if q <= obs * (1 + 1e-7):
            tot += q
    return min(1.0, tot)


def fieller_t(units):
    def arm(flag):
        mm = np.array([u["m"] for u in units if u["variant"] == flag]); dd = np.array([u["d"] for u in units if u["variant"] == flag])
        k = len(mm); r = mm.sum() / dd.sum()
        vu = ((mm - r * dd) ** 2).sum() / (k - 1) / dd.mean() ** 2
        return r, vu / k, vu, k
    ra, va, vua, ka = arm(False); rb, vb, vub, kb = arm(True)
    a, b = vua / ka, vub / kb
    df = (a + b) ** 2 / (a * a / (ka - 1) + b * b / (kb - 1))
    t = stats.t.ppf(1 - ALPHA / 2, df)
    qa = ra * ra - t * t * va; qb = -2 * ra * rb; qc = rb * rb - t * t * vb
    disc = qb * qb - 4 * qa * qc
    return dict(df=df, t=t, low=(-qb - math.sqrt(disc)) / (2 * qa) - 1, high=(-qb + math.sqrt(disc)) / (2 * qa) - 1)


def main():
    cases = [analyse("section_c", section_c(), "plain"), analyse("blocked_3_hosts", blocked_data(), "blocked"),
             analyse("cuped_8_hosts", cuped_data(), "cuped")]
    plans = [plan_vectors(c["se"], c["df"], sum(1 for u in c["units"] if not u["variant"]),
                          sum(1 for u in c["units"] if u["variant"]), 0.10, 0.80) for c in cases]
    srm = [dict(counts=c, weights=w, p=multinomial_exact(c, w)) for c, w in
           [([5, 9, 4], [1, 1, 1]), ([10, 3, 7], [2, 1, 1]), ([6, 6, 6, 12], [1, 1, 1, 1]), ([4, 4, 7], [1, 1, 2]), ([2, 2, 9], [1, 1, 1]), ([2, 2, 9], [1, 1, 2])]]
    out = dict(meta=dict(alpha=ALPHA, numpy=np.__version__, scipy=scipy.__version__,
                         statsmodels=statsmodels.__version__, generator="randomisation_vectors.py"),
               analyses=cases, plans=plans, srm_multinomial=srm, fieller_t_section_c=fieller_t(section_c()))
    with open(os.path.join(HERE, "randomisation_vectors.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
