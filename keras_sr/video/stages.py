"""Three stages that overlap: a reader thread, a worker thread and the caller's thread, joined
by bounded queues (memory stays a few batches whatever the clip length).

An exception in a thread stops the others and is raised in the caller's thread; Ctrl-C (a
``KeyboardInterrupt`` in the caller's thread) stops both threads before it propagates, so the
caller can remove its partial output.
"""

import queue
import threading

_END = object()


class Stages:
    """``Stages(produce, transform, queue_size)``; iterate it in the caller's thread.

    ``produce(put)`` calls ``put(item)`` for each item (it returns False once stopping);
    ``transform(item)`` runs in the second thread; the caller iterates the transformed items.
    """

    def __init__(self, produce, transform, queue_size=2):
        self.stop = threading.Event()
        self.errors = []
        self.q1, self.q2 = queue.Queue(queue_size), queue.Queue(queue_size)
        self.threads = [threading.Thread(target=self._guard, args=(self._read, produce), daemon=True,
                                         name="keras-sr-video-read"),
                        threading.Thread(target=self._guard, args=(self._work, transform), daemon=True,
                                         name="keras-sr-video-model")]

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

    def _guard(self, body, fn):
        try:
            body(fn)
        except BaseException as e:  # noqa: BLE001  (handed to the caller's thread)
            self.errors.append(e)
            self.stop.set()

    def _read(self, produce):
        produce(lambda item: self._put(self.q1, item))
        self._put(self.q1, _END)

    def _work(self, transform):
        while not self.stop.is_set():
            item = self._get(self.q1)
            if item is _END:
                break
            if not self._put(self.q2, transform(item)):
                return
        self._put(self.q2, _END)

    def __iter__(self):
        for t in self.threads:
            t.start()
        try:
            while True:
                item = self._get(self.q2)
                if item is _END:
                    if self.errors:
                        raise self.errors[0]
                    return
                yield item
        finally:
            self.stop.set()
            for t in self.threads:
                t.join()
