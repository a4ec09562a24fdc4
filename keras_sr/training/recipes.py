"""Training recipes as data: each paper's loss, optimizer, schedule, patches and ranges.

A recipe is a :class:`Recipe` (a frozen dataclass). :func:`get_recipe` takes a recipe
name (``"edsr"``) or a model preset name (``"edsr-baseline"`` -> the ``edsr`` recipe) and
field overrides, and ``config=`` reads overrides from a JSON file (or YAML when PyYAML is
installed, :func:`read_config`). Every field is checked: an unknown key or a bad value raises ``ValueError``
naming it.

Two variants per family (``variant=``): ``"paper"`` (default) is the paper's recipe, kept
exact; ``"fast"`` (:data:`FAST_RECIPES`) is a time-to-quality recipe for short budgets —
linear warm-up then cosine decay at a higher peak learning rate, an exponential moving
average of the weights (``ema_momentum``), smaller patches where the paper's are large, and
for RT4KSR an initialisation near bicubic upsampling (``model_overrides={"init": "bicubic"}``).

Value ranges: every keras-sr model takes LR in [0, 1] and returns [0, 1] (a paper's own
range is folded into the graph), so the data pipeline always feeds [0, 1] and a paper's
loss on another range becomes a constant ``loss_weight``:

* SRResNet computes MSE on HR in [−1, 1] (Ledig et al. §3.2); the model's output is
  ``(y + 1) / 2`` of the paper's ``y``, so the paper's loss is exactly ``4 ×`` MSE on
  [0, 1]: ``loss_weight=4``.
* EDSR's L1 is on [0, 255] in the reference code; on [0, 1] it is the same loss / 255.
  Adam's update is invariant to a constant loss factor (up to ``epsilon``: 1e-8 against
  gradients 255× smaller, still negligible), so the recipe uses L1 on [0, 1] with weight 1.
"""

import dataclasses
import json
from pathlib import Path

LOSSES = ("l1", "mse")
SCHEDULES = ("constant", "step", "multistep", "cosine")
VARIANTS = ("paper", "fast")
CHANNELS = ("rgb", "y")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How to train one model family (every field can be overridden).

    Attributes:
        name: recipe name.
        kind: ``"sr"`` (``model.fit`` on ``(lr, hr)``), ``"multiscale"`` (MDSR: one
            random scale per batch) or ``"gan"`` (SRGAN).
        loss: pixel loss, ``"l1"`` or ``"mse"``, computed on [0, 1] images.
        loss_weight: factor on the pixel loss (the paper's value range, see the module doc).
        high_frequency_weight: weight of RT4KSR's high-frequency L1 (0 = off).
        optimizer: ``"adam"``.
        learning_rate, beta_1, beta_2, epsilon: Adam's settings.
        variant: ``"paper"`` or ``"fast"`` (see the module docstring).
        schedule: ``"constant"``; ``"step"`` (× ``gamma`` every ``decay_steps``);
            ``"multistep"`` (× ``gamma`` at each of ``milestones``, in steps); ``"cosine"``:
            linear warm-up from 0 to ``learning_rate`` over ``warmup_fraction`` of the run, then
            cosine decay to ``final_lr_fraction · learning_rate`` at the run's last step
            (``decay_steps`` = 0: the run's length, resolved by ``train()``).
        decay_steps, milestones, gamma: the schedule's settings.
        warmup_fraction, final_lr_fraction: the cosine schedule's settings.
        ema_momentum: 0 = off; else Adam keeps an exponential moving average of the weights
            (``use_ema``) that validation, the best checkpoint and the final model use.
            ``train()`` caps it at ``1 − 10 / steps`` (the average spans at most a tenth of a
            short run); the value used is in the run's config.json.
        val_split: fraction of the training images (whole images, chosen by the seed) held
            out for validation and the best checkpoint (0 = none; see ``train()``).
        patch_size: LR patch side in pixels (used when ``hr_patch_size`` is ``None``).
        hr_patch_size: HR patch side when the paper gives HR crops (SRResNet 96): the LR
            patch is then ``hr_patch_size // scale``.
        batch_size: patches per batch (global batch under a distribution strategy).
        channels: ``"rgb"`` or ``"y"`` (SRDenseNet, RED-Net, SRCNN).
        steps: the paper's number of updates.
        scales: MDSR's scales (``kind="multiscale"``).
        augment: random flips / 90° rotations.
        on_bad_file: ``"skip_small"`` (default): training images smaller than the HR crop
            are left out with one warning line (96 px crops on T91, whose ``t20.png`` is
            78 px), an unreadable file stops training naming it; ``"raise"``: a small
            image stops training too; ``"skip"``: every bad file is left out (one warning).
        degradation: how the training input is made from each HR patch: ``None`` = MATLAB
            bicubic (SR); a :mod:`keras_sr.data.degradations` chain, e.g. ``"noise:30"`` or
            ``"jpeg:10-40"`` (scale-1 restoration) or ``"bicubic+jpeg:90"`` (SR on
            realistic LR). A restoration preset (``rednet10-denoise``) brings its own.
        model_overrides: builder arguments passed to ``keras_sr.models.build`` (e.g. a
            smaller ``num_blocks``).
        frozen_layers: names of layers of the SR model (MDSR: of the multi-output model)
            that keep the weights they start with (``init_weights``): fine-tuning some
            modules only, e.g. MDSR's ×3/×4 branches on a shared body taken from
            EDSR-baseline ×2 (``("head", "body", "tail")``). An unknown name is an error.
        discriminator: SRGAN's discriminator preset; ``discriminator_overrides`` its arguments.
        content_layer, feature_scale, adversarial_weight, pixel_weight,
        discriminator_learning_rate: SRGAN's loss (SPECS §4.3) and D's learning rate
            (``None``: the generator's).
        phase_offset_weight: SRGAN: weight of SR's mean offset from HR at each LR-grid phase
            (:class:`~keras_sr.training.losses.PhaseOffsetLoss`; the dot grid and colour cast of
            adversarial updates; 0 = the paper's).
        description, reference: where the recipe comes from; what is not verified.
    """

    name: str
    kind: str = "sr"
    loss: str = "l1"
    loss_weight: float = 1.0
    high_frequency_weight: float = 0.0
    optimizer: str = "adam"
    learning_rate: float = 1e-4
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    variant: str = "paper"
    schedule: str = "constant"
    decay_steps: int = 0
    warmup_fraction: float = 0.0
    final_lr_fraction: float = 0.0
    ema_momentum: float = 0.0
    val_split: float = 0.0
    milestones: tuple = ()
    gamma: float = 0.5
    patch_size: int = 48
    hr_patch_size: int = None
    batch_size: int = 16
    channels: str = "rgb"
    steps: int = 1000
    scales: tuple = ()
    augment: bool = True
    on_bad_file: str = "skip_small"
    degradation: str = None
    model_overrides: dict = dataclasses.field(default_factory=dict)
    frozen_layers: tuple = ()
    discriminator: str = None
    discriminator_overrides: dict = dataclasses.field(default_factory=dict)
    content_layer: str = "block5_conv4"
    feature_scale: float = 12.75
    adversarial_weight: float = 1e-3
    pixel_weight: float = 0.0
    phase_offset_weight: float = 0.0
    discriminator_learning_rate: float = None
    description: str = ""
    reference: str = ""

    def __post_init__(self):
        _validate(self)

    def replace(self, **overrides):
        """A copy with ``overrides`` (unknown keys raise ``ValueError`` naming them).

        A ``patch_size`` given without ``hr_patch_size`` clears ``hr_patch_size``: the LR
        patch asked for wins over the paper's HR crop."""
        _check_keys(overrides, f"recipe {self.name!r}")
        if "patch_size" in overrides and "hr_patch_size" not in overrides:
            overrides = {**overrides, "hr_patch_size": None}
        return dataclasses.replace(self, **_coerce(overrides))

    def to_dict(self):
        """Plain JSON-able dict (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(self).items()}

    def lr_patch_size(self, scale):
        """The LR patch side for ``scale``."""
        if self.hr_patch_size is None:
            return self.patch_size
        if self.hr_patch_size // scale < 1:
            raise ValueError(f"recipe {self.name!r}: hr_patch_size {self.hr_patch_size} is smaller than x{scale}")
        return self.hr_patch_size // scale


FIELDS = tuple(f.name for f in dataclasses.fields(Recipe))


def _check_keys(mapping, where):
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                         f"known keys: {', '.join(FIELDS)}")


def _coerce(values):
    """JSON gives lists: the tuple fields take them."""
    out = dict(values)
    for key in ("milestones", "scales", "frozen_layers"):
        if key in out and isinstance(out[key], list):
            out[key] = tuple(out[key])
    return out


def _validate(r):
    def bad(key, why):
        raise ValueError(f"recipe {r.name!r}: `{key}` {why}, got {getattr(r, key)!r}")

    if r.kind not in ("sr", "multiscale", "gan"):
        bad("kind", "must be 'sr', 'multiscale' or 'gan'")
    if r.loss not in LOSSES:
        bad("loss", f"must be one of {LOSSES}")
    if r.optimizer != "adam":
        bad("optimizer", "must be 'adam'")
    if r.schedule not in SCHEDULES:
        bad("schedule", f"must be one of {SCHEDULES}")
    if r.variant not in VARIANTS:
        bad("variant", f"must be one of {VARIANTS}")
    for key in ("warmup_fraction", "final_lr_fraction", "ema_momentum", "val_split"):
        if not isinstance(getattr(r, key), (int, float)) or not 0 <= getattr(r, key) < 1:
            bad(key, "must be a number in [0, 1)")
    if r.ema_momentum and r.kind == "gan":
        bad("ema_momentum", "is not supported with kind='gan' (two optimizers); must be 0")
    if r.channels not in CHANNELS:
        bad("channels", f"must be one of {CHANNELS}")
    if r.on_bad_file not in ("skip_small", "skip", "raise"):
        bad("on_bad_file", "must be 'skip_small', 'skip' or 'raise'")
    for key in ("loss_weight", "high_frequency_weight", "adversarial_weight", "pixel_weight", "phase_offset_weight"):
        if not isinstance(getattr(r, key), (int, float)) or getattr(r, key) < 0:
            bad(key, "must be a number >= 0")
    for key in ("learning_rate", "feature_scale", "epsilon"):
        if not isinstance(getattr(r, key), (int, float)) or getattr(r, key) <= 0:
            bad(key, "must be a number > 0")
    if r.discriminator_learning_rate is not None and not r.discriminator_learning_rate > 0:
        bad("discriminator_learning_rate", "must be > 0 or None")
    if not 0 < r.gamma <= 1:
        bad("gamma", "must be in (0, 1]")
    for key in ("patch_size", "batch_size", "steps"):
        if not isinstance(getattr(r, key), int) or isinstance(getattr(r, key), bool) or getattr(r, key) < 1:
            bad(key, "must be an integer >= 1")
    if r.hr_patch_size is not None and (not isinstance(r.hr_patch_size, int) or r.hr_patch_size < 1):
        bad("hr_patch_size", "must be an integer >= 1 or None")
    if not isinstance(r.decay_steps, int) or r.decay_steps < 0:
        bad("decay_steps", "must be an integer >= 0")
    if r.schedule == "step" and (not isinstance(r.decay_steps, int) or r.decay_steps < 1):
        bad("decay_steps", "must be an integer >= 1 with schedule='step'")
    if not isinstance(r.milestones, tuple) or any(not isinstance(m, int) or m < 1 for m in r.milestones) \
            or list(r.milestones) != sorted(r.milestones):
        bad("milestones", "must be increasing integers >= 1")
    if r.schedule == "multistep" and not r.milestones:
        bad("milestones", "must be given with schedule='multistep'")
    if not isinstance(r.scales, tuple) or any(not isinstance(s, int) or s < 1 for s in r.scales):
        bad("scales", "must be integers >= 1")
    if r.kind == "multiscale" and not r.scales:
        bad("scales", "must be given with kind='multiscale'")
    if not isinstance(r.frozen_layers, tuple) or any(not isinstance(n, str) or not n for n in r.frozen_layers):
        bad("frozen_layers", "must be layer names")
    if r.frozen_layers and r.kind == "gan":
        bad("frozen_layers", "is not supported with kind='gan'; must be empty")
    if r.kind == "gan" and not r.discriminator:
        bad("discriminator", "must name a discriminator preset with kind='gan'")
    if r.degradation is not None:
        from keras_sr.data.degradations import parse_degradation

        try:
            parse_degradation(r.degradation)
        except ValueError as exc:
            raise ValueError(f"recipe {r.name!r}: `degradation`: {exc}") from None
    for key in ("model_overrides", "discriminator_overrides"):
        if not isinstance(getattr(r, key), dict):
            bad(key, "must be a dict")


_EDSR = dict(loss="l1", learning_rate=1e-4, schedule="step", decay_steps=200_000, gamma=0.5,
             patch_size=48, batch_size=16, channels="rgb", steps=1_000_000)

RECIPES = {
    "edsr": dict(
        _EDSR,
        description="L1 on [0,1] RGB, Adam 1e-4 (0.9, 0.999, 1e-8) halved every 2e5 updates, 48 px LR "
                    "patches, batch 16, 1e6 updates (x3/x4 start from the x2 model)",
        reference="Lim et al., CVPRW 2017, §4.2/4.5; SPECS §1.3"),
    "mdsr": dict(
        _EDSR, kind="multiscale", scales=(2, 3, 4),
        description="EDSR's recipe, each batch one random scale of (2, 3, 4); only that scale's modules "
                    "and the shared body are updated",
        reference="Lim et al., CVPRW 2017, §3.3/4.2; SPECS §1.3"),
    "srdensenet": dict(
        loss="mse", learning_rate=1e-4, schedule="multistep", milestones=(80_000,), gamma=0.1,
        hr_patch_size=100, batch_size=32, channels="y", steps=100_000,
        description="MSE on Y, Adam 1e-4 x0.1 after 80 % of training, 100 px HR sub-images (LR 25 at x4), "
                    "batch 32; the schedule and the number of steps are UNVERIFIED (yjn870 port: 60 epochs)",
        reference="Tong et al., ICCV 2017; yjn870/SRDenseNet-pytorch; SPECS §2.2"),
    "rednet": dict(
        loss="mse", learning_rate=1e-4, hr_patch_size=50, batch_size=16, channels="y", steps=100_000,
        description="MSE on Y, Adam 1e-4, batch 16, 50 px HR patches; UNVERIFIED (port, paper body not read); "
                    "at scale 1 (denoising / deblocking) the input is the degraded 50 px patch",
        reference="Mao et al., NIPS 2016; yjn870 port; SPECS §3.2"),
    # RED-Net for short runs (a CPU, minutes): 10x the paper's learning rate, cut 10x for the
    # last quarter; what keras-sr's shipped restoration weights use (their .train.json).
    "rednet-fast": dict(
        loss="mse", learning_rate=1e-3, schedule="multistep", milestones=(1500,), gamma=0.1,
        hr_patch_size=50, batch_size=16, channels="y", steps=2000,
        description="rednet's recipe for short runs: Adam 1e-3 (10x the paper's) x0.1 after 1500 of 2000 "
                    "updates; a keras-sr choice, not the paper's",
        reference="keras-sr; base recipe Mao et al., NIPS 2016, SPECS §3.2"),
    "srresnet": dict(
        loss="mse", loss_weight=4.0, learning_rate=1e-4, hr_patch_size=96, batch_size=16, channels="rgb",
        steps=1_000_000,
        description="MSE with HR in [-1,1] (= 4 x MSE on the model's [0,1] output), Adam 1e-4 beta1 0.9, "
                    "16 random 96 px HR crops, 1e6 updates",
        reference="Ledig et al., CVPR 2017, §3.2; SPECS §4.3-4.4"),
    "srgan": dict(
        kind="gan", loss="mse", loss_weight=4.0, learning_rate=1e-4, schedule="multistep",
        milestones=(100_000,), gamma=0.1, hr_patch_size=96, batch_size=16, channels="rgb", steps=200_000,
        discriminator="srgan-discriminator", content_layer="block5_conv4", feature_scale=12.75,
        adversarial_weight=1e-3, pixel_weight=0.0,
        description="generator from a trained SRResNet; VGG19 block5_conv4 content loss (features / 12.75) "
                    "+ 1e-3 x BCE adversarial loss; D and G alternate each batch; Adam 1e-4 for 1e5 "
                    "updates then 1e-5 for 1e5",
        reference="Ledig et al., CVPR 2017, §2.2/3.2; SPECS §4.3-4.4"),
    "rt4ksr": dict(
        loss="l1", high_frequency_weight=1.0, learning_rate=5e-4, schedule="multistep",
        milestones=(48_480, 96_960, 145_440, 193_920), gamma=0.5, hr_patch_size=256, batch_size=16,
        channels="rgb", steps=242_400,
        description="L1 + high-frequency L1 (HR - blur(HR) vs SR - blur(SR), Gaussian 5x5 sigma 1, weight "
                    "configurable; weight 1 UNVERIFIED), Adam 5e-4 halved at epochs 20/40/60/80 of 100 "
                    "(2,424 iterations each, from the checkpoints); 256 px HR crops and batch 16 UNVERIFIED",
        reference="Zamfir et al., CVPRW 2023; released checkpoints; SPECS §5.5"),
    "srcnn": dict(
        loss="mse", learning_rate=1e-4, hr_patch_size=33, batch_size=128, channels="y", steps=100_000,
        description="MSE on Y, 33 px HR sub-images; Adam 1e-4 instead of the paper's SGD (UNVERIFIED)",
        reference="Dong et al., ECCV 2014; SPECS §6.1"),
}

# decay_steps 0: the cosine spans the run (train() resolves it); the paper's step/milestones go
_FAST = dict(variant="fast", schedule="cosine", decay_steps=0, milestones=(), warmup_fraction=0.02,
             final_lr_fraction=0.01, ema_momentum=0.999)

# recipe name -> the fields that its "fast" variant changes (everything else is the paper's)
FAST_RECIPES = {
    "edsr": dict(_FAST, learning_rate=1e-3, patch_size=32, batch_size=16,
                 description="time-to-quality: Adam peaking at 1e-3 (10x the paper's; the 15-minute benchmark "
                             "measured +3.5 dB at 1e-3) after a 2 % linear warm-up, cosine decay to 1 %, EMA "
                             "0.999 of the weights, 32 px LR patches"),
    "mdsr": dict(_FAST, learning_rate=1e-3, patch_size=32, batch_size=16,
                 description="time-to-quality: EDSR's fast recipe, one random scale per batch"),
    "srdensenet": dict(_FAST, learning_rate=5e-4,
                       description="time-to-quality: Adam peaking at 5e-4 after a 2 % warm-up, cosine decay, "
                                   "EMA 0.999"),
    "rednet": dict(_FAST, learning_rate=5e-4,
                   description="time-to-quality: Adam peaking at 5e-4 after a 2 % warm-up, cosine decay, "
                               "EMA 0.999"),
    "srresnet": dict(_FAST, learning_rate=5e-4,
                     description="time-to-quality: Adam peaking at 5e-4 after a 2 % warm-up, cosine decay, "
                                 "EMA 0.999, the paper's 96 px HR crops"),
    "srgan": dict(variant="fast", schedule="cosine", decay_steps=0, milestones=(), warmup_fraction=0.02,
                  final_lr_fraction=0.1,
                  description="time-to-quality: the paper's 1e-4 after a 2 % warm-up, cosine decay to 1e-5 "
                              "over the run instead of 1e-4 then 1e-5 (no EMA: two optimizers)"),
    "rt4ksr": dict(_FAST, learning_rate=1e-3, hr_patch_size=128, model_overrides={"init": "bicubic"},
                   description="time-to-quality: starts near bicubic upsampling (init='bicubic', same "
                               "architecture and parameters), Adam peaking at 1e-3 after a 2 % warm-up, "
                               "cosine decay, EMA 0.999, 128 px HR crops"),
    "srcnn": dict(_FAST, learning_rate=1e-3,
                  description="time-to-quality: Adam peaking at 1e-3 after a 2 % warm-up, cosine decay, "
                              "EMA 0.999"),
}

# model architecture (registry "arch") -> recipe name
ARCH_RECIPES = {"edsr": "edsr", "mdsr": "mdsr", "srdensenet": "srdensenet", "rednet": "rednet",
                "srresnet": "srresnet", "rt4ksr": "rt4ksr", "srcnn": "srcnn"}


def list_recipes():
    """Recipe names, sorted."""
    return sorted(RECIPES)


def recipe_name_for(name):
    """The recipe of ``name``: a recipe name, or a model preset name (``"edsr-baseline"``)."""
    if name in RECIPES:
        return name
    from keras_sr import models

    try:
        arch = models.get_preset(name)["arch"]
    except ValueError:
        raise ValueError(f"no recipe for {name!r}: not a recipe ({', '.join(list_recipes())}) "
                         f"nor a model of the zoo") from None
    if arch not in ARCH_RECIPES:
        raise ValueError(f"model {name!r} has no training recipe (nothing to train, or not an SR model); "
                         f"recipes: {', '.join(list_recipes())}")
    return ARCH_RECIPES[arch]


def get_recipe(name, config=None, variant="paper", **overrides):
    """The :class:`Recipe` for ``name`` with overrides.

    Args:
        name: a recipe name (``"edsr"``, ``"srgan"``, …) or a model preset name
            (``"edsr-baseline"``, ``"rt4ksr"``, …).
        variant: ``"paper"`` (the paper's recipe) or ``"fast"`` (:data:`FAST_RECIPES`).
        config: optional overrides: a dict, or the path of a JSON (``.json``) or YAML
            (``.yaml``/``.yml``, needs PyYAML) file holding one mapping.
        **overrides: field overrides applied after ``config`` (``None`` values are ignored,
            so CLI options that were not given leave the recipe alone).

    Raises:
        ValueError: unknown recipe or key, or a bad value (naming it).
    """
    key = recipe_name_for(name)
    if variant not in VARIANTS:
        raise ValueError(f"recipe variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    if variant == "fast" and key not in FAST_RECIPES:
        raise ValueError(f"recipe {key!r} has no fast variant; fast variants: {', '.join(sorted(FAST_RECIPES))}")
    fields = {**RECIPES[key], **(FAST_RECIPES[key] if variant == "fast" else {})}
    if variant == "fast":
        fields["reference"] = f"{RECIPES[key]['reference']}; fast variant: keras-sr (not a paper's)"
    recipe = Recipe(name=key, **_coerce(fields))
    if config is not None:
        values = config if isinstance(config, dict) else read_config(config)
        _check_keys(values, f"config {config if not isinstance(config, dict) else '(dict)'}")
        recipe = recipe.replace(**values)
    given = {k: v for k, v in overrides.items() if v is not None}
    return recipe.replace(**given) if given else recipe


def read_config(path):
    """A mapping from a JSON or YAML file (YAML only when PyYAML is importable)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {path} does not exist")
    text = path.read_text()
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ValueError(f"config file {path}: YAML needs PyYAML (pip install pyyaml); "
                             "or write the config as JSON") from None
        try:
            values = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"config file {path} is not valid YAML: {exc}") from None
    else:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"config file {path} is not valid JSON: {exc}") from None
    if not isinstance(values, dict):
        raise ValueError(f"config file {path} must hold one mapping of recipe keys, got {type(values).__name__}")
    return values


def learning_rate_schedule(recipe, learning_rate=None):
    """The recipe's learning rate as a float or a Keras schedule (per optimizer step).

    ``step``: ``lr · gamma^floor(step / decay_steps)``; ``multistep``: ``lr · gamma^i``
    after the i-th milestone (PyTorch ``MultiStepLR`` counted in steps); ``cosine``: 0 -> lr
    linearly over ``round(warmup_fraction · T)`` steps, then cosine to
    ``final_lr_fraction · lr`` at step ``T`` (``T`` = ``decay_steps``, or the recipe's
    ``steps`` when 0; ``train()`` sets ``decay_steps`` to the run's length).
    """
    import keras

    lr = float(recipe.learning_rate if learning_rate is None else learning_rate)
    if recipe.schedule == "cosine":
        total = recipe.decay_steps or recipe.steps
        warmup = int(round(recipe.warmup_fraction * total))
        return keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else lr, max(1, total - warmup), alpha=recipe.final_lr_fraction,
            warmup_target=lr if warmup else None, warmup_steps=warmup)
    if recipe.schedule == "step":
        return keras.optimizers.schedules.ExponentialDecay(lr, recipe.decay_steps, recipe.gamma, staircase=True)
    if recipe.schedule == "multistep":
        values = [lr * recipe.gamma ** i for i in range(len(recipe.milestones) + 1)]
        return keras.optimizers.schedules.PiecewiseConstantDecay(list(recipe.milestones), values)
    return lr


def make_optimizer(recipe, learning_rate=None):
    """A fresh Adam with the recipe's betas, epsilon, learning-rate schedule and (when
    ``ema_momentum`` > 0) moving average of the weights."""
    import keras

    ema = dict(use_ema=True, ema_momentum=float(recipe.ema_momentum)) if recipe.ema_momentum else {}
    return keras.optimizers.Adam(learning_rate_schedule(recipe, learning_rate), beta_1=recipe.beta_1,
                                 beta_2=recipe.beta_2, epsilon=recipe.epsilon, **ema)


def resolve_for_run(recipe, total_steps):
    """The recipe a run of ``total_steps`` updates uses: a cosine schedule with
    ``decay_steps`` 0 decays over the run, and ``ema_momentum`` is capped at
    ``1 − 10 / total_steps`` (an average over more than a tenth of a short run would keep
    the early, poor weights). Idempotent; the result is what config.json records."""
    changes = {}
    if recipe.schedule == "cosine" and not recipe.decay_steps:
        changes["decay_steps"] = int(total_steps)
    if recipe.ema_momentum:
        cap = max(0.0, 1.0 - 10.0 / int(total_steps))
        if recipe.ema_momentum > cap:
            changes["ema_momentum"] = cap
    return recipe.replace(**changes) if changes else recipe
