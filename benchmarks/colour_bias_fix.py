"""Remove a model's mean colour offset by correcting the bias of its last convolution.

    PYTHONPATH=. python benchmarks/colour_bias_fix.py --model rt4ksr --scale 2 \
        --images runs/split/train --count 16 --out /tmp/rt4ksr_x2_fixed.weights.h5
    PYTHONPATH=. python benchmarks/colour_bias_fix.py --model srgan --scale 4 --layer tail \
        --weights runs/srgan/checkpoints/final.keras --images runs/split/train --out /tmp/srgan_fixed.weights.h5

A fix of the weights, not of the cause: the offset ``mean(SR - HR)`` per RGB channel is
measured on training photos (never the held-out split nor Set5), and subtracted from the bias
of every output channel of the last convolution that lands in that colour after the pixel
shuffle (found by probing, so the shuffle's channel order needs no assumption). Exact for a
model whose output is not clipped after that convolution (RT4KSR). Prints the offsets before
and after on the same photos; check the held-out split with benchmarks/colour_offset.py.
"""
import argparse
import json
import sys

import numpy as np


def colour_of_bias(model, conv_name, with_gain=False):
    """``colour[j]``: the output channel that bias ``j`` of ``conv_name`` moves (and, with ``with_gain``,
    ``gain[j]``: how far a unit step of that bias moves it, e.g. 0.5 through SRResNet's ``(y + 1) / 2``)."""
    conv = model.get_layer(conv_name)
    kernel, bias = conv.get_weights()
    probe = np.zeros((1, 2, 2, model.inputs[0].shape[-1]), np.float32)
    base = np.asarray(model(probe))
    colours, gains = [], []
    for j in range(bias.size):
        moved = bias.copy()
        moved[j] += 1.0
        conv.set_weights([kernel, moved])
        change = np.abs(np.asarray(model(probe)) - base).reshape(-1, base.shape[-1])
        colours.append(int(np.argmax(change.sum(axis=0))))
        gains.append(float(change[:, colours[-1]].max()))
    conv.set_weights([kernel, bias])
    return (np.array(colours), np.array(gains)) if with_gain else np.array(colours)


def correct_bias(model, conv_name, offset_levels):
    """Subtract ``offset_levels`` (R, G, B grey levels) from the output via ``conv_name``'s bias."""
    colours, gains = colour_of_bias(model, conv_name, with_gain=True)
    conv = model.get_layer(conv_name)
    kernel, bias = conv.get_weights()
    conv.set_weights([kernel, bias - np.asarray(offset_levels, np.float32)[colours] / 255.0 / gains])
    return model


def float_offsets(model, images, scale):
    """Mean ``SR - HR`` per channel in levels (SR rounded to uint8, as evaluated)."""
    from keras_sr.evaluation.colour import colour_offsets

    from keras_sr.evaluation.colour import model_predictor

    return colour_offsets(model_predictor(model), images, scale).mean(axis=0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="rt4ksr")
    p.add_argument("--scale", type=int, default=2)
    p.add_argument("--layer", default="upsample_conv", help="the last convolution (SRResNet/SRGAN: tail)")
    p.add_argument("--weights", default="default", help="the model's weights: 'default' (shipped), a .weights.h5 "
                   "or a .keras file (e.g. a run's checkpoints/final.keras)")
    p.add_argument("--images", required=True, help="training photos (HR)")
    p.add_argument("--count", type=int, default=16)
    p.add_argument("--out", required=True, help="corrected .weights.h5")
    args = p.parse_args(argv)
    import keras_sr
    from keras_sr import models
    from keras_sr.data import list_image_files, read_image

    files = sorted(list_image_files(args.images))[:args.count]
    images = [np.asarray(read_image(f))[..., :3] for f in files]
    model = keras_sr.from_preset(args.model, scale=args.scale, weights=args.weights)
    before = float_offsets(model, images, args.scale)
    correct_bias(model, args.layer, before)
    after = float_offsets(model, images, args.scale)
    model.save_weights(args.out)
    print(json.dumps({"model": args.model, "scale": args.scale, "images": len(images),
                      "offset_before": np.round(before, 3).tolist(),
                      "offset_after": np.round(after, 3).tolist(), "out": args.out}))


if __name__ == "__main__":
    sys.exit(main())
