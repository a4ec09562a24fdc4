"""Training on several processes/machines: ``tf.distribute.MultiWorkerMirroredStrategy``.

Every worker runs the same ``keras-sr train`` command with its own ``TF_CONFIG``
(``{"cluster": {"worker": ["host0:port", "host1:port"]}, "task": {"type": "worker",
"index": i}}``); worker 0 is the chief (the Keras convention when the cluster has no
``"chief"`` task). Each worker builds the same seeded data pipeline and keeps its share of
every global batch (``AutoShardPolicy.DATA``), so a step equals one single-device step on
the global batch. Only the chief writes the run folder; the others write to a temporary
folder that is removed at the end (:func:`write_dir`).

``keras-sr train ... --workers N`` starts N such processes on this machine
(:func:`launch_local_workers`: free localhost ports, ``TF_CONFIG`` per process) and stops
them all with a one-line error when one of them fails.

A lost worker: the others see it through the coordination service's heartbeats (about
10 s) or a collective that outlives ``timeout_seconds``, and stop with
:class:`WorkerLost`; restarting every worker with ``--resume`` continues from the run
folder's backup (last finished epoch).

Keras 3.15 needs two fixes to ``fit`` under a strategy (:func:`prepare_model`; only the
models trained with one are touched): its symbolic build draws a first batch from a
separate iterator of the dataset (with a seeded ``reshuffle_each_iteration`` shuffle, the
training then sees the second shuffle, not the one a single device sees) and reduces it
with ``MEAN`` (fails with several workers); and, with several workers, the metric results
are reduced over a batch axis that scalar metrics lack.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import types

DEFAULT_TIMEOUT = 600.0  # seconds a collective (one all-reduce) may wait for the other workers


class WorkerLost(RuntimeError):
    """A worker of the cluster stopped (crashed, killed, unreachable) during training."""


def _tf():
    import tensorflow as tf

    return tf


def read_tf_config():
    """``TF_CONFIG`` as a dict; a one-line error when it is missing or malformed."""
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ValueError("--multi-worker needs the TF_CONFIG environment variable (cluster and this "
                         "process's task), see the README's 'Scaling out'; or use --workers N on one machine")
    try:
        config = json.loads(text)
        workers = config["cluster"]["worker"]
        task = config["task"]
        kind, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"TF_CONFIG is not valid: expected {{\"cluster\": {{\"worker\": [\"host:port\", ...]}}, "
                         f"\"task\": {{\"type\": \"worker\", \"index\": i}}}} ({type(e).__name__}: {e})") from e
    roles = config["cluster"]
    if kind not in roles or not 0 <= index < len(roles[kind]):
        raise ValueError(f"TF_CONFIG task {kind}:{index} is not in its cluster {roles}")
    if not workers:
        raise ValueError("TF_CONFIG cluster has no workers")
    return config


def multi_worker_strategy(timeout_seconds=DEFAULT_TIMEOUT):
    """``MultiWorkerMirroredStrategy`` from ``TF_CONFIG``; every collective fails after
    ``timeout_seconds`` (``None``: wait for ever, heartbeats still catch dead workers).
    Create it before any other TensorFlow op of the process."""
    tf = _tf()
    read_tf_config()
    options = tf.distribute.experimental.CommunicationOptions(
        timeout_seconds=None if timeout_seconds is None else float(timeout_seconds))
    return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)


def is_multi_worker(strategy):
    return strategy is not None and strategy.extended._in_multi_worker_mode()  # noqa: SLF001


def task(strategy):
    """``(type, index)`` of this process (``("worker", 0)`` without several workers)."""
    if not is_multi_worker(strategy):
        return "worker", 0
    resolver = strategy.cluster_resolver
    return resolver.task_type, int(resolver.task_id)


def is_chief(strategy):
    """True for the process that writes the run folder: the ``chief`` task, else worker 0."""
    if not is_multi_worker(strategy):
        return True
    kind, index = task(strategy)
    has_chief = "chief" in strategy.cluster_resolver.cluster_spec().as_dict()
    return kind == "chief" or (kind == "worker" and index == 0 and not has_chief)


def write_dir(run_dir, strategy):
    """Where this process writes: ``run_dir`` on the chief; on another worker an empty
    temporary folder (the caller removes it) named after the run folder and the task, so
    that a restarted worker first removes what a killed one left there."""
    if is_chief(strategy):
        return run_dir
    import hashlib
    from pathlib import Path

    kind, index = task(strategy)
    key = hashlib.sha1(str(Path(run_dir).resolve()).encode("utf-8")).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"keras-sr-{key}-{kind}{index}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def shard_by_data(dataset):
    """Each worker keeps its share of every global batch (not whole files)."""
    tf = _tf()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)


def prepare_model(model, strategy):
    """Make ``model.fit`` under ``strategy`` see the batches one device sees, and work with
    several workers, in Keras 3.15 (see the module docstring); returns ``model``."""
    if is_multi_worker(strategy):
        _patch_metric_reduction()
    model._maybe_symbolic_build = types.MethodType(_symbolic_build_from_spec, model)  # noqa: SLF001
    return model


def _symbolic_build_from_spec(self, iterator=None, data_batch=None):
    # Keras' own version draws (and reduces) a first batch from its own iterator of the
    # dataset; only shapes and dtypes matter, and the dataset's element_spec has them.
    if iterator is not None and data_batch is None:
        data_batch = iterator.data_adapter.get_tf_dataset().element_spec
    with self.distribute_strategy.scope():
        self._symbolic_build(data_batch=data_batch)


_PATCHED = []


def _patch_metric_reduction():
    # Keras reduces the replicas' metric results with MEAN over axis 0, which scalars lack
    # under several workers; the mean over the replicas is what MirroredStrategy reports.
    if _PATCHED:
        return
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):  # noqa: SLF001
            tf = _tf()
            return tf.nest.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return original(values, strategy, reduction)

    trainer.reduce_per_replica = reduce_per_replica
    _PATCHED.append(original)


def collective_errors():
    """The TensorFlow errors a lost worker raises in the others (heartbeats, timeouts)."""
    tf = _tf()
    return (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError,
            tf.errors.CancelledError, tf.errors.InternalError)


_CAUSES = ("unhealthy", "aborted", "connection reset", "failed to connect", "deadline", "timed out", "timeout")


def lost_worker_error(exc, run_dir):
    """:class:`WorkerLost` with the line of TensorFlow's message that says what happened."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    said = [line for line in lines if any(cause in line.lower() for cause in _CAUSES)]
    detail = (said or lines or [""])[0][:300]
    return WorkerLost(f"a worker of the cluster stopped during training ({type(exc).__name__}: {detail}); "
                      f"restart every worker with --resume to continue {run_dir} from its last finished epoch")


# ---------------------------------------------------------------------------------------------
# Local launcher: N processes on this machine.


def free_ports(count):
    """``count`` distinct free TCP ports on localhost (bound then released)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("localhost", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def local_tf_configs(count, ports=None):
    """``TF_CONFIG`` strings of ``count`` workers on localhost (worker 0 is the chief)."""
    ports = ports or free_ports(count)
    cluster = {"worker": [f"localhost:{p}" for p in ports]}
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}}) for i in range(count)]


def _forward(stream, prefix, sink):
    for line in iter(stream.readline, ""):
        sink.write(prefix + line)
        sink.flush()
    stream.close()


def _describe(code):
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def launch_local_workers(commands, env=None, grace=10.0, on_start=None, out=None):
    """Run one command per worker (lists of arguments) on this machine, each with its own
    ``TF_CONFIG``; wait for all of them.

    Worker 0 (the chief) prints to this process's stdout/stderr; the others' lines are
    prefixed ``worker i: ``. When a worker fails, the others are stopped (SIGTERM, SIGKILL
    after ``grace`` seconds) and :class:`WorkerLost` says which one and how.
    ``on_start(pids)`` is called once they all run. Returns 0.
    """
    configs = local_tf_configs(len(commands))
    procs, threads = [], []
    try:
        for i, (command, config) in enumerate(zip(commands, configs)):
            child_env = {**(os.environ if env is None else env), "TF_CONFIG": config}
            if i == 0:
                procs.append(subprocess.Popen(command, env=child_env))
                continue
            proc = subprocess.Popen(command, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, bufsize=1)
            thread = threading.Thread(target=_forward, args=(proc.stdout, f"worker {i}: ", sys.stdout),
                                      daemon=True)
            thread.start()
            procs.append(proc)
            threads.append(thread)
        if on_start is not None:
            on_start([p.pid for p in procs])
        while True:
            codes = [p.poll() for p in procs]
            failed = [(i, c) for i, c in enumerate(codes) if c not in (None, 0)]
            if failed:
                i, code = failed[0]
                _stop(procs, grace)
                where = f"; the run folder {out} keeps its last finished epoch" if out else ""
                raise WorkerLost(f"worker {i} (pid {procs[i].pid}) {_describe(code)}; stopped the other "
                                 f"worker(s){where}: rerun the same command with --resume to continue")
            if all(c == 0 for c in codes):
                return 0
            time.sleep(0.2)
    except BaseException:
        _stop(procs, grace)
        raise
    finally:
        for thread in threads:
            thread.join(timeout=5)


def _stop(procs, grace):
    for p in procs:
        if p.poll() is None:
            p.terminate()
    deadline = time.monotonic() + grace
    for p in procs:
        remaining = max(0.0, deadline - time.monotonic())
        try:
            p.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
