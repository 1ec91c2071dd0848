"""Helpers for the skreg documentation build (imported by ``conf.py``).

They live in an importable module so that Sphinx can pickle the
configuration that refers to them by name.
"""

#: Reading order of the gallery: the techniques in the order the user guide
#: introduces them. Examples not listed follow, in alphabetical order.
GALLERY_ORDER = [
    "plot_weight_decay.py",
    "plot_l1_vs_l2.py",
    "plot_initialization.py",
    "plot_lr_schedules.py",
    "plot_solvers.py",
    "plot_early_stopping.py",
    "plot_grid_search.py",
    "plot_batchnorm_dropout.py",
    "plot_averaging_warmup_clipping.py",
]


class GalleryOrder:
    """Sort key of sphinx-gallery's ``within_subsection_order``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        try:
            return (GALLERY_ORDER.index(filename), filename)
        except ValueError:
            return (len(GALLERY_ORDER), filename)

    def __repr__(self):
        return "GalleryOrder"
