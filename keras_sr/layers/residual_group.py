"""A stack of residual blocks closed by a conv and a long skip (EDSR/MDSR body, SRResNet trunk)."""

import keras

from keras_sr.layers.residual_block import ResidualBlock


@keras.saving.register_keras_serializable(package="keras_sr")
class ResidualGroup(keras.layers.Layer):
    """``y = x + conv(blocks(x))`` with ``num_blocks`` :class:`ResidualBlock`s.

    EDSR §3.1 / SPECS §1.1 (body + body-tail conv + global skip; MDSR shares one such
    body across its scales). With ``batch_norm=True`` the closing conv is followed by
    BN, as SRResNet's trunk (SPECS §4.1). Shapes: (B, H, W, filters) -> same.
    """

    def __init__(self, num_blocks, filters, kernel_size=3, res_scale=1.0, activation="relu",
                 batch_norm=False, bn_momentum=0.9, bn_epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_blocks = int(num_blocks)
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.res_scale = float(res_scale)
        self.activation = activation
        self.batch_norm = bool(batch_norm)
        self.bn_momentum = float(bn_momentum)
        self.bn_epsilon = float(bn_epsilon)
        self.blocks = [
            ResidualBlock(self.filters, self.kernel_size, self.res_scale, activation,
                          self.batch_norm, self.bn_momentum, self.bn_epsilon, name=f"block{i}")
            for i in range(self.num_blocks)
        ]
        self.conv = keras.layers.Conv2D(self.filters, self.kernel_size, padding="same", name="conv")
        if self.batch_norm:
            self.bn = keras.layers.BatchNormalization(
                momentum=self.bn_momentum, epsilon=self.bn_epsilon, name="bn")

    def build(self, input_shape):
        for block in self.blocks:
            block.build(input_shape)
        self.conv.build(input_shape)
        if self.batch_norm:
            self.bn.build(input_shape)

    def call(self, inputs, training=None):
        y = inputs
        for block in self.blocks:
            y = block(y, training=training)
        y = self.conv(y)
        if self.batch_norm:
            y = self.bn(y, training=training)
        return inputs + y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "num_blocks": self.num_blocks, "filters": self.filters,
                "kernel_size": self.kernel_size, "res_scale": self.res_scale,
                "activation": self.activation, "batch_norm": self.batch_norm,
                "bn_momentum": self.bn_momentum, "bn_epsilon": self.bn_epsilon}
