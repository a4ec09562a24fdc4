"""One worker of tests/test_training_multiworker.py (also the 1-process reference, in the
test's own process): tiny EDSR-baseline / SRGAN runs through ``training.train``.

    TF_CONFIG=... python tests/_multiworker_check.py JOB RUN_DIR HR_DIR VAL_DIR [KILL_EPOCH]

JOB: ``edsr`` (2 epochs of 3 steps), ``mdsr`` (MDSR-baseline's multi-scale step, 2 epochs of
3 steps), ``all`` (``edsr``, ``srgan`` and ``mdsr`` into RUN_DIR/JOB), ``edsr3`` (3 epochs: the fault test; worker 1 kills
itself with SIGKILL after batch 2 of epoch KILL_EPOCH, 1-based) or ``srgan`` (2 epochs
of 2 steps, a random small VGG stand-in: VGG19's weights cannot be downloaded here).
"""

import os
import signal
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TINY = {"model_overrides": {"num_blocks": 1, "filters": 8}, "batch_size": 4, "patch_size": 8,
        "learning_rate": 1e-3}


def run(job, run_dir, hr, val, strategy=None, kill_epoch=None, resume=False):
    import keras

    from keras_sr import training
    from keras_sr.training import losses

    common = dict(out=run_dir, strategy=strategy, verbose=0, pictures=1, resume=resume)
    if resume:
        return training.train("edsr-baseline", 2, **common)
    if job == "mdsr":
        return training.train("mdsr-baseline", 2, hr, val, epochs=2, steps_per_epoch=3, **common, **TINY)
    if job in ("edsr", "edsr3"):
        callbacks = [KillAt(kill_epoch)] if kill_epoch else []
        return training.train("edsr-baseline", 2, hr, val, epochs=2 if job == "edsr" else 3, steps_per_epoch=3,
                              callbacks=callbacks, **common, **TINY)
    # Adam's epsilon 1e-4 instead of 1e-8: a conv bias before BatchNorm has a gradient of ~0
    # (round-off), which Adam with 1e-8 turns into full +-learning-rate steps whose sign depends on
    # the summation order (2 workers' gradients summed vs one batch): 1e-3 apart after 4 steps
    # instead of 1e-7 (measured). The step itself is the same; only round-off is not amplified.
    keras.utils.set_random_seed(0)  # the stand-in VGG's random weights: the same in every process

    def content():
        return losses.vgg19_content_model(None, "block1_conv2")

    if strategy is None:
        vgg = content()
    else:
        with strategy.scope():
            vgg = content()
    return training.train("srgan", 2, hr, val, epochs=2, steps_per_epoch=2, content_model=vgg, epsilon=1e-4,
                          discriminator_overrides={"filters": 4}, **common, **TINY)


class KillAt:
    """Built lazily (keras imported by then): SIGKILL this process mid-epoch on worker 1."""

    def __new__(cls, epoch):
        import keras

        class _Kill(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if self.epoch == epoch - 1 and batch == 1 and '"index": 1' in os.environ.get("TF_CONFIG", ""):
                    os.kill(os.getpid(), signal.SIGKILL)

            def on_epoch_begin(self, e, logs=None):
                self.epoch = e

        return _Kill()


if __name__ == "__main__":
    from keras_sr.training import multiworker

    strategy = multiworker.multi_worker_strategy(timeout_seconds=60)
    job, run_dir, hr, val = sys.argv[1:5]
    kill = int(sys.argv[5]) if len(sys.argv) > 5 else None
    for name in (("edsr", "srgan", "mdsr") if job == "all" else (job,)):
        run(name, os.path.join(run_dir, name) if job == "all" else run_dir, hr, val, strategy, kill_epoch=kill)
