// COMPILE-CHECK STUB, not the real LiteRT class: signatures only, bodies do nothing.
// Signatures from tensorflow/tensorflow
// tensorflow/lite/delegates/gpu/java/src/main/java/org/tensorflow/lite/gpu/CompatibilityList.java
// and the LiteRT Java reference (ai.google.dev/edge/api/tflite/java/org/tensorflow/lite/gpu/CompatibilityList):
// implements Closeable; "User is expected to call [close()] explicitly".
package org.tensorflow.lite.gpu;

import java.io.Closeable;

public class CompatibilityList implements Closeable {

  public CompatibilityList() {}

  public boolean isDelegateSupportedOnThisDevice() {
    return false;
  }

  @SuppressWarnings("deprecation") // the real method returns the deprecated GpuDelegate.Options too
  public GpuDelegate.Options getBestOptionsForThisDevice() {
    return new GpuDelegate.Options();
  }

  @Override
  public void close() {}
}
