"""keras-sr's exports side by side with the runtimes a user would pick instead, timed so that a
shared, noisy machine still gives fair ratios.

    python benchmarks/side_by_side.py                  # RT4KSR x2 640x360, EDSR-baseline x4 320x180
    python benchmarks/side_by_side.py --cases rt4ksr --threads 1 --repeats 3 --json out.json
    python benchmarks/side_by_side.py --cases rt4ksr --save-prepared DIR   # exports only, then on
    python benchmarks/side_by_side.py --prepared DIR --threads 1,2,4       # a machine without TensorFlow

Candidates (RT4KSR rows beyond the plain formats): ``litert-fp32`` is what ``keras-sr export``
writes (the lean graph, :mod:`keras_sr.models.rt4ksr_lean`), ``litert-fp32-c32`` the same with
``--channel-multiple 32``, ``litert-fp32-plain`` the deploy form converted as it is (no lean
rewrite) and ``litert-fp32-unfused`` the training form (not re-parameterized).

Method (what survives five other jobs on the same cores):
* one worker process per runtime (LiteRT fp32 / fp16 / int8, ONNX Runtime, Keras under
  ``tf.function``, PyTorch eager), each with its thread count fixed, its model loaded and warmed
  up once;
* every repeat asks each worker for ``--iters`` timed runs of one image, the candidates
  interleaved in an order rotated each repeat, with a numpy float32 matmul worker in the same
  rotation as the machine's roof;
* each candidate's time in a repeat is the median of its runs; the table gives the median over
  repeats of the per-repeat ratio to PyTorch eager (so load that hits a whole repeat cancels),
  and the share of the matmul roof: model FLOPs (2 x MACs) per second / matmul FLOP/s of the
  same repeat;
* CPU model, flags and the load average (before / after) are printed with the table.

The PyTorch model is the same deploy graph, written below in plain ``torch.nn.functional``
with the same weights (keras-sr's shipped weights; DCR pixel-shuffle channel order converted to
PyTorch's CRD by permuting conv channels, as ``keras_sr.convert`` does); its output is checked
against Keras before anything is timed. Needs torch and the onnx extra.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = {  # name -> (preset, scale, LR width x height)
    "rt4ksr": ("rt4ksr", 2, (640, 360)),
    "edsr-baseline": ("edsr-baseline", 4, (320, 180)),
}
CANDIDATES = ("torch-eager", "torch-eager-cl", "litert-fp32", "litert-fp32-c32", "litert-fp32-plain", "litert-fp16",
              "litert-int8", "litert-int8-full", "onnxruntime", "keras-tf.function", "litert-fp32-unfused")
MATMUL_N = 1024
FLAGS = ("fma", "avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16", "amx_tile")


# ----------------------------------------------------------------------------- torch models
def _torch_kernel(kernel, out_perm=None, in_perm=None):
    import torch

    k = np.transpose(np.asarray(kernel, np.float32), (3, 2, 0, 1))  # HWIO -> OIHW
    if out_perm is not None:
        k = k[out_perm]
    if in_perm is not None:
        k = k[:, in_perm]
    return torch.from_numpy(np.ascontiguousarray(k))


def dcr_to_crd(channels, r):
    """Index map: PyTorch pixel-shuffle channel ``c·r² + i·r + j`` reads TensorFlow's
    depth_to_space channel ``(i·r + j)·C + c``."""
    return np.array([(k % (r * r)) * channels + k // (r * r) for k in range(channels * r * r)])


def torch_model(preset, scale, weights):
    """``forward(x_nchw)`` of the deploy graph in eager PyTorch, from Keras weights ``{path: array}``."""
    import torch
    import torch.nn.functional as F

    def conv(name, out_perm=None, in_perm=None):
        return (_torch_kernel(weights[f"{name}/kernel"], out_perm, in_perm),
                torch.from_numpy(np.asarray(weights[f"{name}/bias"], np.float32)[
                    out_perm if out_perm is not None else slice(None)].copy()))

    if preset == "rt4ksr":
        r = 2 * scale
        head = conv("head", in_perm=dcr_to_crd(3, 2))
        blocks = []
        i = 0
        while f"body{i}_conv/kernel" in weights:
            blocks.append((weights[f"body{i}_norm/gamma"], weights[f"body{i}_norm/beta"], conv(f"body{i}_conv")))
            i += 1
        tail_norm = (weights["tail_norm/gamma"], weights["tail_norm/beta"])
        tail = conv("tail_conv")
        up = conv("upsample_conv", out_perm=dcr_to_crd(3, r))

        def norm(x, gamma, beta):  # the authors' LayerNorm2d: over channels, biased variance
            mu = x.mean(1, keepdim=True)
            var = (x - mu).pow(2).mean(1, keepdim=True)
            y = (x - mu) / torch.sqrt(var + 1e-6)
            return y * torch.from_numpy(gamma).view(1, -1, 1, 1) + torch.from_numpy(beta).view(1, -1, 1, 1)

        def forward(x):
            x = F.conv2d(F.pixel_unshuffle(x, 2), *head, padding=1)
            for gamma, beta, c in blocks:
                x = F.gelu(F.conv2d(norm(x, gamma, beta), *c, padding=1))
            x = F.conv2d(norm(x, *tail_norm), *tail, padding=1)
            return F.pixel_shuffle(F.conv2d(x, *up, padding=1), r)
        return forward

    if preset == "edsr-baseline":
        from keras_sr.layers import DIV2K_RGB_MEAN

        mean = torch.tensor(DIV2K_RGB_MEAN, dtype=torch.float32).view(1, 3, 1, 1)
        head = conv("head")
        blocks = []
        i = 0
        while f"body/block{i}/conv1/kernel" in weights:
            blocks.append((conv(f"body/block{i}/conv1"), conv(f"body/block{i}/conv2")))
            i += 1
        body = conv("body/conv")
        ups = []
        i = 0
        while f"upsample/conv{i}/kernel" in weights:
            f = weights[f"upsample/conv{i}/kernel"].shape[-1]
            ups.append(conv(f"upsample/conv{i}", out_perm=dcr_to_crd(f // 4, 2)))
            i += 1
        tail = conv("tail")

        def forward(x):
            x = F.conv2d((x - mean) * 255.0, *head, padding=1)
            y = x
            for c1, c2 in blocks:
                y = y + F.conv2d(F.relu(F.conv2d(y, *c1, padding=1)), *c2, padding=1)
            x = x + F.conv2d(y, *body, padding=1)
            for c in ups:
                x = F.pixel_shuffle(F.conv2d(x, *c, padding=1), 2)
            return F.conv2d(x, *tail, padding=1) / 255.0 + mean
        return forward
    raise ValueError(f"no PyTorch graph for {preset!r}")


# ----------------------------------------------------------------------------- workers
def _keras_model(preset, scale):
    from keras_sr import models, presets
    from keras_sr.export import deploy_form

    return deploy_form(presets.from_preset(preset, scale=scale, weights="default"), preset)


def make_runner(spec):
    """``run()`` that processes one fixed random LR image with the candidate ``spec`` names."""
    kind, threads = spec["kind"], spec["threads"]
    w, h = spec["size"]
    x = np.random.default_rng(0).random((1, h, w, 3), dtype=np.float32)
    if kind == "matmul":
        a = np.random.default_rng(0).random((MATMUL_N, MATMUL_N), dtype=np.float32)
        return lambda: a @ a
    if kind.startswith("litert"):
        from ai_edge_litert.interpreter import Interpreter

        interp = Interpreter(model_path=spec["path"], num_threads=threads)
        interp.allocate_tensors()
        interp.set_tensor(interp.get_input_details()[0]["index"], x)
        return interp.invoke
    if kind == "onnxruntime":
        sys.path.insert(0, ROOT)
        from keras_sr.export import onnx_export

        sess = onnx_export.session(spec["path"], num_threads=threads)
        return lambda: sess.run(["sr"], {"lr": x})
    if kind in ("torch-eager", "torch-eager-cl"):
        import torch

        torch.set_num_threads(threads)
        weights = dict(np.load(spec["path"]))
        forward = torch_model(spec["preset"], spec["scale"], weights)
        xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        if kind == "torch-eager-cl":  # NHWC in memory: PyTorch's oneDNN convolutions run faster on it here
            xt = xt.contiguous(memory_format=torch.channels_last)

        def run():
            with torch.inference_mode():
                return forward(xt)
        return run
    if kind == "keras-tf.function":
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        sys.path.insert(0, ROOT)
        model = _keras_model(spec["preset"], spec["scale"])
        fn = tf.function(lambda t: model(t, training=False), autograph=False)
        xt = tf.constant(x)
        return lambda: fn(xt).numpy()
    raise ValueError(kind)


def worker(spec_json, runner_factory=None):
    """Serve timing requests on stdin: ``<iters>`` -> one JSON line of per-run seconds."""
    spec = json.loads(spec_json)
    run = (runner_factory or make_runner)(spec)
    run()
    run()  # warm-up (allocations, XNNPACK packing, tf.function tracing)
    print("ready", flush=True)
    for line in sys.stdin:
        times = []
        for _ in range(int(line)):
            t = time.perf_counter()
            run()
            times.append(time.perf_counter() - t)
        print(json.dumps(times), flush=True)


class Worker:
    def __init__(self, spec, script=__file__):
        env = dict(os.environ)
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(spec["threads"])
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
        self.spec = spec
        self.proc = subprocess.Popen([sys.executable, script, "--worker", json.dumps(spec)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def wait_ready(self):
        for line in self.proc.stdout:
            if line.strip() == "ready":
                return
        raise RuntimeError(f"worker {self.spec['kind']} died before it was ready")

    def time(self, iters):
        self.proc.stdin.write(f"{iters}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


# ----------------------------------------------------------------------------- preparation
def prepare(case, folder, log):
    """Export the case's files (keras-sr export with parity checks), torch weights and FLOPs."""
    import keras

    from keras_sr.export import export_model
    from keras_sr.utils.macs import count_macs

    preset, scale, size = CASES[case]
    model = _keras_model(preset, scale)
    results = export_model(model, folder, ("fp32", "fp16", "int8", "onnx"), input_size=size, name=preset,
                           parity_images=2, log=lambda s: None)
    files = {f"litert-{r.fmt}" if r.fmt != "onnx" else "onnxruntime": r.path for r in results}
    quality = {r.fmt: r.parity for r in results}
    # every op int8 (keras-sr's default is selective int8)
    (full,) = export_model(model, os.path.join(folder, "full"), ("int8",), input_size=size, name=preset,
                           int8_method="full", parity_images=2, log=lambda s: None)
    files["litert-int8-full"], quality["int8-full"] = full.path, full.parity
    if preset == "rt4ksr":
        from keras_sr import models
        from keras_sr.export import tflite

        (c32,) = export_model(model, os.path.join(folder, "c32"), ("fp32",), input_size=size, name=preset,
                              channel_multiple=32, parity_images=2, log=lambda s: None)
        files["litert-fp32-c32"], quality["fp32-c32"] = c32.path, c32.parity
        for kind, graph in (("litert-fp32-plain", model),  # the deploy form as it is, no lean rewrite
                            ("litert-fp32-unfused", models.build(preset, scale=scale))):  # training form
            path = os.path.join(folder, f"{kind}.tflite")  # (random weights: the same speed)
            with open(path, "wb") as f:
                f.write(tflite.convert(graph, "fp32", size))
            files[kind] = path
    weights = {w.path: keras.ops.convert_to_numpy(w) for w in model.weights}
    wpath = os.path.join(folder, f"{case}_weights.npz")
    np.savez(wpath, **weights)
    files["torch-eager"] = files["torch-eager-cl"] = wpath
    _check_torch(model, preset, scale, weights)
    macs = count_macs(model, (size[1], size[0], 3))
    for fmt, par in quality.items():
        log(f"  {case} {fmt}: {par.format()}")
    return files, macs, quality


def quality_summary(quality):
    """``{format: {psnr_drop_db, max_abs_diff}}`` of :func:`prepare`'s parity results (JSON-ready)."""
    return {f: {"psnr_drop_db": q.psnr_drop, "max_abs_diff": q.max_abs_diff} for f, q in quality.items()}


def save_prepared(folder, case, files, macs, quality):
    """Copy a case's prepared files into ``folder`` with an index, for :func:`load_prepared` on
    another machine (which then needs LiteRT, ONNX Runtime, PyTorch and numpy, not TensorFlow)."""
    import shutil

    os.makedirs(folder, exist_ok=True)
    index_path = os.path.join(folder, "prepared.json")
    index = json.load(open(index_path)) if os.path.exists(index_path) else {}
    names = {}
    for kind, path in files.items():
        names[kind] = f"{case}_{kind}{os.path.splitext(path)[1]}"
        shutil.copyfile(path, os.path.join(folder, names[kind]))
    index[case] = {"files": names, "macs": macs, "quality": quality_summary(quality)}
    with open(index_path, "w") as f:
        json.dump(index, f, indent=1)


def load_prepared(folder, case):
    """``(files, macs, quality)`` of a case saved by :func:`save_prepared` (quality as dicts)."""
    with open(os.path.join(folder, "prepared.json")) as f:
        entry = json.load(f)[case]
    return ({k: os.path.join(folder, n) for k, n in entry["files"].items()}, entry["macs"], entry["quality"])


def _check_torch(model, preset, scale, weights):
    import torch

    x = np.random.default_rng(1).random((1, 24, 32, 3), dtype=np.float32)
    want = np.asarray(model(x, training=False))
    with torch.inference_mode():
        got = torch_model(preset, scale, weights)(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    diff = float(np.abs(got.numpy().transpose(0, 2, 3, 1) - want).max())
    if diff > 1e-4:
        raise RuntimeError(f"the PyTorch {preset} graph differs from Keras by {diff:.1e}")


def cpu_description():
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    have = [fl for fl in FLAGS if fl in flags]
    return f"{model}, {os.cpu_count()} cores visible; flags: {' '.join(have) or 'none of ' + ' '.join(FLAGS)}"


# ----------------------------------------------------------------------------- measurement
def measure(case, files, threads, repeats, iters, candidates, log, pause=0.5):
    preset, scale, size = CASES[case]
    specs = [{"kind": "matmul", "threads": threads, "size": size}]
    for kind in candidates:
        if kind in files or kind == "keras-tf.function":
            specs.append({"kind": kind, "threads": threads, "size": size, "path": files.get(kind),
                          "preset": preset, "scale": scale})
    workers = []
    for spec in specs:  # one at a time: loading is not what is measured
        wk = Worker(spec)
        wk.wait_ready()
        workers.append(wk)
    load_before = os.getloadavg()
    per_repeat = []
    try:
        for rep in range(repeats):
            k = rep % len(workers)
            order = workers[k:] + workers[:k]
            times = {}
            for wk in order:
                time.sleep(pause)  # the last runtime's spinning threads (OpenBLAS, OpenMP) go to sleep first
                n = max(iters, 5) if wk.spec["kind"] == "matmul" else iters
                times[wk.spec["kind"]] = float(np.median(wk.time(n)))
            per_repeat.append(times)
            log(f"  {case} {threads}t repeat {rep + 1}/{repeats}: "
                + ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in times.items()))
    finally:
        for wk in workers:
            wk.close()
    return per_repeat, load_before, os.getloadavg()


def summarize(per_repeat, macs):
    flop = 2.0 * macs
    matmul_flop = 2.0 * MATMUL_N ** 3
    rows = {}
    for kind in per_repeat[0]:
        if kind == "matmul":
            continue
        ms = [r[kind] * 1e3 for r in per_repeat]
        ratio = [r[kind] / r["torch-eager"] for r in per_repeat] if "torch-eager" in per_repeat[0] else [np.nan]
        ratio_cl = ([r[kind] / r["torch-eager-cl"] for r in per_repeat] if "torch-eager-cl" in per_repeat[0]
                    else [np.nan])
        roof = [(flop / r[kind]) / (matmul_flop / r["matmul"]) for r in per_repeat]
        rows[kind] = {"ms": float(np.median(ms)), "vs_torch": float(np.median(ratio)),
                      "vs_torch_cl": float(np.median(ratio_cl)),
                      "gflops": float(flop / np.median(ms) / 1e6), "roof_share": float(np.median(roof))}
    for kind in ("litert-fp32", "litert-fp32-c32", "litert-fp32-plain"):  # re-parameterization speed-up
        if kind in rows and "litert-fp32-unfused" in per_repeat[0]:
            rows[kind]["reparam_speedup"] = float(np.median(
                [r["litert-fp32-unfused"] / r[kind] for r in per_repeat]))
    roof = float(np.median([matmul_flop / r["matmul"] / 1e9 for r in per_repeat]))
    return rows, roof


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}")
    p.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--iters", type=int, default=2, help="timed runs per candidate per repeat (median)")
    p.add_argument("--candidates", default=",".join(CANDIDATES))
    p.add_argument("--pause", type=float, default=0.5,
                   help="seconds of idle before each candidate's runs (default 0.5): OpenBLAS and OpenMP "
                        "threads spin after their work, and would steal the cores from the next runtime")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--save-prepared", metavar="DIR", help="export the cases' files into DIR and stop")
    p.add_argument("--prepared", metavar="DIR", help="time the files --save-prepared wrote (no TensorFlow "
                                                     "needed; the keras-tf.function row is left out)")
    args = p.parse_args()
    if args.worker:
        return worker(args.worker)
    sys.path.insert(0, ROOT)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    bad = [c for c in cases if c not in CASES]
    if bad:
        p.error(f"unknown case(s) {bad}; choose from {', '.join(CASES)}")
    candidates = [c.strip() for c in args.candidates.split(",") if c.strip()]
    threads = [int(t) for t in args.threads.split(",")]
    log = lambda s: print(s, file=sys.stderr, flush=True)  # noqa: E731
    cpu = cpu_description()
    started = datetime.datetime.now(datetime.timezone.utc)
    report = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu, "repeats": args.repeats,
              "iters": args.iters, "cases": {}}
    if args.prepared:
        candidates = [c for c in candidates if c != "keras-tf.function"]
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if args.prepared:
                files, macs, quality = load_prepared(args.prepared, case)
            else:
                log(f"preparing {case} (exports with parity checks)")
                files, macs, quality = prepare(case, os.path.join(tmp, case), log)
                if args.save_prepared:
                    save_prepared(args.save_prepared, case, files, macs, quality)
                    continue
                quality = quality_summary(quality)
            report["cases"][case] = {"macs": macs, "quality": quality, "threads": {}}
            for n in threads:
                per_repeat, before, after = measure(case, files, n, args.repeats, args.iters, candidates, log,
                                                    args.pause)
                rows, roof = summarize(per_repeat, macs)
                report["cases"][case]["threads"][n] = {"rows": rows, "matmul_gflops": roof,
                                                       "load_before": before, "load_after": after,
                                                       "per_repeat": per_repeat}
            log(format_report({**report, "cases": {case: report["cases"][case]}}))  # as soon as known
    if args.save_prepared:
        log(f"prepared {', '.join(cases)} in {args.save_prepared}")
        return 0
    print(format_report(report))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0


def format_report(report):
    lines = [f"side_by_side.py, {report['date']}; {report['cpu']}",
             f"{report['repeats']} repeats x {report['iters']} runs, medians of per-repeat ratios", ""]
    for case, data in report["cases"].items():
        preset, scale, (w, h) = CASES[case]
        drops = ", ".join(f"{f} {q['psnr_drop_db']:+.2f} dB" for f, q in data["quality"].items())
        lines.append(f"{preset} x{scale} {w}x{h} ({2 * data['macs'] / 1e9:.1f} GFLOP; PSNR-Y drop vs Keras: {drops})")
        lines.append("| threads | runtime | ms | vs PyTorch eager | vs PyTorch eager, channels_last | GFLOP/s | "
                     "% of matmul roof |")
        lines.append("|---|---|---|---|---|---|---|")
        for n, t in data["threads"].items():
            for kind, row in sorted(t["rows"].items(), key=lambda kv: kv[1]["ms"]):
                lines.append(f"| {n} | {kind} | {row['ms']:.0f} | {row['vs_torch']:.2f}x | "
                             f"{row.get('vs_torch_cl', float('nan')):.2f}x | {row['gflops']:.1f} | "
                             f"{100 * row['roof_share']:.0f} % |")
            lines.append(f"| {n} | numpy matmul {MATMUL_N}³ (roof) | | | | {t['matmul_gflops']:.1f} | 100 % |")
        for n, t in data["threads"].items():
            speedups = {k: r["reparam_speedup"] for k, r in t["rows"].items() if "reparam_speedup" in r}
            if speedups:
                lines.append(f"re-parameterization speed-up, {n} thread(s) (training form / deploy form, median of "
                             "per-repeat ratios): " + ", ".join(f"{k} {v:.2f}x" for k, v in speedups.items()))
        loads = "; ".join(f"{n}t: {t['load_before'][0]:.2f} -> {t['load_after'][0]:.2f}"
                          for n, t in data["threads"].items())
        lines += [f"load average (1 min) before -> after: {loads}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
