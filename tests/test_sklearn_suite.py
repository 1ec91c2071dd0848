"""scikit-learn's own MLP test file, run against skreg.

The installed scikit-learn ships ``neural_network/tests/test_mlp.py``. This
test copies it into a temporary directory with exactly one change, its import
of ``MLPClassifier, MLPRegressor`` now coming from skreg, and runs it with
pytest in a subprocess. The only tests left out are those that read or set
scikit-learn's private training state, which skreg does not have; each is
listed with the private name it uses, and the list is checked against the
copied file. The file differs between scikit-learn versions: a listed test
that this version's file lacks is simply not deselected.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import sklearn

import skreg

#: test name -> a private scikit-learn attribute it reads or sets
PRIVATE = {
    # hand-builds a half-fitted estimator from sklearn's internal buffers
    "test_fit": "_coef_grads",
    # differentiates sklearn's private loss-and-gradient method
    "test_gradient": "_loss_grad_lbfgs",
    # read the learning rate off sklearn's private optimizer object
    "test_learning_rate_warmstart": "_optimizer",
    "test_adaptive_learning_rate": "_optimizer",
    # sklearn's private no-improvement counter
    "test_n_iter_no_change": "_no_improvement_count",
    "test_n_iter_no_change_inf": "_no_improvement_count",
}

_IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor\n"
_SWAPPED = "from skreg import MLPClassifier, MLPRegressor\n"


def _source():
    path = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
    assert path.is_file(), f"scikit-learn {sklearn.__version__} ships no {path}"
    return path.read_text(encoding="utf-8")


def _swap_import(text):
    """The file with its one import of the estimators taken from skreg."""
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line == _IMPORT]
    assert len(hits) == 1, (
        f"expected the line {_IMPORT!r} exactly once in scikit-learn "
        f"{sklearn.__version__}'s test_mlp.py, found it {len(hits)} times"
    )
    # nothing else may bring in scikit-learn's estimators
    others = [line for i, line in enumerate(lines)
              if i != hits[0] and re.search(r"neural_network|_multilayer_perceptron", line)
              and "import" in line]
    assert not others, f"other imports of scikit-learn's MLP: {others}"
    lines[hits[0]] = _SWAPPED
    swapped = "".join(lines)
    # the copy differs from the original in that one line only
    assert swapped.replace(_SWAPPED, _IMPORT, 1) == text
    assert swapped.count(_SWAPPED) == 1
    return swapped


def _test_bodies(text):
    """Map each top-level test function to its source text (decorators of
    the next function excluded)."""
    starts = [(m.start(), m.group(1))
              for m in re.finditer(r"^def (test_\w+)\(", text, flags=re.M)]
    bodies = {}
    for (start, name), (end, _) in zip(starts, starts[1:] + [(len(text), None)]):
        body = text[start:end]
        cut = re.search(r"^@", body, flags=re.M)
        bodies[name] = body[: cut.start()] if cut else body
    return bodies


def _summary_counts(output):
    """Counts from pytest's last line, e.g. '3 passed, 1 skipped in 2.0s'."""
    last = [line for line in output.strip().splitlines() if " in " in line][-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (\w+)", last)}


def test_sklearn_mlp_test_file_passes_with_skreg(tmp_path):
    text = _source()
    copy = _swap_import(text)
    bodies = _test_bodies(copy)
    deselect = []
    for name, private in PRIVATE.items():
        if name not in bodies:
            continue  # this scikit-learn version's file has no such test
        assert re.search(rf"\.{private}\b", bodies[name]), (
            f"{name} no longer uses {private}: take it off the deselect list"
        )
        deselect += ["--deselect", f"test_mlp_sklearn.py::{name}"]
    assert deselect, "none of the private-attribute tests found: wrong file?"

    (tmp_path / "test_mlp_sklearn.py").write_text(copy, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    # the subprocess imports the skreg under test, wherever it comes from
    root = str(Path(skreg.__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [root] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    found = subprocess.run(
        [sys.executable, "-c", "import skreg; print(skreg.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert Path(found).resolve() == Path(skreg.__file__).resolve()

    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         # scikit-learn's conftest supplies its fixtures (global_random_seed)
         "-p", "sklearn.conftest", "-p", "no:randomly",
         "--rootdir", str(tmp_path), *deselect, "test_mlp_sklearn.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    out = proc.stdout + proc.stderr
    counts = _summary_counts(proc.stdout)
    print(f"scikit-learn {sklearn.__version__}: {counts}")
    assert proc.returncode == 0, out[-6000:]
    assert counts.get("failed", 0) == 0 and counts.get("error", 0) == 0, out[-6000:]
    assert counts.get("errors", 0) == 0, out[-6000:]
    assert counts.get("passed", 0) > 0, out[-6000:]
    assert counts.get("deselected", 0) >= len(deselect) // 2, out[-6000:]
