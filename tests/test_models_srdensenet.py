"""SRDenseNet H / HL / All (SPECS §2.1): exact parameter counts, wiring, shapes."""

import numpy as np
import pytest

from keras_sr import models


def trainable_count(model):
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))


def conv_params(k, cin, cout):
    return k * k * cin * cout + cout


def srdensenet_params(variant, channels=1, blocks=8, layers=8, growth=16, bottleneck=256):
    """Count from the §2.1 layer table (all convs with bias)."""
    width = layers * growth  # low-level maps = each block's new maps = 128
    total = conv_params(3, channels, width)
    for i in range(blocks):
        block_in = width * (i + 1) if variant == "all" else width
        total += conv_params(3, block_in, growth)
        total += sum(conv_params(3, growth * j, growth) for j in range(1, layers))
    bottleneck_in = {"h": width, "hl": 2 * width, "all": width * (blocks + 1)}[variant]
    total += conv_params(1, bottleneck_in, bottleneck)
    total += 2 * conv_params(3, bottleneck, bottleneck)  # two stride-2 deconvs
    return total + conv_params(3, bottleneck, channels)


def test_srdensenet_all_matches_the_reference_count():
    model = models.build("srdensenet-all")
    assert model.name == "srdensenet_all_x4"
    assert trainable_count(model) == 2_659_585  # SPECS §2.1 (yjn870 code), Y channel


@pytest.mark.parametrize("variant", ["h", "hl", "all"])
@pytest.mark.parametrize("channels", [1, 3])
def test_srdensenet_variant_counts(variant, channels):
    model = models.build(f"srdensenet-{variant}", channels=channels)
    assert trainable_count(model) == srdensenet_params(variant, channels)


def test_srdensenet_wiring():
    tiny = dict(num_blocks=3, num_layers=2, growth_rate=4, bottleneck_filters=8)
    width = 2 * 4
    in_widths = {}
    for variant in ("h", "hl", "all"):
        model = models.build(f"srdensenet-{variant}", **tiny)
        in_widths[variant] = ([model.get_layer(f"dense_block{i}").convs[0].kernel.shape[2]
                               for i in range(3)], model.get_layer("bottleneck").kernel.shape[2])
    assert in_widths["all"] == ([width, 2 * width, 3 * width], 4 * width)
    assert in_widths["h"] == ([width] * 3, width)
    assert in_widths["hl"] == ([width] * 3, 2 * width)


@pytest.mark.parametrize("variant", ["h", "hl", "all"])
@pytest.mark.parametrize("size", [(12, 16), (17, 9)])
def test_srdensenet_output_shapes(variant, size):
    model = models.build(f"srdensenet-{variant}", num_blocks=2, num_layers=2, growth_rate=4,
                         bottleneck_filters=8)
    assert models.supported_scales(f"srdensenet-{variant}") == (4,)
    y = model(np.random.default_rng(0).random((1, *size, 1), dtype="float32"))
    assert y.shape == (1, size[0] * 4, size[1] * 4, 1)


def test_srdensenet_bad_variant_and_scale():
    with pytest.raises(ValueError, match="variant must be one of"):
        models.build("srdensenet-all", variant="hla")
    with pytest.raises(ValueError, match="does not support scale 3"):
        models.build("srdensenet-all", scale=3)
