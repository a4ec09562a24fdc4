"""What a benchmark prints about the machine it ran on: the CPU's SIMD flags that decide
which kernels TensorFlow, LiteRT, ONNX Runtime and PyTorch use (int8 speed-ups need VNNI/AMX)."""

TIMING_FLAGS = ("fma", "avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16", "amx_tile")


def cpu_flags():
    """The :data:`TIMING_FLAGS` this CPU has, space-separated ("" where /proc/cpuinfo is absent)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return ""
    return " ".join(flag for flag in TIMING_FLAGS if flag in flags)
