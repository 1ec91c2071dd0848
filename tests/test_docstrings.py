"""The Examples sections of the docstrings, run as doctests against the
installed package (so a non-editable install is tested as it is)."""

import doctest
import importlib
import pkgutil

import pytest

import skreg

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(skreg.__path__, "skreg.")
    if info.name != "skreg.__main__"
) + ["skreg"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name == "skreg.plotting":  # its examples draw: the `plot` extra
        pytest.importorskip("matplotlib")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=True)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_the_public_classes_have_examples():
    finder = doctest.DocTestFinder()
    for cls in (skreg.MLPClassifier, skreg.MLPRegressor, skreg.MLPClassifierCV,
                skreg.MLPRegressorCV):
        examples = sum(len(t.examples) for t in finder.find(cls, cls.__name__))
        assert examples >= 3, cls
