"""keras-sr: single-image super-resolution models for Keras 3.

    import keras_sr
    model = keras_sr.models.build("edsr-baseline", scale=2)   # LR [0, 1] -> SR [0, 1]
"""

__version__ = "0.1.0"

from keras_sr import layers, models  # noqa: E402,F401
