"""Export keras-sr models for the edge: SavedModel, TFLite fp32/fp16/int8 (builtin ops only; int8
selective by default, :mod:`keras_sr.export.int8_selective`), ONNX (:mod:`keras_sr.export.onnx_export`,
extra ``onnx``), a GPU-delegate readiness check, parity against Keras and a metadata JSON per export.

    from keras_sr import models
    from keras_sr.export import export_model, check_gpu_compatibility

    model = models.build("edsr-baseline", scale=2)
    export_model(model, "exports", formats=("fp32", "fp16"), name="edsr-baseline")
    print(check_gpu_compatibility("exports/edsr_baseline_x2_fp16_640x360.tflite"))
"""

from keras_sr.export.gpu_check import Issue, Report, check_gpu_compatibility
from keras_sr.export.parity import FP32_TOLERANCE, ParityError, check_parity, run_tflite
from keras_sr.export.pipeline import (ALL_FORMATS, DEFAULT_INPUT_SIZES, deploy_form, export_model, float_graph,
                                      parse_formats, parse_size)
from keras_sr.export.savedmodel import export_savedmodel
from keras_sr.export.tflite import FORMATS, INT8_METHODS, ExportError, concrete_function, convert

__all__ = [
    "ALL_FORMATS", "DEFAULT_INPUT_SIZES", "FORMATS", "INT8_METHODS", "FP32_TOLERANCE", "ExportError", "Issue",
    "ParityError", "Report", "check_gpu_compatibility", "check_parity", "concrete_function",
    "convert", "deploy_form", "export_model", "export_savedmodel", "float_graph", "parse_formats", "parse_size",
    "run_tflite",
]
