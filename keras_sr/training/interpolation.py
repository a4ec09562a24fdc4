"""Network interpolation (Wang et al., ESRGAN, ECCV Workshops 2018, §3.4): between a PSNR-oriented model
and a GAN-trained one of the same architecture, ``θ = (1 − α) · θ_PSNR + α · θ_GAN``.

One ``α`` trades texture (and a GAN's artefacts) for PSNR without retraining; the shipped SRGAN ×4 is
0.3 SRResNet + 0.7 of its GAN run (its card). Every weight is interpolated, BatchNorm's moving mean and
variance too (the GAN was fine-tuned from the PSNR model, so they are close).
"""


def interpolate_weights(psnr_model, gan_model, alpha):
    """Set ``gan_model``'s weights to ``(1 − alpha) · psnr_model's + alpha · its own``; returns it.

    Args:
        psnr_model, gan_model: ``keras.Model`` s of one architecture (same weight shapes, same order).
        alpha: in [0, 1]; 0 gives the PSNR model, 1 leaves the GAN model as it is.
    """
    if not 0.0 <= float(alpha) <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    a, b = psnr_model.get_weights(), gan_model.get_weights()
    if [w.shape for w in a] != [w.shape for w in b]:
        raise ValueError(f"{psnr_model.name} and {gan_model.name} do not have the same weights (architecture)")
    gan_model.set_weights([(1.0 - alpha) * x + alpha * y for x, y in zip(a, b)])
    return gan_model
