"""MLPRegressor with and without scale_target on the regression sets.

For each regression data set of ``_datasets.ALL`` (the split of
``tuning.py``), ``MLPRegressor`` with its defaults, at the default rate and
with ``learning_rate_init='auto'``, with and without ``scale_target=True``:
held-out R^2, mean and standard deviation over seeds.

    python benchmarks/scale_target.py [--seeds 3]
"""

import argparse
import os
import sys
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tuning import _data, _pipe  # noqa: E402

import skreg  # noqa: E402

REGRESSION = ("diabetes", "diamonds", "computers")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3)
    args = p.parse_args(argv)
    warnings.simplefilter("ignore")
    print("data set | rate | scale_target=False | scale_target=True")
    for name in REGRESSION:
        Xtr, Xte, ytr, yte, _ = _data(name)
        for lr in (0.001, "auto"):
            cells = []
            for scale in (False, True):
                s = [_pipe(skreg.MLPRegressor(learning_rate_init=lr, scale_target=scale,
                                              random_state=seed)).fit(Xtr, ytr).score(Xte, yte)
                     for seed in range(args.seeds)]
                cells.append(f"{np.mean(s):.4f} ± {np.std(s):.4f}")
            print(f"{name} | {lr} | " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
