package io.ftvalidator.engine.hash;

import java.io.IOException;
import java.nio.file.Path;

/** STUB until the hash branch merges: goimagehash on 8-bit RGB only (port of python/phash_go.py). */
public enum HashAlgorithm {
    GOIMAGEHASH, IMAGEHASH;
    public String id() { return name().toLowerCase(); }
    public static HashAlgorithm parse(String s) {
        try { return valueOf(s.toUpperCase()); } catch (IllegalArgumentException e) { throw new IllegalArgumentException("unknown hash algorithm '" + s + "': use goimagehash or imagehash"); }
    }
    public long hash(Path p) throws IOException, ImageFormatException { throw new ImageFormatException("stub"); }

    private static int[][] weights(int dst, int src) {
        double scale = (double) src / dst;
        int taps = 2 * Math.max((int) Math.ceil(scale), 1);
        double factor = Math.min(1.0 / scale, 1.0);
        int[][] w = new int[dst][src];
        for (int y = 0; y < dst; y++) {
            double x = scale * (y + 0.5) - 0.5;
            int start = (int) x - taps / 2 + 1;
            x -= start;
            for (int i = 0; i < taps; i++) {
                double k = Math.abs((x - i) * factor);
                int c = (int) ((k <= 1.0 ? 1.0 - k : 0.0) * 256);
                if (c != 0) w[y][Math.min(Math.max(start + i, 0), src - 1)] += c;
            }
        }
        return w;
    }

    public long hashRgb(byte[] rgb, int width, int height) {
        int n = 64;
        long[][][] tmp = new long[height][n][3];
        int[][] wx = weights(n, width);
        for (int y = 0; y < height; y++) for (int d = 0; d < n; d++) {
            long sum = 0; long[] acc = new long[3];
            for (int x = 0; x < width; x++) { int c = wx[d][x]; if (c == 0) continue; sum += c;
                for (int ch = 0; ch < 3; ch++) acc[ch] += (long) c * (rgb[3 * (y * width + x) + ch] & 255); }
            for (int ch = 0; ch < 3; ch++) tmp[y][d][ch] = Math.min(255, Math.max(0, Math.floorDiv(acc[ch], sum)));
        }
        int[][] wy = weights(n, height);
        double[][] grey = new double[n][n];
        for (int d = 0; d < n; d++) for (int x = 0; x < n; x++) {
            long sum = 0; long[] acc = new long[3];
            for (int y = 0; y < height; y++) { int c = wy[d][y]; if (c == 0) continue; sum += c; for (int ch = 0; ch < 3; ch++) acc[ch] += c * tmp[y][x][ch]; }
            double[] v = new double[3];
            for (int ch = 0; ch < 3; ch++) v[ch] = Math.min(255, Math.max(0, Math.floorDiv(acc[ch], sum)));
            grey[d][x] = 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
        }
        double[] coef = new double[64];
        for (int u = 0; u < 8; u++) for (int v = 0; v < 8; v++) {
            double s = 0;
            for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) s += Math.cos(Math.PI / n * (y + 0.5) * u) * grey[y][x] * Math.cos(Math.PI / n * (x + 0.5) * v);
            coef[u * 8 + v] = s;
        }
        double[] seq = coef.clone();
        int k = 32, low = 0, hi = 63;
        while (low < hi) { int pivot = low / 2 + hi / 2; double pv = seq[pivot]; int store = low;
            double t = seq[pivot]; seq[pivot] = seq[hi]; seq[hi] = t;
            for (int i = low; i < hi; i++) if (seq[i] < pv) { t = seq[store]; seq[store] = seq[i]; seq[i] = t; store++; }
            t = seq[hi]; seq[hi] = seq[store]; seq[store] = t;
            if (k <= store) hi = store; else low = store + 1; }
        double median = seq[k - 1] / 2 + seq[k] / 2;
        long h = 0;
        for (double c : coef) h = (h << 1) | (c > median ? 1 : 0);
        return h;
    }
    public static String hex(long h) { return String.format("%016x", h); }
}
