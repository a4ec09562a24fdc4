// COMPILE-CHECK STUB, not the real LiteRT class: signatures only, bodies throw.
// Signatures from tensorflow/tensorflow tensorflow/lite/java/src/main/java/org/tensorflow/lite/InterpreterApi.java
// and the LiteRT Java reference (ai.google.dev/edge/api/tflite/java/org/tensorflow/lite/InterpreterApi,
// .../InterpreterApi.Options). Only the members SuperResolver.kt uses; the real
// InterpreterApi.Options has more setters (setUseNNAPI, setRuntime, ...).
package org.tensorflow.lite;

public interface InterpreterApi extends AutoCloseable {

  /** An options class for controlling runtime interpreter behavior. */
  class Options {
    public Options() {}

    public Options(Options other) {}

    public Options setNumThreads(int numThreads) {
      return this;
    }

    public Options addDelegate(Delegate delegate) {
      return this;
    }

    public Options setUseXNNPACK(boolean useXNNPACK) {
      return this;
    }
  }

  void run(Object input, Object output);

  @Override
  void close();
}
