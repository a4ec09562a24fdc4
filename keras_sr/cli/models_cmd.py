"""``keras-sr models``: the registered presets with their scales and parameter counts."""


def add_parser(sub, parents):
    p = sub.add_parser("models", parents=parents, help="list the model presets with parameter counts",
                       description="List the model presets, the scales each supports and the "
                                   "trainable parameter count of each build.")
    p.add_argument("names", nargs="*", metavar="NAME", help="only these presets (default: all)")


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


def run(args):
    from keras_sr import models

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
