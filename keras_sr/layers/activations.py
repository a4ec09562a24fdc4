"""One place that turns an activation spec (a string from a preset) into a layer."""

import keras


def activation_layer(spec, name=None):
    """Return a fresh activation layer for ``spec``, or ``None`` for no activation.

    * ``"prelu"``: PyTorch-style PReLU — one slope per channel (``shared_axes=[1, 2]``),
      initialised to 0.25 like ``nn.PReLU`` (SPECS §0.3). Keras' default would learn a
      slope per pixel and start at 0.
    * ``"prelu_scalar"``: one slope for the whole tensor, init 0.25 — exactly ``nn.PReLU()``
      with its default ``num_parameters=1`` (SRResNet reference code, SPECS §4.1).
    * ``"leaky_relu"``: slope 0.2 (SRGAN, ESRGAN); Keras' default is 0.3.
    * ``"gelu"``: Keras' default is the exact erf form, as ``nn.GELU()``.
    * anything else: ``keras.layers.Activation(spec)`` (e.g. ``"relu"``).
    """
    if spec is None or spec == "linear":
        return None
    if spec == "prelu":
        return keras.layers.PReLU(
            alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)
    if spec == "prelu_scalar":
        return keras.layers.PReLU(
            alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2, 3], name=name)
    if spec == "leaky_relu":
        return keras.layers.LeakyReLU(negative_slope=0.2, name=name)
    return keras.layers.Activation(spec, name=name)

