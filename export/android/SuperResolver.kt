// keras-sr Android sample: run an exported super-resolution model with LiteRT.
//
// GPU first (GpuDelegate, when CompatibilityList says this device supports it), CPU with
// XNNPACK otherwise or when the GPU delegate fails to initialise. The model's contract
// (shape, colour, dtype, scale) is read from the metadata JSON keras-sr writes beside
// each .tflite. Type-checked offline by compile_check/check.sh (against LiteRT stubs); not
// run on a device in keras-sr's CI: see README.md for the Gradle setup.
package dev.kerassr.sample

import android.content.Context
import android.graphics.Bitmap
import android.graphics.Color
import org.json.JSONObject
import org.tensorflow.lite.Interpreter
import org.tensorflow.lite.gpu.CompatibilityList
import org.tensorflow.lite.gpu.GpuDelegate
import java.io.Closeable
import java.io.FileInputStream
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.MappedByteBuffer
import java.nio.channels.FileChannel
import kotlin.math.roundToInt

/** The input contract from `<model>.json` (keras_sr/export/metadata.py). */
data class SrContract(
    val height: Int, val width: Int, val channels: Int, val scale: Int,
    val inputDtype: String, val inputScale: Float, val inputZeroPoint: Int,
    val outputDtype: String, val outputScale: Float, val outputZeroPoint: Int,
) {
    val outHeight get() = height * scale
    val outWidth get() = width * scale

    companion object {
        fun parse(json: String): SrContract {
            val meta = JSONObject(json)
            require(meta.getString("layout") == "NHWC") { "expected an NHWC model" }
            require(!meta.optBoolean("dynamic_shape")) { "export with a fixed --input-size for the GPU" }
            val range = meta.getJSONArray("value_range")
            require(range.getDouble(0) == 0.0 && range.getDouble(1) == 1.0) { "expected values in [0, 1]" }
            val input = meta.getJSONObject("input")
            val output = meta.getJSONObject("output")
            val shape = input.getJSONArray("shape")  // [1, H, W, C]
            val outShape = output.getJSONArray("shape")  // [1, H * scale, W * scale, C]
            val scale = meta.getInt("scale")
            val channels = shape.getInt(3)
            // "color": "RGB" (3 channels) or "Y" (1 channel: BT.601 luma, see lumaY)
            val color = meta.getString("color")
            require((color == "RGB" && channels == 3) || (color == "Y" && channels == 1)) {
                "unsupported color $color with $channels channels"
            }
            val height = shape.getInt(1)
            val width = shape.getInt(2)
            require(outShape.getInt(1) == height * scale && outShape.getInt(2) == width * scale &&
                    outShape.getInt(3) == channels) { "output shape does not match the input shape x scale" }
            return SrContract(
                height = height, width = width, channels = channels, scale = scale,
                inputDtype = dtypeOf(input), inputScale = quantScale(input),
                inputZeroPoint = quantZeroPoint(input),
                outputDtype = dtypeOf(output), outputScale = quantScale(output),
                outputZeroPoint = quantZeroPoint(output),
            )
        }

        // "dtype" is "float32", or "uint8" for int8 exports with --int8-io uint8; a uint8 tensor
        // always carries "quantization": {"scale", "zero_point"} (real = (q - zero_point) * scale).
        private fun dtypeOf(tensor: JSONObject): String {
            val dtype = tensor.getString("dtype")
            require(dtype == "float32" || dtype == "uint8") { "unsupported dtype $dtype" }
            require(dtype == "float32" || tensor.has("quantization")) { "uint8 tensor without quantization" }
            return dtype
        }

        private fun quantScale(tensor: JSONObject): Float =
            tensor.optJSONObject("quantization")?.getDouble("scale")?.toFloat() ?: 1f

        private fun quantZeroPoint(tensor: JSONObject): Int =
            tensor.optJSONObject("quantization")?.getInt("zero_point") ?: 0
    }
}

/**
 * Upscales a Bitmap with a keras-sr export: Bitmap -> NHWC float [0, 1] (or uint8) -> model
 * -> Bitmap of `scale` times the size.
 *
 * @param modelAsset e.g. "edsr_baseline_x2_fp16_640x360.tflite" in `assets/`
 * @param metadataAsset the JSON written beside it, e.g. "edsr_baseline_x2_fp16_640x360.json"
 */
class SuperResolver(context: Context, modelAsset: String, metadataAsset: String) : Closeable {
    val contract: SrContract =
        SrContract.parse(context.assets.open(metadataAsset).bufferedReader().use { it.readText() })
    private var gpuDelegate: GpuDelegate? = null
    private val interpreter: Interpreter
    val usesGpu: Boolean get() = gpuDelegate != null

    init {
        val model = loadModel(context, modelAsset)
        interpreter = createGpuInterpreter(model) ?: Interpreter(
            model, Interpreter.Options().setNumThreads(CPU_THREADS).setUseXNNPACK(true))
    }

    private fun createGpuInterpreter(model: MappedByteBuffer): Interpreter? {
        // CompatibilityList holds a native handle: close it once the options are read.
        val gpuOptions = CompatibilityList().use { list ->
            if (list.isDelegateSupportedOnThisDevice) list.bestOptionsForThisDevice else null
        } ?: return null
        val delegate = GpuDelegate(gpuOptions)
        return try {
            Interpreter(model, Interpreter.Options().addDelegate(delegate)).also { gpuDelegate = delegate }
        } catch (e: Exception) {  // e.g. an op the GPU cannot take: fall back to the CPU
            delegate.close()
            null
        }
    }

    /** Upscales [bitmap]; it is first resized to the model's fixed input size if needed. */
    fun upscale(bitmap: Bitmap): Bitmap {
        val c = contract
        val lr = if (bitmap.width == c.width && bitmap.height == c.height) bitmap
                 else Bitmap.createScaledBitmap(bitmap, c.width, c.height, true)
        val pixels = IntArray(c.width * c.height)
        lr.getPixels(pixels, 0, c.width, 0, 0, c.width, c.height)

        val inBytes = if (c.inputDtype == "float32") 4 else 1
        val input = ByteBuffer.allocateDirect(pixels.size * c.channels * inBytes).order(ByteOrder.nativeOrder())
        for (p in pixels) {
            val r = Color.red(p) / 255f
            val g = Color.green(p) / 255f
            val b = Color.blue(p) / 255f
            if (c.channels == 3) { put(input, r, c); put(input, g, c); put(input, b, c) }
            else put(input, lumaY(r, g, b), c)
        }
        input.rewind()

        val outCount = c.outWidth * c.outHeight * c.channels
        val output = ByteBuffer.allocateDirect(outCount * if (c.outputDtype == "float32") 4 else 1)
            .order(ByteOrder.nativeOrder())
        interpreter.run(input, output)
        output.rewind()

        val out = IntArray(c.outWidth * c.outHeight)
        if (c.channels == 3) {
            for (i in out.indices) {
                out[i] = Color.rgb(to8bit(get(output, c)), to8bit(get(output, c)), to8bit(get(output, c)))
            }
        } else {
            // Y-channel models (SRDenseNet): chroma from a plain bilinear upscale of the input
            // (the JSON's color_note suggests bicubic; Bitmap only offers bilinear filtering).
            val up = IntArray(out.size)
            Bitmap.createScaledBitmap(lr, c.outWidth, c.outHeight, true)
                .getPixels(up, 0, c.outWidth, 0, 0, c.outWidth, c.outHeight)
            for (i in out.indices) out[i] = ycbcrToRgb(get(output, c), up[i])
        }
        return Bitmap.createBitmap(out, c.outWidth, c.outHeight, Bitmap.Config.ARGB_8888)
    }

    private fun put(buf: ByteBuffer, v: Float, c: SrContract) {
        if (c.inputDtype == "float32") buf.putFloat(v)
        else buf.put((v / c.inputScale + c.inputZeroPoint).roundToInt().coerceIn(0, 255).toByte())
    }

    private fun get(buf: ByteBuffer, c: SrContract): Float =
        if (c.outputDtype == "float32") buf.float
        else ((buf.get().toInt() and 0xFF) - c.outputZeroPoint) * c.outputScale

    override fun close() {
        interpreter.close()
        gpuDelegate?.close()
    }

    companion object {
        private const val CPU_THREADS = 4

        private fun loadModel(context: Context, asset: String): MappedByteBuffer =
            context.assets.openFd(asset).use { fd ->
                FileInputStream(fd.fileDescriptor).channel.use { ch ->
                    ch.map(FileChannel.MapMode.READ_ONLY, fd.startOffset, fd.declaredLength)
                }
            }

        // The model output is not clipped: clamp before 8-bit.
        private fun to8bit(v: Float) = (v * 255f).roundToInt().coerceIn(0, 255)

        // ITU-R BT.601 as MATLAB rgb2ycbcr, values in [0, 1] (what keras-sr's Y models use).
        private fun lumaY(r: Float, g: Float, b: Float) = (16f + 65.481f * r + 128.553f * g + 24.966f * b) / 255f

        private fun ycbcrToRgb(y: Float, rgb: Int): Int {
            val r = Color.red(rgb) / 255f; val g = Color.green(rgb) / 255f; val b = Color.blue(rgb) / 255f
            val cb = (128f - 37.797f * r - 74.203f * g + 112.0f * b) / 255f
            val cr = (128f + 112.0f * r - 93.786f * g - 18.214f * b) / 255f
            val yy = (y * 255f - 16f) * 1.164383f
            val red = yy + 1.596027f * (cr * 255f - 128f)
            val green = yy - 0.391762f * (cb * 255f - 128f) - 0.812968f * (cr * 255f - 128f)
            val blue = yy + 2.017232f * (cb * 255f - 128f)
            return Color.rgb(red.roundToInt().coerceIn(0, 255), green.roundToInt().coerceIn(0, 255),
                             blue.roundToInt().coerceIn(0, 255))
        }
    }
}
