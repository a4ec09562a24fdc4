"""SRGAN against SRResNet on Set5 x4: PSNR, texture ratio per image, comparison crops.

    PYTHONPATH=. python benchmarks/srgan_texture.py [--set5 ../shared/data/Set5/HR]
        [--out keras_sr/weights/srgan_x4_crops.png] [--json benchmarks/srgan_texture_results.json]

Uses the shipped weights (``keras_sr.from_preset("srresnet"|"srgan", scale=4)``).
The texture measure needs no download: :func:`keras_sr.data.texture_ratio`, the variance
of the Laplacian of Y of the output over that of the HR image (1 = as much fine detail as
HR; MSE-trained networks stay well below). Writes the per-image table as JSON and a small
PNG of crops (bicubic | SRResNet | SRGAN | HR) for SRGAN's model card; prints a Markdown table.
"""

import argparse
import datetime
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SET5 = ROOT.parent / "shared" / "data" / "Set5" / "HR"
SCALE = 4
# (image stem, top, left) of the 64 px HR crops in the picture: textured regions
CROPS = (("baby", 150, 250), ("butterfly", 100, 60), ("woman", 60, 120))
CROP = 64


def outputs(hr, predictors):
    """{name: uint8 RGB x4 output} for one HR image (modcropped), bicubic included."""
    import numpy as np

    from keras_sr.data import matlab_imresize

    lr = matlab_imresize(hr, 1.0 / SCALE)
    out = {"bicubic": matlab_imresize(lr, float(SCALE))}
    for name, predict in predictors.items():
        sr = predict(lr.astype("float32") / 255.0)
        out[name] = np.clip(np.floor(sr * 255 + 0.5), 0, 255).astype("uint8")
    return out


def measure(set5, predictors):
    """Per image: PSNR-Y and texture ratio of bicubic and each predictor."""
    from keras_sr.data import list_image_files, modcrop, psnr_y, read_image, texture_ratio

    rows = []
    for path in list_image_files(set5):
        hr = modcrop(read_image(path), SCALE)
        row = {"image": Path(path).stem}
        for name, img in outputs(hr, predictors).items():
            row[name] = {"psnr": round(psnr_y(img, hr, scale=SCALE), 3),
                         "texture_ratio": round(texture_ratio(img, hr, scale=SCALE), 4)}
        rows.append(row)
    return rows


def crops_picture(set5, predictors, path):
    """A PNG of 64 px crops (rows: images; columns: bicubic | SRResNet | SRGAN | HR), 2x nearest."""
    import numpy as np
    from PIL import Image, ImageDraw

    from keras_sr.data import modcrop, read_image

    zoom, pad, head = 2, 4, 14
    columns = ["bicubic", *predictors, "HR"]
    cell = CROP * zoom
    canvas = Image.new("RGB", (len(columns) * (cell + pad) + pad, head + len(CROPS) * (cell + pad)), "white")
    draw = ImageDraw.Draw(canvas)
    for c, name in enumerate(columns):
        draw.text((pad + c * (cell + pad) + 2, 1), "SRResNet" if name == "srresnet" else
                  "SRGAN" if name == "srgan" else name, fill="black")
    for r, (stem, top, left) in enumerate(CROPS):
        hr = modcrop(read_image(Path(set5) / f"{stem}.png"), SCALE)
        images = {**outputs(hr, predictors), "HR": hr}
        for c, name in enumerate(columns):
            crop = Image.fromarray(np.ascontiguousarray(images[name][top:top + CROP, left:left + CROP]))
            canvas.paste(crop.resize((cell, cell), Image.NEAREST), (pad + c * (cell + pad), head + r * (cell + pad)))
    from keras_sr.utils import atomic

    import io

    buf = io.BytesIO()
    canvas.save(buf, format="PNG", optimize=True)
    atomic.write_bytes(path, buf.getvalue(), overwrite=True)
    return len(buf.getvalue())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--set5", default=str(SET5))
    p.add_argument("--out", default=str(ROOT / "keras_sr" / "weights" / "srgan_x4_crops.png"))
    p.add_argument("--json", default=str(ROOT / "benchmarks" / "srgan_texture_results.json"))
    args = p.parse_args(argv)

    import numpy as np

    from keras_sr.inference import load_predictor
    from keras_sr.utils import atomic

    predictors = {name: load_predictor(name, scale=SCALE, weights="default") for name in ("srresnet", "srgan")}
    rows = measure(args.set5, predictors)
    size = crops_picture(args.set5, predictors, args.out)
    names = ["bicubic", *predictors]
    mean = {n: {k: round(float(np.mean([r[n][k] for r in rows])), 4) for k in ("psnr", "texture_ratio")}
            for n in names}
    result = {"date": datetime.date.today().isoformat(), "set5": os.path.relpath(args.set5, ROOT),
              "scale": SCALE, "images": rows, "mean": mean}
    atomic.write_text(args.json, json.dumps(result, indent=1) + "\n", overwrite=True)
    print("| image | " + " | ".join(f"{n} PSNR / texture" for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for r in rows + [{"image": "mean", **mean}]:
        print(f"| {r['image']} | " + " | ".join(f"{r[n]['psnr']:.2f} dB / {r[n]['texture_ratio']:.3f}"
                                                for n in names) + " |")
    print(f"wrote {args.out} ({size:,} bytes) and {args.json}")


if __name__ == "__main__":
    main()
