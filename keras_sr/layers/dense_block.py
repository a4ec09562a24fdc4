"""SRDenseNet's dense block (Tong et al. 2017, §3; SPECS §2.1)."""

import keras
from keras import ops

from keras_sr.layers.activations import activation_layer


@keras.saving.register_keras_serializable(package="keras_sr")
class DenseBlock(keras.layers.Layer):
    """``num_layers`` conv-act layers, each fed the concatenation of all earlier ones.

    f1 = act(conv(x)); f_k = act(conv([f1, …, f_{k-1}])); output = [f1, …, f_n].
    The block input feeds only the first layer and is not part of the output; the
    model decides how blocks are connected (SRDenseNet_All concatenates every
    block's output with its input). Shapes: (B, H, W, C) -> (B, H, W, n · growth_rate).
    """

    def __init__(self, num_layers=8, growth_rate=16, kernel_size=3, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.num_layers = int(num_layers)
        self.growth_rate = int(growth_rate)
        self.kernel_size = int(kernel_size)
        self.activation = activation
        self.convs = [keras.layers.Conv2D(self.growth_rate, self.kernel_size, padding="same",
                                          name=f"conv{i}") for i in range(self.num_layers)]
        self.acts = [activation_layer(activation, name=f"act{i}") for i in range(self.num_layers)]

    def build(self, input_shape):
        spatial = tuple(input_shape[:-1])
        for i, (conv, act) in enumerate(zip(self.convs, self.acts)):
            conv.build(input_shape if i == 0 else spatial + (i * self.growth_rate,))
            if act is not None:
                act.build(spatial + (self.growth_rate,))

    def call(self, inputs):
        features = []
        x = inputs
        for conv, act in zip(self.convs, self.acts):
            f = conv(x)
            if act is not None:
                f = act(f)
            features.append(f)
            x = features[0] if len(features) == 1 else ops.concatenate(features, axis=-1)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.num_layers * self.growth_rate,)

    def get_config(self):
        return {**super().get_config(), "num_layers": self.num_layers,
                "growth_rate": self.growth_rate, "kernel_size": self.kernel_size,
                "activation": self.activation}
