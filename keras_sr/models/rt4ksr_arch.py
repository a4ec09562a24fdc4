"""RT4KSR's architecture read back from a built model's layers (:func:`architecture_of`), for the
builder (:mod:`keras_sr.models.rt4ksr`), its initialisation (:mod:`~keras_sr.models.rt4ksr_init`)
and its lean export form (:mod:`~keras_sr.models.rt4ksr_lean`), which it imports none of."""

from keras_sr.layers import ReparamBlock

_SPATIAL = 2  # the body runs at half resolution: PixelUnshuffle(2) in, PixelShuffle(2·scale) out


def architecture_of(model):
    """The :func:`~keras_sr.models.rt4ksr.rt4ksr` arguments of a model it built (read from the layers, so it works on
    a model loaded from ``.keras``): dict with scale, num_feats, num_blocks, high_frequency,
    deploy, blur_kernel_size, blur_sigma, channels."""
    try:
        head = model.get_layer("head")
        upsample = model.get_layer("upsample_shuffle")
        body0 = model.get_layer("body0_conv")
    except ValueError as err:
        raise ValueError(f"model {model.name!r} is not an RT4KSR model built by keras_sr "
                         f"(missing layer: {err})") from None
    names = {layer.name for layer in model.layers}
    num_blocks = 0
    while f"body{num_blocks}_conv" in names:
        num_blocks += 1
    hf_mode, blur = None, {}
    if "hf_gate" in names:
        hf_mode = model.get_layer("hf_gate").mode
        if hf_mode == "gated":
            high_pass = model.get_layer("high_pass")
            blur = {"blur_kernel_size": high_pass.kernel_size, "blur_sigma": high_pass.sigma}
    return {"scale": upsample.block_size // _SPATIAL, "num_feats": head.filters,
            "num_blocks": num_blocks, "high_frequency": hf_mode,
            "deploy": not isinstance(body0, ReparamBlock), "channels": model.input_shape[-1],
            **blur}
