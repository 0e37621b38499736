package io.ftvalidator.calibration;

/**
 * Exact (Clopper-Pearson) confidence bounds of a binomial rate: the upper end of the two-sided 95 %
 * interval of x events in n trials is the p at which seeing x or fewer has probability 2.5 %.
 * For x = 0 it is 1 - 0.025^(1/n), about 3.7 / n.
 */
public final class ClopperPearson {

    /** The two-sided 95 % interval's tail probability on each side. */
    static final double TAIL = 0.025;

    private ClopperPearson() {}

    /** The upper end of the two-sided 95 % interval of {@code x} of {@code n}; 1 when x = n; NaN when n = 0. */
    public static double upper95(int x, int n) {
        if (n <= 0) {
            return Double.NaN;
        }
        if (x < 0 || x > n) {
            throw new IllegalArgumentException(x + " of " + n);
        }
        if (x == n) {
            return 1;
        }
        if (x == 0) {
            return 1 - Math.pow(TAIL, 1.0 / n);
        }
        // P(X <= x; n, p) falls as p grows: bisect for the p where it equals the tail
        double lo = (double) x / n;
        double hi = 1;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (binomialCdf(x, n, mid) > TAIL) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (lo + hi) / 2;
    }

    /** P(X <= x) for X ~ Binomial(n, p), summed in log space. */
    static double binomialCdf(int x, int n, double p) {
        double logP = Math.log(p);
        double logQ = Math.log1p(-p);
        double sum = 0;
        double logChoose = 0; // log C(n, 0)
        for (int k = 0; k <= x; k++) {
            if (k > 0) {
                logChoose += Math.log((double) (n - k + 1) / k);
            }
            sum += Math.exp(logChoose + k * logP + (n - k) * logQ);
        }
        return Math.min(1, sum);
    }
}
