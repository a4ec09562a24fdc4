"""Video upscaling (keras_sr.video, ``keras-sr upscale clip.mp4``) on clips PyAV makes here: a
moving pattern (48x32, 12 frames at 12 fps, keyframe every 4) with a 440 Hz AAC track, lossless
H.264 4:4:4 (``--crf 0 --pix-fmt yuv444p``) where frames are compared."""

import os
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

av = pytest.importorskip("av")

from keras_sr.cli import main  # noqa: E402
from keras_sr.video import probe, upscale_video  # noqa: E402
from keras_sr.video.clips import moving_pattern, write_clip  # noqa: E402
from keras_sr.video.colour import ColourInfo, from_rgb, to_rgb  # noqa: E402
from keras_sr.video.frames import upscale_frames  # noqa: E402

LOSSLESS = dict(crf=0, pix_fmt="yuv444p", progress=False)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    return str(write_clip(path, moving_pattern(32, 48, 12), fps=12, gop=4))


def decoded(path):
    """(frames as RGB, their pts, audio packets as bytes, video stream facts)."""
    with av.open(path) as c:
        v = c.streams.video[0]
        facts = dict(rate=v.average_rate, time_base=v.time_base, size=(v.codec_context.width, v.codec_context.height),
                     duration=float(c.duration / 1e6))
        frames = [(f.pts, to_rgb(f, ColourInfo.of_frame(f))) for f in c.decode(v)]
    with av.open(path) as c:
        audio = [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size] if c.streams.audio else []
    return [f for _, f in frames], [p for p, _ in frames], audio, facts


def through_yuv444(rgb, colour):
    """What lossless yuv444p keeps of an RGB frame: the same conversions, no codec."""
    return to_rgb(from_rgb(rgb, "yuv444p", colour), colour)


def test_clip_keeps_size_timing_and_sound(clip, tmp_path):
    out = str(tmp_path / "out.mp4")
    result = upscale_video(clip, out, model="bicubic", scale=2, **LOSSLESS)
    src, dst = decoded(clip), decoded(out)
    assert result["frames"] == len(src[0]) == len(dst[0]) == 12
    assert dst[3]["size"] == (96, 64)
    assert dst[3]["rate"] == src[3]["rate"] == 12 and dst[3]["time_base"] == src[3]["time_base"]
    assert dst[1] == src[1]  # every frame at its own timestamp
    assert abs(dst[3]["duration"] - src[3]["duration"]) <= 1 / 12
    assert src[2] and dst[2] == src[2]  # audio packets bit-identical
    info = probe(out)
    assert info.colour.tagged_space == 1 and info.colour.range == 1  # BT.709 limited, as the input
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp-")]


@pytest.mark.parametrize("batch", [1, 5])
def test_each_frame_equals_the_frame_upscaled_as_an_image_keras(clip, tmp_path, batch):
    import keras_sr
    from keras_sr.video.runtimes import load_frame_model

    fm = load_frame_model("rt4ksr", scale=2)
    out = str(tmp_path / "out.mp4")
    upscale_video(clip, out, frame_model=fm, batch=batch, **LOSSLESS)
    colour = probe(clip).colour
    frames = decoded(clip)[0]
    got = decoded(out)[0]
    assert len(got) == len(frames)
    for lr, sr in zip(frames, got):
        want = through_yuv444(keras_sr.upscale(fm.predictor, lr), colour)
        np.testing.assert_array_equal(sr, want)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A tiny RT4KSR x2 exported to .tflite and .onnx."""
    sys.path.insert(0, os.path.dirname(__file__))
    from export_helpers import build_tiny

    from keras_sr.export import onnx_export, tflite

    folder = tmp_path_factory.mktemp("exported")
    model, _ = build_tiny("rt4ksr", 2)
    (folder / "tiny.tflite").write_bytes(tflite.convert(model, "fp32"))
    (folder / "tiny.onnx").write_bytes(onnx_export.convert(model))
    return folder


@pytest.mark.parametrize("suffix,runtime", [(".tflite", "LiteRT"), (".onnx", "ONNX Runtime")])
def test_exported_runtimes_upscale_each_frame_as_an_image(clip, tmp_path, exported, suffix, runtime):
    import keras_sr
    from keras_sr.video.runtimes import load_frame_model

    fm = load_frame_model(str(exported / ("tiny" + suffix)), scale=2)
    assert fm.runtime == runtime and fm.scale == 2
    colour = probe(clip).colour
    frames = decoded(clip)[0]
    singles = [keras_sr.upscale(fm.predictor, lr) for lr in frames]
    for batch in (1, 4):
        out = str(tmp_path / f"out{batch}.mp4")
        upscale_video(clip, out, frame_model=fm, batch=batch, **LOSSLESS)
        got = decoded(out)
        assert got[2] == decoded(clip)[2]
        # The pipeline adds nothing: each decoded frame is exactly its batch's upscale (the frames
        # batched as the reader batches them, from the first), through lossless 4:4:4.
        batched = np.concatenate([upscale_frames(fm, np.stack(frames[i:i + batch]))
                                  for i in range(0, len(frames), batch)])
        for sr, want in zip(got[0], batched):
            np.testing.assert_array_equal(sr, through_yuv444(want, colour))
        # A batch of one is the image path exactly; a runtime's batched float sums may round 1
        # level apart on a few pixels (compared before the YUV round trip, which can turn 1 into 3).
        diff = np.abs(batched.astype(int) - np.stack(singles))
        assert diff.max() <= (0 if batch == 1 else 1) and (diff > 0).mean() < 0.01


def test_shards_merged_equal_the_whole_run_and_a_rerun_skips(clip, tmp_path):
    from keras_sr.video.shards import merge_shards, plan_segments, segment_path, upscale_segment

    whole = str(tmp_path / "whole.mp4")
    upscale_video(clip, whole, model="bicubic", scale=2, **LOSSLESS)
    windows = plan_segments(clip, 3)
    assert [w.start for w in windows] == [None, Fraction(1, 3), Fraction(2, 3)]  # keyframes at 0, 4, 8
    merged = str(tmp_path / "merged.mp4")
    counts = [upscale_segment(clip, merged, (i, 3), model="bicubic", scale=2, **LOSSLESS)["frames"]
              for i in range(3)]
    assert counts == [4, 4, 4]
    assert "skipped" in upscale_segment(clip, merged, (1, 3), model="bicubic", scale=2, **LOSSLESS)
    os.unlink(segment_path(merged, 2, 3))
    with pytest.raises(ValueError, match="shard"):
        merge_shards(clip, merged, 3)
    upscale_segment(clip, merged, (2, 3), model="bicubic", scale=2, **LOSSLESS)
    merge_shards(clip, merged, 3)
    a, b = decoded(whole), decoded(merged)
    assert b[1] == a[1] and b[2] == a[2]
    assert all(np.array_equal(x, y) for x, y in zip(a[0], b[0])) and len(a[0]) == len(b[0])
    assert sorted(os.listdir(tmp_path)) == ["merged.mp4", "whole.mp4"]


def test_frames_preview_starts_at_zero(clip, tmp_path):
    from keras_sr.video.window import frames_window, parse_frames

    out = str(tmp_path / "p.mp4")
    upscale_video(clip, out, model="bicubic", scale=2, window=frames_window(parse_frames("3:8"), probe(clip)),
                  **LOSSLESS)
    frames, pts, _, facts = decoded(out)
    assert len(frames) == 5
    ref = decoded(clip)[0]
    assert np.abs(frames[0].astype(int)[::2, ::2] - ref[3]).mean() < np.abs(frames[0].astype(int)[::2, ::2] - ref[4]).mean()
    assert pts[0] * facts["time_base"] < Fraction(1, 12)


def _zero_frame_clip(path):
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=12)
        v.width, v.height, v.pix_fmt = 48, 32, "yuv420p"
        out.start_encoding()  # the header with an empty video track
    return path


BAD = {"not-a-video": "not a video", "zero-frames": "no video", "truncated": "not a video",
       "truncated-faststart": "truncated", "odd-yuv420": "odd", "same-path": "overwrite", "missing": "not found"}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_clip_is_one_line_exit_2_and_leaves_nothing(clip, tmp_path, capsys, case):
    folder = tmp_path / "work"
    folder.mkdir()
    src, extra = folder / "in.mp4", []
    if case == "not-a-video":
        src.write_text("hello, not a clip")
    elif case == "zero-frames":
        _zero_frame_clip(src)
    elif case == "truncated":  # the index (moov) at the end is cut off
        data = open(clip, "rb").read()
        src.write_bytes(data[: len(data) // 2])
    elif case == "truncated-faststart":  # the index first: the container lists frames that are gone
        write_clip(tmp_path / "fast.mp4", moving_pattern(32, 48, 12), fps=12, container_options={"movflags": "faststart"})
        data = (tmp_path / "fast.mp4").read_bytes()
        src.write_bytes(data[: int(len(data) * 0.6)])
    elif case in ("odd-yuv420", "same-path"):
        src.write_bytes(open(clip, "rb").read())
        if case == "odd-yuv420":  # 48x32 x3 bicubic is fine; 33 rows (odd) x3 = 99 is not 4:2:0
            write_clip(src, moving_pattern(33, 48, 3), fps=12)
            extra = ["--scale", "3"]
    elif case == "missing":
        src = folder / "nope.mp4"
    before = sorted(os.listdir(folder))
    dst = src if case == "same-path" else folder / "out.mp4"
    rc = main(["upscale", str(src), "-o", str(dst), "--model", "bicubic", *(extra or ["--scale", "2"])])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and err.startswith("keras-sr: error:")
    assert str(src.name) in err and BAD[case] in err
    assert sorted(os.listdir(folder)) == before


def test_odd_lr_frames_are_padded_for_a_model_that_needs_even_sizes(tmp_path):
    src = str(write_clip(tmp_path / "odd.mp4", moving_pattern(33, 47, 3), fps=12, audio=False))
    from keras_sr.video.runtimes import load_frame_model

    fm = load_frame_model("rt4ksr", scale=2)
    assert fm.predictor.multiple == 2
    out = str(tmp_path / "out.mp4")
    upscale_video(src, out, frame_model=fm, **LOSSLESS)
    assert decoded(out)[3]["size"] == (94, 66)


def test_cli_journey_default_model_in_a_fresh_process(clip, tmp_path):
    out = tmp_path / "clip_x2.mp4"
    run = subprocess.run([sys.executable, "-m", "keras_sr.cli", "upscale", clip, "-o", str(out), "--frames", "0:4"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "rt4ksr x2" in run.stdout and "4 frames" in run.stdout
    frames, _, audio, facts = decoded(str(out))
    assert len(frames) == 4 and facts["size"] == (96, 64) and audio


def test_rotation_is_kept(tmp_path):
    src = str(write_clip(tmp_path / "rot.mp4", moving_pattern(32, 48, 3), fps=12, audio=False, rotation=90))
    assert probe(src).rotation == 90
    out = str(tmp_path / "out.mp4")
    upscale_video(src, out, model="bicubic", scale=2, progress=False)
    assert probe(out).rotation == 90 and probe(out).width == 96  # pixels as stored, turned by the player


def test_flicker_measure_sees_frame_to_frame_noise():
    from keras_sr.video.clips import pan_frames
    from keras_sr.video.stability import temporal_stability

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (40, 80, 3)).astype(np.uint8)
    for step in ((0, 0), (0, 2)):
        hr = pan_frames(photo, (32, 48), 6, step)
        same = temporal_stability(hr, hr, 2)
        assert same["flicker"] == 0 and same["change_sr"] == same["change_hr"]
        noisy = np.clip(hr.astype(int) + rng.integers(-3, 4, hr.shape), 0, 255).astype(np.uint8)
        shaky = temporal_stability(noisy, hr, 2)
        assert shaky["flicker"] > 1.0
    assert same["change_hr"] > 10  # the pan moves
    steady = np.repeat(noisy[:1], 6, axis=0)  # the same noise in every frame: wrong, but no flicker
    assert temporal_stability(steady, np.repeat(hr[:1], 6, axis=0), 2)["flicker"] == 0


def test_eval_video_reports_psnr_and_flicker(tmp_path, capsys):
    import json

    from keras_sr.video.clips import pan_frames

    photo = moving_pattern(64, 96, 1)[0]
    hr = str(write_clip(tmp_path / "pan.mp4", pan_frames(photo, (32, 48), 6, (1, 3)), fps=12, audio=False))
    rc = main(["eval", "--model", "bicubic", "--scale", "2", "--video", hr, "--json", str(tmp_path / "s.json")])
    out = capsys.readouterr().out
    assert rc == 0 and "flicker" in out and "pan.mp4" in out
    row = json.loads((tmp_path / "s.json").read_text())["clips"][0]
    assert row["frames"] == 6 and row["change_hr"] > 0 and row["psnr"] > 15
    assert row["flicker"] == pytest.approx(row["bicubic_flicker"], rel=1e-3)  # bicubic against itself (float32 vs 64)
    assert main(["eval", "--model", "bicubic", "--scale", "2"]) == 2  # neither --data nor --video


def test_ctrl_c_stops_the_threads_and_leaves_nothing(clip, tmp_path):
    import _thread
    import threading
    import time

    from keras_sr.video.runtimes import FrameModel, load_frame_model

    fm = load_frame_model("bicubic", scale=2)
    calls = []

    def run_batch(x):  # Ctrl-C arrives in the main thread while the model runs its second batch
        calls.append(len(x))
        if len(calls) == 2:
            _thread.interrupt_main()
        time.sleep(0.2)
        return fm.run_batch(x)

    with pytest.raises(KeyboardInterrupt):
        upscale_video(clip, str(tmp_path / "out.mp4"), frame_model=FrameModel(fm.predictor, run_batch, "test"),
                      batch=2, progress=False)
    assert os.listdir(tmp_path) == []
    assert not [t for t in threading.enumerate() if t.name.startswith("keras-sr-video")]
    assert len(calls) < 6  # stopped early, not after the whole clip


def test_folder_of_clips_shards_by_file_and_a_rerun_skips(tmp_path, capsys):
    folder, out = tmp_path / "clips", tmp_path / "out"
    folder.mkdir()
    for name in ("a.mp4", "b.mkv", "c.mp4"):
        write_clip(folder / name, moving_pattern(16, 24, 3), fps=12, audio=False)
    for i in range(2):
        assert main(["upscale", str(folder), "-o", str(out), "--model", "bicubic", "--scale", "2",
                     "--shard", f"{i}/2"]) == 0
    assert sorted(os.listdir(out)) == ["a.mp4", "b.mkv", "c.mp4"]
    assert probe(str(out / "b.mkv")).width == 48
    capsys.readouterr()
    assert main(["upscale", str(folder), "-o", str(out), "--model", "bicubic", "--scale", "2"]) == 0
    assert capsys.readouterr().out.count("skipped") == 3


@pytest.mark.parametrize("preset, subme", [(None, b"subme=2"), ("slow", b"subme=8")])
def test_x264_preset_reaches_the_encoder(clip, tmp_path, preset, subme):
    # x264 writes its settings into the stream (an SEI message): veryfast (the default, so that the
    # encoder keeps up with the model on a CPU) uses subpixel refinement 2, slow uses 8.
    out = tmp_path / "p.mp4"
    upscale_video(clip, str(out), model="bicubic", scale=2, preset=preset, progress=False)
    data = out.read_bytes()
    assert subme in data and b"x264" in data


@pytest.mark.parametrize("extra, said", [(["--preset", "warp"], "--preset warp: not an x264/x265 preset"),
                                         (["--preset", "slow", "--codec", "mpeg4"], "--preset applies to libx264")])
def test_bad_preset_is_one_line_exit_2(clip, tmp_path, capsys, extra, said):
    rc = main(["upscale", clip, "-o", str(tmp_path / "o.mp4"), "--model", "bicubic", "--scale", "2", *extra])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and said in err
    assert not (tmp_path / "o.mp4").exists()


def test_a_luma_model_is_refused_before_anything_is_written(clip, tmp_path):
    import keras

    # One input channel (a Y-only model): refused with one line before decoding starts (it used
    # to fail in the model's thread, where the reader's error handling would call it a decode error).
    inp = keras.Input((None, None, 1))
    luma = keras.Model(inp, keras.layers.UpSampling2D(2)(inp))
    with pytest.raises(ValueError, match="takes 1 channels; video upscaling needs an RGB model"):
        upscale_video(clip, str(tmp_path / "y.mp4"), model=luma, scale=2, progress=False)
    assert os.listdir(tmp_path) == []
