package io.ftvalidator.engine.lora;

import java.util.Arrays;

/** A float32 tensor read from a LoRA file, kept on the heap until it is merged on a device. */
public record Tensor(long[] shape, float[] data) {

    public long size(int dim) {
        return shape[dim];
    }

    public int rank() {
        return shape.length;
    }

    /** The number of elements per entry of dimension 0. */
    public long rowSize() {
        return shape.length == 0 ? 1 : data.length / Math.max(1, shape[0]);
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }
}
