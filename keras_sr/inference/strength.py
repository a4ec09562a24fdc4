"""How much of a restoration model's change to keep: ``keras-sr restore --strength``.

A restoration model (scale 1) trained for one degradation level removes as much as it learned to:
``rednet10-denoise`` is trained at noise sigma 30 and over-smooths a photo with lighter noise.
:func:`with_strength` blends its output with its input, ``input + strength · (model(input) − input)``:
strength 1 is the model as it is, 0 the input unchanged, 0.5 half of every change. The blend is per
pixel, so tiles, mirrored borders and the self-ensemble give the same image as the whole-image run.
docs/restoration.md gives the strength that measured best per noise level on held-out photos.
"""

from keras_sr.inference.predictor import Predictor


def check_strength(strength, option="--strength"):
    """``strength`` as a float in (0, 1]; ``ValueError`` naming ``option`` otherwise."""
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise ValueError(f"{option} must be a number in (0, 1], got {strength!r}") from None
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{option} must be in (0, 1] (1: the model's full change, 0.5: half of it), got {strength}")
    return value


def with_strength(predict, strength):
    """``predict`` (a scale-1 :class:`~keras_sr.inference.Predictor`) keeping ``strength`` of its change.

    Args:
        predict: a restoration predictor, (h, w, C) float in [0, 1] -> (h, w, C).
        strength: in (0, 1]; 1 returns ``predict`` itself.

    Returns:
        a :class:`~keras_sr.inference.Predictor` named ``"{name} (strength s)"``.
    """
    strength = check_strength(strength)
    if predict.scale != 1:
        raise ValueError(f"--strength applies to restoration models (scale 1); {predict.name} upscales "
                         f"x{predict.scale}")
    if strength == 1.0:
        return predict
    inner = predict.fn

    def run(image):
        return image + strength * (inner(image) - image)

    steered = Predictor(run, f"{predict.name} (strength {strength:g})", 1, predict.channels, predict.multiple,
                        predict.model)
    if predict.for_image is not None:  # chosen per image (a noise-level estimate): steer that one
        steered.for_image = lambda image: with_strength(predict.for_image(image), strength)
    return steered
