"""Stages that overlap: a reader thread, one thread per transform and the caller's thread,
joined by bounded queues (memory stays a few batches whatever the clip length).

Video upscaling runs ``decode -> [model] -> [round + colour conversion] -> encode``: each
transform gets its own thread so that the model's thread does nothing but call the model
(on a 2-core CPU the padding and rounding it used to do beside the model left both cores idle
for ~10 ms per 720p frame: end to end was 0.60 of model-only fps).

An exception in a thread stops the others and is raised in the caller's thread; Ctrl-C (a
``KeyboardInterrupt`` in the caller's thread) stops every thread before it propagates, so the
caller can remove its partial output.
"""

import queue
import threading

_END = object()


class Stages:
    """``Stages(produce, transforms, queue_size)``; iterate it in the caller's thread.

    ``produce(put)`` calls ``put(item)`` for each item (it returns False once stopping);
    ``transforms``: one callable or a sequence of them, each ``item -> item`` in its own thread,
    in order; the caller iterates the items the last one returns.
    """

    def __init__(self, produce, transforms, queue_size=2):
        if callable(transforms):
            transforms = [transforms]
        self.stop = threading.Event()
        self.errors = []
        self.queues = [queue.Queue(queue_size) for _ in range(len(transforms) + 1)]
        self.threads = [threading.Thread(target=self._guard, args=(self._read, produce, self.queues[0]),
                                         daemon=True, name="keras-sr-video-read")]
        for i, transform in enumerate(transforms):
            self.threads.append(threading.Thread(
                target=self._guard, args=(self._work, transform, self.queues[i], self.queues[i + 1]),
                daemon=True, name=f"keras-sr-video-stage{i + 1}"))

    def _put(self, q, item):
        while not self.stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _get(self, q):
        while True:
            if self.errors:
                raise self.errors[0]
            try:
                return q.get(timeout=0.1)
            except queue.Empty:
                if self.stop.is_set() and not self.errors:
                    return _END

    def _guard(self, body, fn, *queues):
        try:
            body(fn, *queues)
        except BaseException as e:  # noqa: BLE001  (handed to the caller's thread)
            self.errors.append(e)
            self.stop.set()

    def _read(self, produce, out):
        produce(lambda item: self._put(out, item))
        self._put(out, _END)

    def _work(self, transform, src, out):
        while not self.stop.is_set():
            item = self._get(src)
            if item is _END:
                break
            if not self._put(out, transform(item)):
                return
        self._put(out, _END)

    def __iter__(self):
        for t in self.threads:
            t.start()
        try:
            while True:
                item = self._get(self.queues[-1])
                if item is _END:
                    if self.errors:
                        raise self.errors[0]
                    return
                yield item
        finally:
            self.stop.set()
            for t in self.threads:
                t.join()
