"""The side-by-side frame of docs/video.md: a real clip through ``keras-sr upscale`` (the video
path, H.264 4:2:0 in and out), one frame shown as LR (pixels doubled) | MATLAB bicubic x2 | RT4KSR x2
(shipped weights), on the crop where bicubic and RT4KSR differ most; also prints the mean RGB of
input and output frames (a colour shift from the YUV conversions would show there).

    nice -n 10 env PYTHONPATH=. python benchmarks/video_side_by_side.py

LR clip: 24 frames of 320x240 panning across scikit-image's coffee photo (H.264 CRF 18 4:2:0,
BT.601 limited, tagged), written to a temp folder. Output: docs/images/video_side_by_side.png.
"""

import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

OUT = os.path.join(os.path.dirname(__file__), "..", "docs", "images", "video_side_by_side.png")


def main():
    import numpy as np
    from skimage import data

    from keras_sr.data import matlab_imresize
    from keras_sr.evaluation.visualize import detail_crop, write_comparison
    from keras_sr.video import upscale_video
    from keras_sr.video.clips import pan_frames, write_clip
    from keras_sr.video.stability import read_clip

    photo = data.coffee()  # 400x600
    with tempfile.TemporaryDirectory() as folder:
        src, dst = os.path.join(folder, "lr.mp4"), os.path.join(folder, "sr.mp4")
        write_clip(src, pan_frames(photo[::1, ::1], (240, 320), 24, (2, 4)), fps=24, pix_fmt="yuv420p", crf=18)
        upscale_video(src, dst, progress=False)
        lr, sr = read_clip(src), read_clip(dst)
    k = 12
    print(f"frames {len(lr)} -> {len(sr)}; mean RGB LR frame {lr[k].reshape(-1, 3).mean(0).round(2)}, "
          f"SR frame {sr[k].reshape(-1, 3).mean(0).round(2)}")
    bicubic = np.clip(np.floor(matlab_imresize(lr[k] / 255.0, 2.0) * 255 + 0.5), 0, 255).astype(np.uint8)
    top, left, h, w = detail_crop(sr[k], bicubic, 160)
    near = lr[k].repeat(2, 0).repeat(2, 1)
    tiles = [a[top:top + h, left:left + w].repeat(2, 0).repeat(2, 1) for a in (near, bicubic, sr[k])]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    write_comparison(OUT, tiles, ["LR frame (pixels x2)", "bicubic x2", "RT4KSR x2 (keras-sr upscale clip)"])
    print(f"wrote {os.path.normpath(OUT)} (frame {k}, crop {w}x{h} at {left},{top} of the x2 frame)")


if __name__ == "__main__":
    main()
