// COMPILE-CHECK STUB, not the real LiteRT class: signatures only, bodies do nothing.
// Signatures from tensorflow/tensorflow tensorflow/lite/java/src/main/java/org/tensorflow/lite/Delegate.java
// and the LiteRT Java reference (ai.google.dev/edge/api/tflite/java/org/tensorflow/lite/Delegate):
// the current interface extends Closeable with a default close().
package org.tensorflow.lite;

import java.io.Closeable;

public interface Delegate extends Closeable {
  long getNativeHandle();

  @Override
  default void close() {}
}
