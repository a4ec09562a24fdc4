"""Multiply-accumulate (MAC) count of a Keras model for one input of a given size.

Every ``Conv2D``, ``Conv2DTranspose``, ``DepthwiseConv2D`` and ``Dense`` call is counted,
including those inside composite layers (``ResidualGroup``, upsamplers, ...) at any depth
and layers called more than once: the model is traced once symbolically on
``(1, H, W, C)`` (no arithmetic) while those layer classes record the shapes they are
called with.
Biases, activations, additions and pixel shuffles are not MACs and are not counted.
"""

import contextlib
import math

import keras
from keras.src import backend  # compute_output_spec: symbolic tracing on every backend


def _conv_macs(layer, in_shape, out_shape):
    kh, kw = layer.kernel_size
    groups = getattr(layer, "groups", 1) or 1
    return math.prod(out_shape[1:]) * kh * kw * in_shape[-1] // groups


def _conv_transpose_macs(layer, in_shape, out_shape):
    # Each input pixel scatters a kh x kw x C_out patch: H_in·W_in·C_in·kh·kw·C_out.
    kh, kw = layer.kernel_size
    return math.prod(in_shape[1:]) * kh * kw * out_shape[-1]


def _depthwise_macs(layer, in_shape, out_shape):
    kh, kw = layer.kernel_size
    return math.prod(out_shape[1:]) * kh * kw


def _dense_macs(layer, in_shape, out_shape):
    return math.prod(out_shape[1:]) * in_shape[-1]


_COUNTERS = (  # most specific class first (Conv2DTranspose / DepthwiseConv2D are not Conv2D)
    (keras.layers.Conv2DTranspose, _conv_transpose_macs),
    (keras.layers.DepthwiseConv2D, _depthwise_macs),
    (keras.layers.Conv2D, _conv_macs),
    (keras.layers.Dense, _dense_macs),
)


@contextlib.contextmanager
def _recording(records):
    patched = []
    for cls, counter in _COUNTERS:
        original = cls.__dict__.get("__call__")
        base_call = cls.__call__

        def call(self, *args, __base=base_call, __cls=cls, __counter=counter, **kwargs):
            out = __base(self, *args, **kwargs)
            in_shape = tuple(args[0].shape) if args else tuple(kwargs["inputs"].shape)
            records.append((self.name, type(self).__name__,
                            int(__counter(self, in_shape, tuple(out.shape)))))
            return out

        cls.__call__ = call
        patched.append((cls, original))
    try:
        yield
    finally:
        for cls, original in patched:
            if original is None:
                del cls.__call__
            else:
                cls.__call__ = original


def macs_by_layer(model, input_shape):
    """``[(layer name, class name, MACs)]`` for one ``input_shape = (H, W, C)`` image (batch 1)."""
    h, w, c = input_shape
    records = []
    with _recording(records):
        # Trace ``call`` itself (a functional model's symbolic __call__ would only propagate
        # shapes); the backend traces in a scratch graph, computing nothing.
        backend.compute_output_spec(model.call, keras.KerasTensor((1, h, w, c)))
    return records


def count_macs(model, input_shape):
    """Total multiply-accumulates of ``model`` on one ``(H, W, C)`` input (batch 1)."""
    return sum(n for _, _, n in macs_by_layer(model, input_shape))
