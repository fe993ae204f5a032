package dev.incubator.engine;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** The kernels on the Vector API (8 lanes with AVX2): only loaded when the JVM has jdk.incubator.vector. */
final class VectorKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private VectorKernels() {
    }

    static float dot(float[] a, int aOffset, float[] b, int bOffset, int length) {
        FloatVector sum = FloatVector.zero(SPECIES);
        int i = 0;
        int bound = SPECIES.loopBound(length);
        for (; i < bound; i += SPECIES.length()) {
            sum = FloatVector.fromArray(SPECIES, a, aOffset + i).fma(FloatVector.fromArray(SPECIES, b, bOffset + i), sum);
        }
        // Lanes summed in a fixed order: reduceLanes leaves its order open, and the interpreted and compiled forms of
        // it differ in the last bit, so a run's first calls would not give what later calls give.
        float result = 0;
        for (int lane = 0; lane < SPECIES.length(); lane++) {
            result += sum.lane(lane);
        }
        for (; i < length; i++) {
            result += a[aOffset + i] * b[bOffset + i];
        }
        return result;
    }

    /** y[yOffset..] += w * x[xOffset..] */
    static void axpy(float w, float[] x, int xOffset, float[] y, int yOffset, int length) {
        FloatVector weight = FloatVector.broadcast(SPECIES, w);
        int i = 0;
        int bound = SPECIES.loopBound(length);
        for (; i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, xOffset + i).fma(weight, FloatVector.fromArray(SPECIES, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < length; i++) {
            y[yOffset + i] += w * x[xOffset + i];
        }
    }

    static String describe() {
        return "Vector API, " + SPECIES.length() + " lanes";
    }
}
