"""Targets of the group-lasso penalty (issues 11 and 20), measured.

1. Friedman #1 (2,000 samples, 100 features of which 5 informative, noise
   1.0), 5 seeds: alpha of an MLPRegressor(penalty='group_lasso',
   solver='sgd') chosen by GridSearchCV (3 folds; refit rule: the largest
   alpha whose mean CV R^2 is within 0.01 of the best); the features with
   non-zero importance must include all 5 informative ones in every seed.
   LassoCV's selection (non-zero coefficients) beside it. The grid is
   issue 11's times (1 - momentum): the proximal step of SGD with momentum
   now thresholds with the effective step lr / (1 - momentum), so these
   alphas have the zeros of issue 11's grid at equilibrium.
1b. (issue 20) The plain estimator: MLPRegressor(penalty='group_lasso')
   with its other defaults (Adam), alpha by GridSearchCV as above, on 75 %
   of Friedman #1 with 2,000 and with 10,000 samples (100 features), 3 seeds; held-out R^2 on the rest; with the full-batch proximal
   phase (prox_max_iter=20, the default) and without it (0: the mini-batch
   zeros only, as before). Informative and noise inputs kept, and the
   search's wall time.
1c. (issue 20) breast cancer with 50 noise inputs appended (each a copy of
   one of its own columns, rows permuted), MLPClassifier(penalty=
   'group_lasso') against the dense MLPClassifier(): share of appended
   inputs dropped, held-out accuracy.
2. digits, one hidden layer of 256 units: alpha chosen by GridSearchCV
   (largest alpha within 1 point of the best mean CV accuracy);
   skreg.prune must remove at least half of the hidden units, the held-out
   accuracy must be within 1 point of the unpenalised network, and predict
   time must shrink (measured, best of repeats).

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/group_lasso.py`` (a few
minutes on 2 cores; ``--quick`` for 2 seeds and fewer grid points).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LassoCV
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from lassonet_peer import selector_data, with_noise_columns  # (this folder)
from skreg import GroupLassoSelectorCV, MLPClassifier, MLPRegressor, prune

INFORMATIVE = np.arange(5)


def _sparsest_within(tol):
    """GridSearchCV refit rule: the largest alpha whose mean CV score is within
    ``tol`` of the best one (the sparsest model that is about as good)."""
    def rule(cv_results):
        scores = np.asarray(cv_results["mean_test_score"])
        alphas = np.asarray([p[k] for p in cv_results["params"] for k in p if k.endswith("alpha")])
        ok = np.flatnonzero(scores >= scores.max() - tol)
        return int(ok[np.argmax(alphas[ok])])
    return rule


def friedman(seeds, alphas):
    rows = []
    for seed in seeds:
        X, y = make_friedman1(n_samples=2000, n_features=100, noise=1.0,
                              random_state=seed)
        X = StandardScaler().fit_transform(X)
        mlp = MLPRegressor(hidden_layer_sizes=(32,), penalty="group_lasso",
                           solver="sgd", learning_rate_init=0.01, max_iter=300,
                           random_state=seed)
        model = TransformedTargetRegressor(mlp, transformer=StandardScaler())
        tic = time.perf_counter()
        search = GridSearchCV(model, {"regressor__alpha": alphas}, cv=3, n_jobs=1,
                              refit=_sparsest_within(0.01))
        search.fit(X, y)
        t_mlp = time.perf_counter() - tic
        best = search.best_estimator_.regressor_
        sel = np.flatnonzero(best.feature_importances_ > 0)
        lasso = LassoCV(cv=3, random_state=seed).fit(X, y)
        sel_l = np.flatnonzero(lasso.coef_ != 0)
        rows.append(dict(
            seed=seed, alpha=search.best_params_["regressor__alpha"],
            cv_r2=search.cv_results_["mean_test_score"][search.best_index_],
            mlp_inf=np.isin(INFORMATIVE, sel).sum(), mlp_noise=np.setdiff1d(sel, INFORMATIVE).size,
            mlp_x3=2 in sel,
            lasso_inf=np.isin(INFORMATIVE, sel_l).sum(),
            lasso_noise=np.setdiff1d(sel_l, INFORMATIVE).size, lasso_x3=2 in sel_l,
            t=t_mlp,
        ))
        r = rows[-1]
        print(f"  seed {seed}: alpha={r['alpha']:g} CV R2={r['cv_r2']:.3f} | MLP: "
              f"{r['mlp_inf']}/5 informative (x3: {r['mlp_x3']}), {r['mlp_noise']} noise"
              f" | LassoCV: {r['lasso_inf']}/5 (x3: {r['lasso_x3']}), "
              f"{r['lasso_noise']} noise | {r['t']:.0f} s", flush=True)
    return rows


def _kept(est):
    return np.flatnonzero(est.feature_importances_ > 0)


def plain_friedman(seeds, alphas, n_samples):
    """1b: the default MLPRegressor with and without the proximal phase."""
    rows = []
    for seed in seeds:
        X, y = make_friedman1(n_samples=n_samples, n_features=100, noise=1.0,
                              random_state=seed)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, random_state=seed)
        scaler = StandardScaler().fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
        for prox in (0, 20):
            mlp = MLPRegressor(penalty="group_lasso", prox_max_iter=prox, random_state=seed)
            model = TransformedTargetRegressor(mlp, transformer=StandardScaler())
            tic = time.perf_counter()
            search = GridSearchCV(model, {"regressor__alpha": alphas}, cv=3, n_jobs=1,
                                  refit=_sparsest_within(0.01)).fit(X_tr, y_tr)
            t = time.perf_counter() - tic
            best = search.best_estimator_.regressor_
            sel = _kept(best)
            rows.append(dict(n=n_samples, seed=seed, prox=prox, alpha=search.best_params_["regressor__alpha"],
                             inf=np.isin(INFORMATIVE, sel).sum(),
                             noise=np.setdiff1d(sel, INFORMATIVE).size,
                             r2=search.score(X_te, y_te), t=t, steps=best.prox_n_iter_,
                             kkt=best.kkt_violation_))
            r = rows[-1]
            print(f"  n={n_samples} seed {seed} prox_max_iter={prox}: alpha={r['alpha']:g} "
                  f"{r['inf']}/5 informative, {r['noise']} noise, held-out R2 {r['r2']:.3f}, "
                  f"{t:.0f} s", flush=True)
    return rows


def cancer_with_noise(seeds, alphas, n_noise=50):
    """1c: breast cancer + 50 permuted copies of its own columns."""
    X0, y = load_breast_cancer(return_X_y=True)
    rows = []
    for seed in seeds:
        rng = np.random.RandomState(seed)
        X = with_noise_columns(X0, n_noise, rng)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                                  random_state=seed)
        scaler = StandardScaler().fit(X_tr)
        X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
        dense = MLPClassifier(random_state=seed).fit(X_tr, y_tr)
        row = dict(seed=seed, dense=dense.score(X_te, y_te))
        for prox in (0, 20):
            tic = time.perf_counter()
            search = GridSearchCV(
                MLPClassifier(penalty="group_lasso", prox_max_iter=prox, random_state=seed),
                {"alpha": alphas}, cv=3, n_jobs=1, refit=_sparsest_within(0.01)).fit(X_tr, y_tr)
            sel = _kept(search.best_estimator_)
            real = X0.shape[1]
            row[prox] = dict(alpha=search.best_params_["alpha"],
                             dropped=1 - np.sum(sel >= real) / n_noise,
                             kept_real=int(np.sum(sel < real)),
                             acc=search.score(X_te, y_te), t=time.perf_counter() - tic)
        rows.append(row)
        print(f"  seed {seed}: dense {row['dense']:.4f} | " + " | ".join(
            f"prox {p}: alpha={row[p]['alpha']:g} dropped {row[p]['dropped']:.0%} of noise, "
            f"{row[p]['kept_real']}/30 real, acc {row[p]['acc']:.4f}, {row[p]['t']:.0f} s"
            for p in (0, 20)), flush=True)
    return rows


def fit_time(n_samples, repeats=3):
    """Wall time of one fit of the plain estimator with and without the phase."""
    X, y = make_friedman1(n_samples=n_samples, n_features=100, noise=1.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    y = (y - y.mean()) / y.std()
    out = {}
    for prox in (0, 20):
        best = np.inf
        for _ in range(repeats):
            est = MLPRegressor(penalty="group_lasso", alpha=1e-3, prox_max_iter=prox,
                               random_state=0)
            tic = time.perf_counter()
            est.fit(X, y)
            best = min(best, time.perf_counter() - tic)
        out[prox] = best
    return out


def _downstream(name, seed):
    return (MLPRegressor if name == "friedman" else MLPClassifier)(random_state=seed)


def _selection_row(name, seed, kept, n_real, X_tr, X_te, y_tr, y_te, t):
    kept = np.asarray(kept, dtype=int)
    real = int(np.sum(kept < n_real))
    score = (_downstream(name, seed).fit(X_tr[:, kept], y_tr).score(X_te[:, kept], y_te)
             if kept.size else float("nan"))
    return dict(seed=seed, kept=kept.size, real=real,
                precision=real / kept.size if kept.size else float("nan"),
                recall=real / n_real, score=score, t=t)


def selector(name, seeds, lassonet_python=None, lassonet_seeds=None):
    """GroupLassoSelectorCV with its defaults; optionally LassoNet*CV."""
    import json
    import subprocess

    rows = {"skreg": [], "dense": [], "lassonet": []}
    for seed in seeds:
        X_tr, X_te, y_tr, y_te, n_real = selector_data(name, seed)
        dense = _downstream(name, seed).fit(X_tr, y_tr).score(X_te, y_te)
        rows["dense"].append(dense)
        tic = time.perf_counter()
        sel = GroupLassoSelectorCV(random_state=seed).fit(X_tr, y_tr)
        r = _selection_row(name, seed, np.flatnonzero(sel.support_), n_real,
                           X_tr, X_te, y_tr, y_te, time.perf_counter() - tic)
        r["alpha"] = sel.alpha_
        rows["skreg"].append(r)
        print(f"  {name} seed {seed}: dense {dense:.4f} | skreg: kept {r['kept']} "
              f"({r['real']} real), score {r['score']:.4f}, {r['t']:.0f} s", flush=True)
        if lassonet_python and (lassonet_seeds is None or seed < lassonet_seeds):
            out = subprocess.run([lassonet_python, __file__.replace("group_lasso.py",
                                                                    "lassonet_peer.py"),
                                  name, str(seed)], capture_output=True, text=True)
            if out.returncode != 0:
                print(out.stderr[-2000:])
                continue
            got = json.loads(out.stdout.strip().splitlines()[-1])
            r = _selection_row(name, seed, got["kept"], n_real, X_tr, X_te, y_tr, y_te,
                               got["time"])
            r["own_score"] = got["lassonet_score"]
            rows["lassonet"].append(r)
            print(f"  {name} seed {seed}: LassoNet: kept {r['kept']} ({r['real']} real), "
                  f"score {r['score']:.4f} (its own model {r['own_score']:.4f}), "
                  f"{r['t']:.0f} s", flush=True)
    return rows


def _print_selector(name, rows):
    metric = "R2" if name == "friedman" else "accuracy"
    print(f"\n| {name} | inputs kept | real kept | precision | recall | held-out {metric} "
          f"of MLP on kept | dense MLP | wall time |")
    print("|---|---|---|---|---|---|---|---|")
    dense = np.mean(rows["dense"])
    for who in ("skreg", "lassonet"):
        sub = rows[who]
        if not sub:
            continue
        m = {k: np.mean([r[k] for r in sub]) for k in ("kept", "real", "precision",
                                                       "recall", "score", "t")}
        sd = np.std([r["score"] for r in sub])
        label = "GroupLassoSelectorCV()" if who == "skreg" else "LassoNet*CV(hidden_dims=(64,), cv=3)"
        print(f"| {label} ({len(sub)} seeds) | {m['kept']:.1f} | {m['real']:.1f} | "
              f"{m['precision']:.3f} | {m['recall']:.3f} | {m['score']:.4f} +- {sd:.4f} | "
              f"{dense:.4f} | {m['t']:.0f} s |")


def _predict_time(est, X, repeats=30):
    best = np.inf
    for _ in range(repeats):
        tic = time.perf_counter()
        est.predict(X)
        best = min(best, time.perf_counter() - tic)
    return best


def digits(alphas):
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, stratify=y,
                                              random_state=0)
    scaler = StandardScaler().fit(X_tr)
    X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
    common = dict(hidden_layer_sizes=(256,), solver="sgd", learning_rate_init=0.05,
                  max_iter=200, random_state=0)
    dense = MLPClassifier(penalty=None, alpha=0.0, **common).fit(X_tr, y_tr)
    search = GridSearchCV(MLPClassifier(penalty="group_lasso", **common),
                          {"alpha": alphas}, cv=3, n_jobs=1,
                          refit=_sparsest_within(0.01)).fit(X_tr, y_tr)
    sparse = search.best_estimator_
    small = prune(sparse)
    X_big = np.tile(X_te, (50, 1))  # ~22,000 rows: a measurable predict
    res = dict(
        alpha=search.best_params_["alpha"],
        units=small.hidden_layer_sizes[0],
        acc_dense=dense.score(X_te, y_te), acc_sparse=sparse.score(X_te, y_te),
        acc_pruned=small.score(X_te, y_te),
        pixels=int((sparse.feature_importances_ > 0).sum()),
        t_dense=_predict_time(sparse, X_big), t_pruned=_predict_time(small, X_big),
    )
    return res


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--part", choices=("all", "penalty", "selector"), default="all",
                        help="the penalty's targets (issues 11, 20), the selector's (21), "
                             "or both")
    parser.add_argument("--selector-seeds", type=int, default=3)
    parser.add_argument("--lassonet-seeds", type=int, default=None,
                        help="run LassoNet on the first N seeds only (it is slow)")
    parser.add_argument("--lassonet-python", default=None,
                        help="python of an environment with lassonet (see "
                             "benchmarks/lassonet_peer.py) to run LassoNet beside")
    args = parser.parse_args()
    if args.part in ("all", "selector"):
        seeds = list(range(args.selector_seeds))
        print("2. (issue 21) GroupLassoSelectorCV with its defaults, 25 % held out; the "
              "downstream model is MLPRegressor() / MLPClassifier() on the kept inputs")
        for name in ("friedman", "cancer"):
            _print_selector(name, selector(name, seeds, args.lassonet_python,
                                           args.lassonet_seeds))
        if args.part == "selector":
            return
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    seeds = [0, 1] if args.quick else [0, 1, 2, 3, 4]
    # issue 11's grids times (1 - momentum) = 0.1: SGD with momentum 0.9
    f_alphas = [0.001, 0.002, 0.004] if args.quick else [0.001, 0.002, 0.004, 0.008]
    d_alphas = [3e-4, 1e-3] if args.quick else [1e-4, 3e-4, 1e-3, 3e-3]
    p_alphas = [3e-4, 1e-3, 3e-3] if args.quick else [3e-4, 1e-3, 1.5e-3, 3e-3]
    c_alphas = [1e-3, 1e-2] if args.quick else [1e-3, 3e-3, 1e-2, 3e-2]

    print(f"Friedman #1, n=2000, 100 features, noise 1.0; alpha grid {f_alphas}")
    rows = friedman(seeds, f_alphas)
    all5 = all(r["mlp_inf"] == 5 for r in rows)
    noise = np.mean([r["mlp_noise"] for r in rows])
    print()
    print("| seed | alpha | CV R2 | MLP informative | MLP finds x3 | MLP noise | "
          "LassoCV informative | LassoCV finds x3 | LassoCV noise |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['seed']} | {r['alpha']:g} | {r['cv_r2']:.3f} | {r['mlp_inf']}/5 | "
              f"{'yes' if r['mlp_x3'] else 'no'} | {r['mlp_noise']} | {r['lasso_inf']}/5 | "
              f"{'yes' if r['lasso_x3'] else 'no'} | {r['lasso_noise']} |")
    print(f"\ntarget: all 5 informative in every seed: {'met' if all5 else 'NOT met'}; "
          f"noise features on average {noise:.1f} <= 5: {'met' if noise <= 5 else 'NOT met'}")

    print(f"\n1b. the plain MLPRegressor(penalty='group_lasso'); alpha grid {p_alphas}")
    rows = []
    for n_samples in (2000, 10000):
        rows += plain_friedman(seeds[:3], p_alphas, n_samples)
    print("\n| n_samples | prox_max_iter | seed | alpha | informative | noise | held-out R2 | "
          "search time | phase steps | KKT violation |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (r["n"], r["prox"], r["seed"])):
        kkt = "-" if r["kkt"] is None else f"{r['kkt']:.2g}"
        print(f"| {r['n']} | {r['prox']} | {r['seed']} | {r['alpha']:g} | {r['inf']}/5 | "
              f"{r['noise']} | {r['r2']:.3f} | {r['t']:.0f} s | {r['steps']} | {kkt} |")
    for n_samples in (2000, 10000):
        for prox in (0, 20):
            sub = [r for r in rows if r["prox"] == prox and r["n"] == n_samples]
            print(f"n={n_samples} prox_max_iter={prox}: all informative in every seed: "
                  f"{all(r['inf'] == 5 for r in sub)}; noise on average "
                  f"{np.mean([r['noise'] for r in sub]):.1f}; held-out R2 "
                  f"{np.mean([r['r2'] for r in sub]):.3f} +- "
                  f"{np.std([r['r2'] for r in sub]):.3f}; search time "
                  f"{np.mean([r['t'] for r in sub]):.0f} s")

    print(f"\n1c. breast cancer + 50 permuted columns; alpha grid {c_alphas}")
    crow = cancer_with_noise(seeds if not args.quick else [0], c_alphas)
    print("\n| prox_max_iter | noise inputs dropped | real inputs kept | accuracy | "
          "dense accuracy | search time |")
    print("|---|---|---|---|---|---|")
    for prox in (0, 20):
        d = [r[prox] for r in crow]
        print(f"| {prox} | {np.mean([x['dropped'] for x in d]):.1%} | "
              f"{np.mean([x['kept_real'] for x in d]):.1f} / 30 | "
              f"{np.mean([x['acc'] for x in d]):.4f} +- {np.std([x['acc'] for x in d]):.4f} | "
              f"{np.mean([r['dense'] for r in crow]):.4f} | "
              f"{np.mean([x['t'] for x in d]):.0f} s |")

    for n_samples in (2000, 10000):
        t = fit_time(n_samples)
        print(f"\none fit of MLPRegressor(penalty='group_lasso', alpha=1e-3) on Friedman #1, "
              f"n={n_samples}: {t[0]:.2f} s without the phase, {t[20]:.2f} s with it "
              f"({t[20] / t[0]:.2f}x; best of 3)")

    print(f"\ndigits, MLPClassifier((256,)); alpha grid {d_alphas}")
    d = digits(d_alphas)
    print(f"| alpha | hidden units after prune | pixels used | accuracy unpenalised | "
          f"accuracy group lasso | accuracy pruned | predict time full / pruned |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {d['alpha']:g} | {d['units']} / 256 | {d['pixels']} / 64 | "
          f"{d['acc_dense']:.4f} | {d['acc_sparse']:.4f} | {d['acc_pruned']:.4f} | "
          f"{1e3 * d['t_dense']:.1f} ms / {1e3 * d['t_pruned']:.1f} ms "
          f"({d['t_dense'] / d['t_pruned']:.1f}x) |")
    half = d["units"] <= 128
    acc = d["acc_pruned"] >= d["acc_dense"] - 0.01
    faster = d["t_pruned"] < d["t_dense"]
    print(f"\ntarget: at least half the units removed: {'met' if half else 'NOT met'}; "
          f"accuracy within 1 point: {'met' if acc else 'NOT met'}; "
          f"predict faster: {'met' if faster else 'NOT met'}")


if __name__ == "__main__":
    main()
