"""Hyper-parameter search over skreg pipelines on a dask.distributed cluster.

A LocalCluster with two worker *processes* (bound to 127.0.0.1, ports and
dashboard chosen by the OS, 1 GiB per worker) stands in for a real cluster.
scikit-learn's GridSearchCV dispatches its fits to it through joblib's dask
backend; the fits must run in the worker processes and give the same
cv_results_ as the same search run in this process.
"""

import logging
import os

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from skreg import MLPClassifier  # noqa: E402

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="module")
def client():
    # the context managers close the client and shut the cluster down at
    # the end of the module, also when a test failed
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host=LOOPBACK,
        scheduler_port=0,
        dashboard_address=f"{LOOPBACK}:0",
        memory_limit="1GiB",
        silence_logs=logging.ERROR,
    ) as cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        yield client


def _search():
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=25, learning_rate_init=0.01,
                      batch_size=32, random_state=0),
    )
    grid = {
        "mlpclassifier__penalty": ["l2", "l1"],
        "mlpclassifier__alpha": [1e-4, 1e-2],
    }
    scoring = {
        "accuracy": "accuracy",
        "neg_log_loss": "neg_log_loss",
        # the id of the process that fitted and scored this split (fit and
        # score of one split always run in the same task); a lambda, so that
        # it travels to the workers by value
        "pid": lambda est, X, y: float(os.getpid()),
    }
    return GridSearchCV(pipe, grid, scoring=scoring, refit="neg_log_loss",
                        cv=StratifiedKFold(3), n_jobs=-1)


def _data():
    return make_classification(n_samples=180, n_features=8, n_informative=5,
                               n_classes=3, random_state=0)


def test_cluster_is_local_and_bounded(client):
    info = client.scheduler_info()
    assert info["address"].startswith(f"tcp://{LOOPBACK}:")
    workers = info["workers"]
    assert len(workers) == 2
    for addr, w in workers.items():
        assert addr.startswith(f"tcp://{LOOPBACK}:")
        assert w["nthreads"] == 1
        assert w["memory_limit"] == 2**30
    # worker processes are not this process
    pids = client.run(os.getpid)
    assert os.getpid() not in pids.values()
    assert len(set(pids.values())) == 2
    # every socket the cluster listens on is on the loopback interface
    psutil = pytest.importorskip("psutil")
    procs = [psutil.Process()] + psutil.Process().children(recursive=True)
    def sockets(p):  # psutil < 6 calls it connections()
        return getattr(p, "net_connections", getattr(p, "connections", None))(kind="inet")

    listening = [c for p in procs for c in sockets(p) if c.status == psutil.CONN_LISTEN]
    assert listening, "the scheduler should listen on a socket"
    assert {c.laddr.ip for c in listening} == {LOOPBACK}


def test_grid_search_on_workers_matches_local_search(client):
    X, y = _data()
    worker_pids = set(client.run(os.getpid).values())

    with joblib.parallel_config(backend="dask", client=client):
        remote = _search().fit(X, y)
    # the workers' BLAS runs one thread (the nanny sets OMP/OPENBLAS/MKL_NUM_THREADS
    # to 1); do the same here so that both searches round alike
    with threadpool_limits(limits=1):
        local = _search().set_params(n_jobs=1).fit(X, y)

    n_candidates, n_splits = 4, 3
    # every fit ran in a worker process, none in this one
    fit_pids = {remote.cv_results_[f"split{k}_test_pid"][c]
                for k in range(n_splits) for c in range(n_candidates)}
    assert fit_pids <= {float(p) for p in worker_pids}
    assert float(os.getpid()) not in fit_pids
    # ...and the local search really ran here (the pid column is meaningful)
    assert set(local.cv_results_["split0_test_pid"]) == {float(os.getpid())}

    # same candidates in the same order, same scores, split by split
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    for metric in ("accuracy", "neg_log_loss"):
        for key in [f"split{k}_test_{metric}" for k in range(n_splits)] + [
            f"mean_test_{metric}", f"std_test_{metric}", f"rank_test_{metric}"
        ]:
            np.testing.assert_allclose(remote.cv_results_[key], local.cv_results_[key],
                                       rtol=1e-10, atol=1e-12, err_msg=key)
    # the scores are not degenerate: the grid changes the result
    assert np.ptp(local.cv_results_["mean_test_neg_log_loss"]) > 0
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(remote.predict_proba(X), local.predict_proba(X),
                               rtol=1e-10, atol=1e-12)


def test_mlp_cv_search_runs_on_the_workers(client, tmp_path):
    from skreg import MLPClassifierCV

    X, y = _data()
    X = StandardScaler().fit_transform(X)
    worker_pids = set(client.run(os.getpid).values())
    marks = str(tmp_path)

    def scorer(est, X_, y_):  # accuracy, and a file named after the scoring process
        open(os.path.join(marks, str(os.getpid())), "a").close()
        return float(np.mean(est.predict(X_) == y_))

    def search(n_jobs):
        return MLPClassifierCV(MLPClassifier(learning_rate_init="auto", max_iter=9,
                                             random_state=0),
                               param_distributions={"alpha": [1e-5, 1e-3, 1e-1],
                                                    "hidden_layer_sizes": [(8,), (16,)]},
                               n_candidates=6, factor=3, cv=StratifiedKFold(3),
                               scoring=scorer, n_jobs=n_jobs, random_state=0,
                               # (greedy selection scores out-of-fold outputs with
                               # the scorer too, in the calling process)
                               ensemble="folds")

    with joblib.parallel_config(backend="dask", client=client):
        remote = search(-1).fit(X, y)
    scored_in = {int(p) for p in os.listdir(marks)}
    assert scored_in and scored_in <= worker_pids
    with threadpool_limits(limits=1):
        local = search(1).fit(X, y)
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    np.testing.assert_allclose(remote.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"], rtol=1e-10, atol=1e-12)
    assert remote.n_candidates_ == local.n_candidates_ == [6, 2]
    assert remote.best_params_ == local.best_params_
