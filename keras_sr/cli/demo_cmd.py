"""``keras-sr demo``: the short EDSR-baseline training run (see :mod:`keras_sr.evaluation.demo`)."""


def add_parser(sub, parents):
    p = sub.add_parser("demo", parents=parents,
                       help="train EDSR-baseline x2 briefly on bundled photos and upscale one",
                       description="Train EDSR-baseline for a few minutes on photos that "
                                   "scikit-image ships, upscale a held-out photo and print "
                                   "PSNR/SSIM (Y) against MATLAB bicubic.")
    p.add_argument("--out", default="outputs/demo", help="folder for the images (default: outputs/demo)")
    p.add_argument("--steps", type=int, default=800, help="training steps (default: 800)")
    p.add_argument("--scale", type=int, default=2, choices=(2, 3, 4))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jit-compile", action="store_true", help="compile the train step with XLA")


def check(args):
    """Before TensorFlow loads: the step count, and that --out can be written (not after training)."""
    from keras_sr.inference.files import check_creatable

    if args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    check_creatable(args.out, "--out")


def run(args):
    check(args)
    from keras_sr.evaluation.demo import run_demo

    result = run_demo(args.out, steps=args.steps, scale=args.scale, seed=args.seed,
                      jit_compile=args.jit_compile)
    print(f"\nEDSR-baseline x{args.scale} after {result['steps']} steps "
          f"({result['train_seconds']:.0f} s of training), held-out photo, Y channel, shave {args.scale}:")
    print(f"  EDSR-baseline  PSNR {result['psnr_sr']:.2f} dB  SSIM {result['ssim_sr']:.4f}")
    print(f"  bicubic        PSNR {result['psnr_bicubic']:.2f} dB  SSIM {result['ssim_bicubic']:.4f}")
    gain = result["psnr_sr"] - result["psnr_bicubic"]
    print(f"  difference     {gain:+.2f} dB (a short CPU run; the paper trains 10^6 steps)")
    for key, path in result["files"].items():
        print(f"  wrote {key:<10} {path}")
