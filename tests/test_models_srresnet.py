"""SRResNet (SPECS §4.1) and the SRGAN discriminator (SPECS §4.2)."""

import numpy as np
import pytest

from keras_sr import models


def trainable_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


@pytest.mark.parametrize("scale", [2, 4])
def test_srresnet_parameter_counts(scale):
    # SPECS §4.1: 1,549,462 at x4 with biases on every conv and one PReLU slope each
    # (nn.PReLU()); the default per-channel PReLU adds 63 slopes for each of its
    # 16 + 1 + log2(scale) PReLUs.
    single = trainable_count(models.build("srresnet", scale=scale, activation="prelu_scalar"))
    x2_saving = 9 * 64 * 256 + 256 + 1  # one sub-pixel conv + its PReLU fewer at x2
    assert single == (1_549_462 if scale == 4 else 1_549_462 - x2_saving)
    per_channel = trainable_count(models.build("srresnet", scale=scale))
    assert per_channel - single == 63 * (17 + {2: 1, 4: 2}[scale])


def test_srresnet_blocks_use_bn_and_prelu():
    model = models.build("srresnet", scale=4, num_blocks=2, filters=8)
    body = model.get_layer("body")
    assert body.batch_norm and body.bn.momentum == 0.9 and body.bn.epsilon == 1e-5
    block = body.blocks[0]
    assert block.bn1.epsilon == 1e-5 and block.act.shared_axes == [1, 2]
    assert model.get_layer("head").kernel_size == (9, 9)
    assert model.get_layer("tail").kernel_size == (9, 9)
    assert model.get_layer("upsample").activation == "prelu"
    scalar = models.build("srresnet", scale=4, num_blocks=1, filters=8, activation="prelu_scalar")
    assert tuple(scalar.get_layer("head_act").alpha.shape) == (1, 1, 1)


def test_srresnet_output_range_folds_the_signed_range():
    # Paper: the net regresses HR in [-1, 1]; the fixed 0.5·y + 0.5 returns [0, 1].
    model = models.build("srresnet", scale=2, num_blocks=1, filters=8)
    tail = model.get_layer("tail")
    tail.kernel.assign(np.zeros(tail.kernel.shape, "float32"))
    tail.bias.assign(np.array([-1.0, 0.0, 1.0], "float32"))
    y = np.asarray(model(np.random.default_rng(0).random((1, 5, 6, 3), dtype="float32")))
    np.testing.assert_allclose(y[0, 3, 4], [0.0, 0.5, 1.0], atol=1e-6)


@pytest.mark.parametrize("scale", [2, 4])
@pytest.mark.parametrize("size", [(12, 16), (17, 9)])
def test_srresnet_output_shapes(scale, size):
    model = models.build("srresnet", scale=scale, num_blocks=1, filters=8)
    y = model(np.random.default_rng(0).random((1, *size, 3), dtype="float32"))
    assert y.shape == (1, size[0] * scale, size[1] * scale, 3)


def test_discriminator_parameter_count_and_shape():
    model = models.build("srgan-discriminator")
    assert model.name == "srgan_discriminator"
    assert trainable_count(model) == 23_563_649  # SPECS §4.2, 96x96 input
    assert model.input_shape == (None, 96, 96, 3) and model.output_shape == (None, 1)
    strides = [model.get_layer(f"conv{i}").strides[0] for i in range(8)]
    widths = [model.get_layer(f"conv{i}").filters for i in range(8)]
    assert strides == [1, 2, 1, 2, 1, 2, 1, 2]
    assert widths == [64, 64, 128, 128, 256, 256, 512, 512]
    assert model.get_layer("act0").negative_slope == pytest.approx(0.2)


def test_discriminator_input_size_option():
    model = models.build("srgan-discriminator", input_size=40, filters=4)
    assert model.get_layer("flatten").output.shape[-1] == 32 * 3 * 3  # 40 -> 20 -> 10 -> 5 -> 3
    y = model(np.random.default_rng(0).random((2, 40, 40, 3), dtype="float32"))
    assert y.shape == (2, 1)


def test_srresnet_prelu_alphas_are_per_channel_in_tflite():
    # The TFLite GPU delegate's PRELU takes a per-channel ((1, 1, C) -> linear) or an
    # H·W·C alpha; a (1, 1, 1) alpha (nn.PReLU()-style "prelu_scalar") fails to parse there.
    from ai_edge_litert.interpreter import Interpreter
    from tflite_utils import to_tflite

    model = models.build("srresnet", scale=2, num_blocks=1, filters=8)
    interpreter = Interpreter(model_content=to_tflite(model, (1, 6, 6, 3)))
    tensors = {t["index"]: t for t in interpreter.get_tensor_details()}
    alphas = [tuple(int(d) for d in tensors[op["inputs"][1]]["shape"])
              for op in interpreter._get_ops_details() if op["op_name"] == "PRELU"]
    assert alphas == [(1, 1, 8)] * 3  # head, one residual block, one ×2 sub-pixel step
