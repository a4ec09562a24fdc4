"""The conv-act-conv residual block of EDSR/MDSR (and, with batch norm, SRResNet)."""

import keras

from keras_sr.layers.activations import activation_layer


@keras.saving.register_keras_serializable(package="keras_sr")
class ResidualBlock(keras.layers.Layer):
    """``y = x + res_scale · conv(act(conv(x)))``, no activation after the sum.

    EDSR §3.1 / SPECS §1.1 (``res_scale`` 0.1 for the 256-filter EDSR, 1 otherwise);
    MDSR's pre-processing blocks use ``kernel_size=5``. With ``batch_norm=True`` it is
    SRResNet's block (SPECS §4.1): conv-BN-act-conv-BN, BN momentum 0.9 / eps 1e-5 as
    PyTorch's defaults. Shapes: (B, H, W, filters) -> same.
    """

    def __init__(self, filters, kernel_size=3, res_scale=1.0, activation="relu",
                 batch_norm=False, bn_momentum=0.9, bn_epsilon=1e-5, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.res_scale = float(res_scale)
        self.activation = activation
        self.batch_norm = bool(batch_norm)
        self.bn_momentum = float(bn_momentum)
        self.bn_epsilon = float(bn_epsilon)
        self.use_bias = bool(use_bias)
        conv = dict(kernel_size=self.kernel_size, padding="same", use_bias=self.use_bias)
        self.conv1 = keras.layers.Conv2D(self.filters, name="conv1", **conv)
        self.conv2 = keras.layers.Conv2D(self.filters, name="conv2", **conv)
        self.act = activation_layer(activation, name="act")
        if self.batch_norm:
            bn = dict(momentum=self.bn_momentum, epsilon=self.bn_epsilon)
            self.bn1 = keras.layers.BatchNormalization(name="bn1", **bn)
            self.bn2 = keras.layers.BatchNormalization(name="bn2", **bn)

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.filters:
            raise ValueError(
                f"{self.name}: input has {input_shape[-1]} channels, block has {self.filters} filters")
        feat_shape = tuple(input_shape[:-1]) + (self.filters,)
        self.conv1.build(input_shape)
        self.conv2.build(feat_shape)
        if self.act is not None:
            self.act.build(feat_shape)
        if self.batch_norm:
            self.bn1.build(feat_shape)
            self.bn2.build(feat_shape)

    def call(self, inputs, training=None):
        y = self.conv1(inputs)
        if self.batch_norm:
            y = self.bn1(y, training=training)
        if self.act is not None:
            y = self.act(y)
        y = self.conv2(y)
        if self.batch_norm:
            y = self.bn2(y, training=training)
        if self.res_scale != 1.0:
            y = y * self.res_scale
        return inputs + y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "res_scale": self.res_scale, "activation": self.activation,
                "batch_norm": self.batch_norm, "bn_momentum": self.bn_momentum,
                "bn_epsilon": self.bn_epsilon, "use_bias": self.use_bias}
