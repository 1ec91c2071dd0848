"""Sphinx configuration of the skreg documentation.

Build (warnings are errors)::

    pip install -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Environment variables:

``SKREG_DOCS_NO_GALLERY=1``
    Do not run the gallery examples (their pages are still written, without
    figures). Quick builds while editing the text.
``SKREG_DOCS_MATHJAX_PATH``
    Use this MathJax script instead of the CDN default, e.g. a local
    ``file:///.../tex-chtml.js`` to view the pages offline.
"""

import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Build against the working tree even when skreg is not installed.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "sphinxext"))

import skreg  # noqa: E402

# -- Project -----------------------------------------------------------------
project = "skreg"
author = "The skreg developers"
copyright = "The skreg developers"  # noqa: A001
release = skreg.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
root_doc = "index"
default_role = "literal"
language = "en"

# Cross-project links need the network: keep intersphinx off. References to
# scikit-learn objects then render as plain code, without a warning.

# -- autodoc / autosummary / numpydoc ------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# scikit-learn attaches ``set_{method}_request`` helpers to every estimator
# subclass and ``get_metadata_routing`` to every estimator; they are
# metadata-routing plumbing documented in scikit-learn's user guide, not here.
_SKIP_MEMBER = re.compile(r"^(set_\w+_request|get_metadata_routing)$")


def _skip_member(app, what, name, obj, skip, options):
    if _SKIP_MEMBER.match(name):
        return True
    return None


# Methods inherited from scikit-learn (``score``, ``get_params``...) carry
# ``:ref:`` links into scikit-learn's user guide, which do not exist here
# without intersphinx: keep their text, drop the link.
_SKLEARN_REF = re.compile(r":ref:`([^`<]+?)\s*<[^`>]+>`")
# (a bare ``:ref:`label``` keeps the label as plain text)
_SKLEARN_BARE_REF = re.compile(r":ref:`([^`<>]+)`")


def _unlink_sklearn_refs(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "") and obj.__module__.startswith("sklearn"):
        lines[:] = [_SKLEARN_BARE_REF.sub(r"``\1``", _SKLEARN_REF.sub(r"\1", line))
                    for line in lines]


# -- matplotlib's plot directive (small figures inside the user guide) ---------
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"savefig.bbox": "tight"}

# -- sphinx-gallery ------------------------------------------------------------
_no_gallery = os.environ.get("SKREG_DOCS_NO_GALLERY", "").strip().lower() not in (
    "", "0", "false", "no",
)

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": not _no_gallery,
    "download_all_examples": False,
    "doc_module": ("skreg",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"skreg": None},
    "within_subsection_order": "skreg_docs.GalleryOrder",
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skreg {release}"
html_static_path = []
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_prev_next": True,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "navigation_with_keys": False,
}
# Pages without sub-pages get no (empty) left sidebar.
html_sidebars = {
    name: []
    for name in (
        "index", "install", "user_guide", "coming_from_sklearn",
        "performance", "scaling", "reliability",
    )
}

_mathjax = os.environ.get("SKREG_DOCS_MATHJAX_PATH")
if _mathjax:
    mathjax_path = _mathjax


# -- placeholders for pages written elsewhere ----------------------------------
# performance, scaling and reliability are written by other contributors. A
# fresh checkout without one of them must still build, so a one-line page is
# written (never over an existing file). Placeholders are not committed.
_PLACEHOLDER_PAGES = {
    "performance": "Performance",
    "scaling": "Scaling out",
    "reliability": "Reliability",
}


def _write_placeholders(app):
    for name, title in _PLACEHOLDER_PAGES.items():
        path = HERE / f"{name}.rst"
        if not path.exists():
            path.write_text(
                f"{title}\n{'=' * len(title)}\n\nThis page is not written yet.\n",
                encoding="utf-8",
            )


def setup(app):
    app.connect("builder-inited", _write_placeholders, priority=100)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-docstring", _unlink_sklearn_refs, priority=400)
