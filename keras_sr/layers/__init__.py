"""Shared, serializable building blocks of the keras-sr model zoo (``keras.ops`` only)."""

from keras_sr.layers.activations import activation_layer
from keras_sr.layers.bicubic import BicubicUpsample
from keras_sr.layers.dense_block import DenseBlock
from keras_sr.layers.fake_quant import FakeQuant, QuantChannelLayerNorm, QuantConv2D
from keras_sr.layers.high_frequency import GaussianHighPass, HighFrequencyGate
from keras_sr.layers.layer_norm import CenteredChannelNorm, ChannelLayerNorm
from keras_sr.layers.mean_shift import DIV2K_RGB_MEAN, MeanShift
from keras_sr.layers.pixel_shuffle import PixelShuffle, PixelUnshuffle
from keras_sr.layers.reparam_block import ReparamBlock
from keras_sr.layers.residual_block import ResidualBlock
from keras_sr.layers.residual_group import ResidualGroup
from keras_sr.layers.upsample import PixelShuffleUpsampler, TransposedConvUpsampler

__all__ = [
    "activation_layer", "BicubicUpsample", "CenteredChannelNorm", "ChannelLayerNorm", "DenseBlock", "FakeQuant", "QuantChannelLayerNorm", "QuantConv2D", "DIV2K_RGB_MEAN", "GaussianHighPass", "HighFrequencyGate",
    "MeanShift", "PixelShuffle", "PixelUnshuffle", "ReparamBlock", "ResidualBlock", "ResidualGroup",
    "PixelShuffleUpsampler", "TransposedConvUpsampler",
]
