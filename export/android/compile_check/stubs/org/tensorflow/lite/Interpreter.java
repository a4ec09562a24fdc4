// COMPILE-CHECK STUB, not the real LiteRT class: signatures only, bodies throw.
// Signatures from tensorflow/tensorflow tensorflow/lite/java/src/main/java/org/tensorflow/lite/Interpreter.java
// and the LiteRT Java reference (ai.google.dev/edge/api/tflite/java/org/tensorflow/lite/Interpreter,
// .../Interpreter.Options: every setter there returns Interpreter.Options). The real class
// extends the package-private InterpreterImpl and has more members (getInputTensor,
// resizeInput, allocateTensors, ...); only those SuperResolver.kt uses are here.
package org.tensorflow.lite;

import java.io.File;
import java.nio.ByteBuffer;

public final class Interpreter implements InterpreterApi {

  /** An options class for controlling runtime interpreter behavior. */
  public static class Options extends InterpreterApi.Options {
    public Options() {}

    public Options(InterpreterApi.Options options) {
      super(options);
    }

    @Override
    public Options setNumThreads(int numThreads) {
      return this;
    }

    @Override
    public Options addDelegate(Delegate delegate) {
      return this;
    }

    @Override
    public Options setUseXNNPACK(boolean useXNNPACK) {
      return this;
    }
  }

  public Interpreter(File modelFile) {
    throw new UnsupportedOperationException("compile-check stub");
  }

  public Interpreter(File modelFile, Options options) {
    throw new UnsupportedOperationException("compile-check stub");
  }

  public Interpreter(ByteBuffer byteBuffer) {
    throw new UnsupportedOperationException("compile-check stub");
  }

  public Interpreter(ByteBuffer byteBuffer, Options options) {
    throw new UnsupportedOperationException("compile-check stub");
  }

  @Override
  public void run(Object input, Object output) {
    throw new UnsupportedOperationException("compile-check stub");
  }

  @Override
  public void close() {}
}
