package dev.incubator.engine;

/**
 * The forward pass's inner loops: on the Vector API when the JVM runs with {@code --add-modules
 * jdk.incubator.vector} (about 4.7 times the scalar loop here), else plain Java with four accumulators.
 */
final class Kernels {
    static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && usable();

    private Kernels() {
    }

    private static boolean usable() {
        try {
            return VectorKernels.dot(new float[16], 0, new float[16], 0, 16) == 0f;
        } catch (LinkageError e) {
            return false;
        }
    }

    /** How the kernels run, for logs and benchmarks. */
    static String describe() {
        return VECTOR ? VectorKernels.describe() : "scalar Java (run with --add-modules jdk.incubator.vector for the"
                + " Vector API)";
    }

    static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        if (VECTOR) {
            return VectorKernels.dot(a, aOffset, b, bOffset, length);
        }
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < length; i += 4) {
            s0 += a[aOffset + i] * b[bOffset + i];
            s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
            s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
            s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
        }
        for (; i < length; i++) {
            s0 += a[aOffset + i] * b[bOffset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    static void axpy(float w, float[] x, int xOffset, float[] y, int yOffset, int length) {
        if (VECTOR) {
            VectorKernels.axpy(w, x, xOffset, y, yOffset, length);
            return;
        }
        for (int i = 0; i < length; i++) {
            y[yOffset + i] += w * x[xOffset + i];
        }
    }
}
