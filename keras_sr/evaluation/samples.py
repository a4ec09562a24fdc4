"""Colour photos scikit-image ships (``skimage/data``): present in every install, no download.

Used where keras-sr needs real photos and the user gave none: int8 calibration and export
parity (:mod:`keras_sr.export.images`) and ``keras-sr upscale --sample NAME``. Imports no
TensorFlow, so the CLI can list them cheaply.
"""

import os

SAMPLE_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png",
                 "retina.jpg", "hubble_deep_field.jpg", "color.png")


def sample_names():
    """The photos' names without extension (``"astronaut"``, ``"chelsea"``, …)."""
    return [os.path.splitext(name)[0] for name in SAMPLE_PHOTOS]


def sample_photo_paths():
    """Paths of the photos present in this scikit-image install."""
    from skimage.data import data_dir

    return [os.path.join(data_dir, n) for n in SAMPLE_PHOTOS if os.path.exists(os.path.join(data_dir, n))]


def photo_path(filename):
    """Path of ``filename`` (e.g. ``"astronaut.png"``) in scikit-image's data folder."""
    from skimage.data import data_dir

    path = os.path.join(data_dir, filename)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"scikit-image photo {path} is missing; reinstall scikit-image")
    return path


def sample_path(name):
    """The path of sample photo ``name`` (see :func:`sample_names`)."""
    names = sample_names()
    if name not in names:
        raise ValueError(f"unknown sample photo {name!r}; samples: {', '.join(names)}")
    return photo_path(SAMPLE_PHOTOS[names.index(name)])
