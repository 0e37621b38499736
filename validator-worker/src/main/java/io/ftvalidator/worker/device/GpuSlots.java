package io.ftvalidator.worker.device;

/**
 * How many renders a GPU runs at once, from measured memory: each slot holds its own loaded model
 * and its activations, so a slot costs what one render on a fresh slot added to the card's use.
 */
public final class GpuSlots {

    private GpuSlots() {}

    /**
     * @param cardBytes the card's memory
     * @param usedBeforeBytes in use before the first slot loaded anything (other processes, the
     *     CUDA context)
     * @param perSlotBytes measured: in use after one render on a fresh slot, less {@code usedBeforeBytes}
     * @param share the share of the card the slots may fill, for fragmentation and peaks
     * @param max the most slots, however large the card
     * @return at least 1: a card too small for one slot still gets one, and its out-of-memory
     *     failures go to other workers
     */
    public static int count(long cardBytes, long usedBeforeBytes, long perSlotBytes, double share, int max) {
        if (perSlotBytes <= 0 || share <= 0 || share > 1 || max < 1) {
            throw new IllegalArgumentException("per-slot bytes " + perSlotBytes + ", share " + share + ", max " + max);
        }
        long free = (long) (cardBytes * share) - usedBeforeBytes;
        return (int) Math.max(1, Math.min(max, free / perSlotBytes));
    }
}
