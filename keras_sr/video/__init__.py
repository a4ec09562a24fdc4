"""Video upscaling through PyAV (FFmpeg): clips in, clips out, sound and timing kept.

    from keras_sr.video import upscale_video
    upscale_video("clip.mp4", "clip_x2.mp4")          # RT4KSR x2 with the weights keras-sr ships

* :mod:`~keras_sr.video.probe`: is a file a clip, what is in it (checked before any model loads);
* :mod:`~keras_sr.video.colour`: YUV frames <-> RGB arrays with the clip's matrix and range;
* :mod:`~keras_sr.video.runtimes`: Keras (any backend), LiteRT ``.tflite``, ONNX Runtime ``.onnx``;
* :mod:`~keras_sr.video.frames`: a batch of frames upscaled exactly as images are;
* :mod:`~keras_sr.video.stages`: decode, model and encode overlapping, bounded queues;
* :mod:`~keras_sr.video.upscale`: :func:`upscale_video`;
* :mod:`~keras_sr.video.window`: frames ``A:B`` and time segments;
* :mod:`~keras_sr.video.shards`: keyframe-aligned segments for many jobs, and their merge;
* :mod:`~keras_sr.video.stability`: flicker against ground truth;
* :mod:`~keras_sr.video.clips`: generated clips (a pan across a photo) for tests and figures.

PyAV is an extra: ``pip install 'keras-sr[video]'``.
"""

from keras_sr.video.probe import VideoInfo, VideoReadError, is_video_path, probe


def __getattr__(name):  # PyAV is imported when a clip is processed, not by is_video_path's callers
    if name == "upscale_video":
        from keras_sr.video.upscale import upscale_video

        return upscale_video
    raise AttributeError(name)


__all__ = ["VideoInfo", "VideoReadError", "is_video_path", "probe", "upscale_video"]
