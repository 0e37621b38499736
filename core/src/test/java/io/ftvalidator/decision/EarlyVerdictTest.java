package io.ftvalidator.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.ftvalidator.decision.EarlyVerdict.PairState;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EarlyVerdictTest {

    /** Hashes that differ from 0 by {@code bits[i]} low bits on image i. */
    private static Submission.Rendered at(String id, int... bits) {
        long[] h = new long[bits.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = bits[i] == 64 ? -1L : (1L << bits[i]) - 1;
        }
        return new Submission.Rendered(id, h);
    }

    @Test
    void shouldSettleAMeanPairDifferentOnceItsSumReachesTheThresholdOverAllImages() {
        // T = 5 over 8 images: different once the distances sum to 40
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 5, new int[] {20, 19}, 8)).isEqualTo(PairState.OPEN);
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 5, new int[] {20, 20}, 8)).isEqualTo(PairState.DIFFERENT);
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 5, new int[] {40}, 8)).isEqualTo(PairState.DIFFERENT);
    }

    @Test
    void shouldSettleAMeanPairTheSameOnlyWhenEvenFarRemainingImagesCannotReachTheThreshold() {
        // T = 5 over 8 images: 64 on the one remaining image keeps the sum below 40 only if 7 images sum to less than -24: never
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 5, new int[] {0, 0, 0, 0, 0, 0, 0}, 8)).isEqualTo(PairState.OPEN);
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 5, new int[] {0, 0, 0, 0, 0, 0, 0, 4}, 8)).isEqualTo(PairState.SAME);
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 5, new int[] {0, 0, 0, 0, 0, 0, 0, 40}, 8)).isEqualTo(PairState.DIFFERENT);
        // T = 40 over 4 images: the sum must stay below 160; 3 zeros and 64 on the last: 64 < 160
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 40, new int[] {0, 0, 0}, 4)).isEqualTo(PairState.SAME);
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 40, new int[] {0, 0}, 4)).isEqualTo(PairState.SAME);
        assertThat(EarlyVerdict.pairState(Rule.MEAN, 40, new int[] {30}, 4)).isEqualTo(PairState.OPEN);
    }

    @Test
    void shouldSettleAnEveryImagePairDifferentAtTheFirstFarImageAndTheSameOnlyAtTheEnd() {
        assertThat(EarlyVerdict.pairState(Rule.EVERY_IMAGE, 8, new int[] {0, 8}, 8)).isEqualTo(PairState.DIFFERENT);
        assertThat(EarlyVerdict.pairState(Rule.EVERY_IMAGE, 8, new int[] {7, 7, 7}, 8)).isEqualTo(PairState.OPEN);
        assertThat(EarlyVerdict.pairState(Rule.EVERY_IMAGE, 8, new int[] {7, 7, 7, 7}, 4)).isEqualTo(PairState.SAME);
    }

    @Test
    void shouldEndAPairOfTwoDifferentModelsAsSoonAsTheirMeanIsOutOfReach() {
        List<Submission> two = List.of(at("honest", 0, 0), at("cheat", 30, 20));
        assertThat(EarlyVerdict.isFinal(two, 8, Rule.MEAN, 5)).isTrue();
        assertThat(Decider.decide(two, Rule.MEAN, 5).verdict()).isEqualTo(Verdict.NO_CONSENSUS);
        assertThat(EarlyVerdict.isFinal(List.of(at("honest", 0), at("cheat", 30)), 8, Rule.MEAN, 5)).isFalse();
    }

    @Test
    void shouldWaitForTheHonestPairBeforeNamingAnOutlier() {
        // the cheat is settled different from both, but whether the two honest ones agree is open till the end
        List<Submission> three = List.of(at("honest-1", 0, 0, 0), at("honest-2", 1, 0, 2), at("cheat", 64, 64, 64));
        assertThat(EarlyVerdict.isFinal(three, 4, Rule.MEAN, 5)).isFalse();
        assertThat(EarlyVerdict.isFinal(three, 4, Rule.EVERY_IMAGE, 8)).isFalse();
        List<Submission> all = List.of(at("honest-1", 0, 0, 0, 0), at("honest-2", 1, 0, 2, 0), at("cheat", 64, 64, 64, 64));
        assertThat(EarlyVerdict.isFinal(all, 4, Rule.MEAN, 5)).isTrue();
    }

    @Test
    void shouldEndWhenNoMajorityIsLeftPossible() {
        // four submissions, two pairs far apart: at most two can ever agree, and 2 of 4 is no majority
        List<Submission> four = List.of(at("a", 0, 0), at("b", 1, 1), at("x", 64, 64), at("y", 40, 40));
        assertThat(EarlyVerdict.isFinal(four, 8, Rule.MEAN, 5)).isTrue();
        assertThat(Decider.decide(four, Rule.MEAN, 5).verdict()).isEqualTo(Verdict.NO_CONSENSUS);
    }

    @Test
    void shouldCountAFailedSubmissionForGood() {
        List<Submission> lone = List.of(at("a", 0), new Submission.Failed("b", "NOT_FOUND"), new Submission.Failed("c", "NOT_FOUND"));
        assertThat(EarlyVerdict.isFinal(lone, 8, Rule.MEAN, 5)).isTrue();
        List<Submission> pair = List.of(at("a", 0), at("b", 0), new Submission.Failed("c", "NOT_FOUND"));
        assertThat(EarlyVerdict.isFinal(pair, 8, Rule.MEAN, 5)).isFalse(); // a ~ b decides between OUTLIER and NO_CONSENSUS
    }

    /**
     * Against brute force: for random settled graphs on up to 7 submissions (some failed), the
     * verdict is called final exactly when every completion of the open pairs gives the same
     * verdict and group.
     */
    @Test
    void shouldCallAVerdictFinalExactlyWhenEveryCompletionGivesIt() {
        Random random = new Random(14);
        int finals = 0;
        int open = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            int total = 2 + random.nextInt(6);
            int rendered = 2 + random.nextInt(total - 1);
            int[] lo = new int[rendered];
            int[] hi = new int[rendered];
            List<int[]> openPairs = new ArrayList<>();
            for (int i = 0; i < rendered; i++) {
                for (int j = i + 1; j < rendered; j++) {
                    switch (random.nextInt(3)) {
                        case 0 -> link(lo, i, j);
                        case 1 -> openPairs.add(new int[] {i, j});
                        default -> { }
                    }
                }
            }
            for (int i = 0; i < rendered; i++) {
                hi[i] = lo[i];
            }
            openPairs.forEach(e -> link(hi, e[0], e[1]));
            boolean expected = true;
            Groups.Outcome first = Groups.outcome(total, rendered, lo);
            for (int choice = 0; choice < (1 << openPairs.size()) && expected; choice++) {
                int[] g = lo.clone();
                for (int e = 0; e < openPairs.size(); e++) {
                    if ((choice & (1 << e)) != 0) {
                        link(g, openPairs.get(e)[0], openPairs.get(e)[1]);
                    }
                }
                expected = Groups.outcome(total, rendered, g).sameAs(first);
            }
            assertThat(EarlyVerdict.isFinal(total, rendered, lo, hi)).as("trial %d", trial).isEqualTo(expected);
            if (expected && !openPairs.isEmpty()) {
                finals++;
            } else if (!expected) {
                open++;
            }
        }
        assertThat(finals).as("final with pairs still open").isGreaterThan(1000);
        assertThat(open).as("not final").isGreaterThan(1000);
    }

    private static void link(int[] g, int i, int j) {
        g[i] |= 1 << j;
        g[j] |= 1 << i;
    }
}
