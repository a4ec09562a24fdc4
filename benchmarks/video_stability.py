"""Temporal stability of RT4KSR x2 (shipped weights) against bicubic on generated clips with
ground truth (keras_sr.video.stability; docs/video.md).

    nice -n 10 env PYTHONPATH=. python benchmarks/video_stability.py

HR clips: 16 frames of 192x256 from scikit-image photos (astronaut, coffee, chelsea), static and
panning (3 px a frame right, 1 px down). LR: each HR frame MATLAB-bicubic downscaled x2 (clean), and
the same LR clip through H.264 4:2:0 CRF 23 (codec noise that changes frame to frame). Y channel,
2 px shaved, 0-255 levels. Writes benchmarks/video_stability_results.json and prints a Markdown table.
"""

import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PHOTOS = ("astronaut", "coffee", "chelsea")
MOTIONS = {"static": (0, 0), "pan": (1, 3)}


def main():
    import numpy as np
    from skimage import data

    from keras_sr.utils.machine import cpu_flags
    from keras_sr.video.clips import pan_frames
    from keras_sr.video.runtimes import load_frame_model
    from keras_sr.video.stability import evaluate_clip

    fm = load_frame_model("rt4ksr", scale=2)
    rows = []
    for lr_crf in (None, 23):
        for motion, step in MOTIONS.items():
            results = []
            for name in PHOTOS:
                photo = getattr(data, name)()
                hr = pan_frames(photo, (192, 256), 16, step)
                results.append(evaluate_clip(fm, hr, lr_crf=lr_crf))
            mean = {k: float(np.mean([r[k] for r in results])) for k in results[0] if k != "frames"}
            rows.append({"lr": "clean" if lr_crf is None else f"H.264 CRF {lr_crf}", "motion": motion, **mean})
    out = {"model": "rt4ksr x2 (shipped weights)", "runtime": fm.runtime, "photos": PHOTOS, "frames": 16,
           "size": "192x256 HR", "date": time.strftime("%Y-%m-%d", time.gmtime()), "cpu_flags": cpu_flags(),
           "rows": rows}
    with open(os.path.join(os.path.dirname(__file__), "video_stability_results.json"), "w") as f:
        json.dump(out, f, indent=2)
    print("| LR clip | motion | change HR | change SR (RT4KSR) | flicker RT4KSR | flicker bicubic | PSNR RT4KSR | PSNR bicubic |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['lr']} | {r['motion']} | {r['change_hr']:.2f} | {r['change_sr']:.2f} | {r['flicker']:.2f} | "
              f"{r['bicubic_flicker']:.2f} | {r['psnr']:.2f} | {r['bicubic_psnr']:.2f} |")


if __name__ == "__main__":
    main()
