// COMPILE-CHECK STUB, not the real LiteRT class: signatures only, bodies do nothing.
// Signatures from tensorflow/tensorflow
// tensorflow/lite/delegates/gpu/java/src/main/java/org/tensorflow/lite/gpu/GpuDelegate.java
// and the LiteRT Java reference (ai.google.dev/edge/api/tflite/java/org/tensorflow/lite/gpu/GpuDelegate):
// constructors GpuDelegate(GpuDelegateFactory.Options) and GpuDelegate(); close();
// getNativeHandle(); the deprecated nested GpuDelegate.Options extends GpuDelegateFactory.Options.
package org.tensorflow.lite.gpu;

import org.tensorflow.lite.Delegate;

public class GpuDelegate implements Delegate {

  public GpuDelegate(GpuDelegateFactory.Options options) {}

  public GpuDelegate() {
    this(new GpuDelegateFactory.Options());
  }

  /** @deprecated Use {@link GpuDelegateFactory.Options} instead. */
  @Deprecated
  public static class Options extends GpuDelegateFactory.Options {}

  @Override
  public long getNativeHandle() {
    return 0;
  }

  @Override
  public void close() {}
}
