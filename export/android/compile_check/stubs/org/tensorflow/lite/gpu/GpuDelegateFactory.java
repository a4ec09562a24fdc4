// COMPILE-CHECK STUB, not the real LiteRT class: signatures only.
// Signatures from tensorflow/tensorflow
// tensorflow/lite/delegates/gpu/java/src/main/java/org/tensorflow/lite/gpu/GpuDelegateFactory.java
// and the LiteRT Java reference (ai.google.dev/edge/api/tflite/java/org/tensorflow/lite/gpu/GpuDelegateFactory.Options).
// Only GpuDelegateFactory.Options (the type GpuDelegate's constructor takes) is stubbed; the
// factory itself (DelegateFactory.create) is not used by SuperResolver.kt.
package org.tensorflow.lite.gpu;

public class GpuDelegateFactory {

  /** Delegate options. */
  public static class Options {
    public Options() {}

    public static final int INFERENCE_PREFERENCE_FAST_SINGLE_ANSWER = 0;

    public static final int INFERENCE_PREFERENCE_SUSTAINED_SPEED = 1;

    public Options setPrecisionLossAllowed(boolean precisionLossAllowed) {
      return this;
    }

    public Options setQuantizedModelsAllowed(boolean quantizedModelsAllowed) {
      return this;
    }

    public Options setInferencePreference(int preference) {
      return this;
    }

    public Options setSerializationParams(String serializationDir, String modelToken) {
      return this;
    }
  }
}
