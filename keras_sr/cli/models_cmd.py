"""``keras-sr models``: the registered presets with their scales and parameter counts."""


def add_parser(sub, parents):
    p = sub.add_parser("models", parents=parents, help="list the model presets with parameter counts",
                       description="List the model presets, the scales each supports and the "
                                   "trainable parameter count of each build.")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these presets (default: all)")
    p.add_argument("--shipped", action="store_true",
                   help="list the weights keras-sr ships (weights='default') with their Set5 figures")


def count_params(name):
    """``[(label, trainable parameters)]`` for each build of preset ``name``."""
    import numpy as np

    from keras_sr import models

    builds = [(f"x{s}", s) for s in models.supported_scales(name)]
    if models.is_multi_scale(name) or not builds:  # MDSR's all-scales model; a discriminator
        builds.insert(0, ("all" if builds else "-", None))
    counts = []
    for label, scale in builds:
        model = models.build(name, scale=scale)
        counts.append((label, int(sum(np.prod(w.shape) for w in model.trainable_weights))))
    return counts


def print_shipped():
    from keras_sr import weights

    if not weights.shipped():
        print("keras-sr ships no weights in this version")
        return
    print("shipped weights (Set5, Y, shave = scale; model card beside each file):")
    for name, scale in weights.shipped():
        e = weights.entry(name, scale)
        s5 = e["set5"]
        if "degradation" in e:  # a scale-1 restoration model: its input is made by a degradation
            base = f"{e['degradation']} input {s5['input_psnr']:.2f} dB" + (
                f", BM3D {s5['bm3d_psnr']:.2f} dB" if "bm3d_psnr" in s5 else "") + "; shave 0"
        else:
            base = f"bicubic {s5['bicubic_psnr']:.2f} dB"
        print(f"  {name} x{scale}: {s5['psnr']:.2f} dB / {s5['ssim']:.4f} ({base}), "
              f"{e['steps']:,} steps; card {weights.WEIGHTS_DIR / e['card']}")


def run(args):
    from keras_sr import models

    if args.shipped:
        return print_shipped()

    names = args.names or models.list()
    for name in names:
        models.get_preset(name)  # unknown names fail before any model is built
    rows = []
    for name in names:
        preset = models.get_preset(name)
        counts = ", ".join(f"{label} {n:,}" for label, n in count_params(name))
        rows.append((name, counts, preset["description"]))
    width = max(len(r[0]) for r in rows)
    cwidth = max(len(r[1]) for r in rows)
    print(f"{'model':<{width}}  {'trainable parameters':<{cwidth}}  description")
    for name, counts, description in rows:
        print(f"{name:<{width}}  {counts:<{cwidth}}  {description}")
