"""``keras-sr check-gpu FILE``: will the TFLite GPU delegate take every op of this model?"""


def add_parser(sub, parents):
    p = sub.add_parser("check-gpu", parents=parents, help="check a .tflite against the GPU delegate's rules",
                       description="Read a .tflite flatbuffer and apply the TFLite GPU delegate's rules "
                                   "(ops, versions, tensor ranks/types, static shapes, per-op options). "
                                   "Exit code 1 when an op would fall back to the CPU.")
    p.add_argument("files", nargs="+", metavar="FILE", help=".tflite files")
    p.add_argument("--no-quantized", action="store_true",
                   help="treat QUANTIZE/DEQUANTIZE and int8 tensors as unsupported")


def run(args):
    import os

    from keras_sr.export import check_gpu_compatibility

    worst = 0
    for path in args.files:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} does not exist")
        report = check_gpu_compatibility(path, allow_quantized=not args.no_quantized)
        print(report.format())
        worst = max(worst, 0 if report.ok else 1)
    return worst
