package io.ftvalidator.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DeciderTest {

    /** Hashes that differ from {@code base} by {@code bits[i]} low bits on image i. */
    private static Submission.Rendered near(String id, long[] base, int... bits) {
        long[] h = base.clone();
        for (int i = 0; i < h.length; i++) {
            h[i] ^= (1L << bits[i]) - 1;
        }
        return new Submission.Rendered(id, h);
    }

    private static final long[] BASE = {0x0123456789abcdefL, 0xfedcba9876543210L, 0x0f0f0f0f0f0f0f0fL, 0x5555aaaa5555aaaaL};

    @Test
    void shouldComputeHammingDistancesPerImage() {
        Decision d = Decider.decide(List.of(near("a", BASE, 0, 0, 0, 0), near("b", BASE, 1, 3, 0, 8)), Rule.MEAN, 5);
        PairScore pair = d.pairs().get(0);
        assertThat(pair.distances()).containsExactly(1, 3, 0, 8);
        assertThat(pair.mean()).isEqualTo(3.0);
        assertThat(pair.max()).isEqualTo(8);
        assertThat(PairScore.hamming(0L, -1L)).isEqualTo(64);
    }

    @Test
    void shouldCallAPairSameByMeanButDifferentByEveryImageWhenOneImageIsFar() {
        List<Submission.Rendered> pair = List.of(near("a", BASE, 0, 0, 0, 0), near("b", BASE, 1, 3, 0, 8));
        assertThat(Decider.decide(pair, Rule.MEAN, 5).verdict()).isEqualTo(Verdict.AGREED);
        Decision strict = Decider.decide(pair, Rule.EVERY_IMAGE, 5);
        assertThat(strict.verdict()).isEqualTo(Verdict.NO_CONSENSUS);
        assertThat(strict.reason()).isEqualTo("no two submissions are the same model");
    }

    @Test
    void shouldUseStrictlyLessThanTheThreshold() {
        List<Submission.Rendered> pair = List.of(near("a", BASE, 0, 0, 0, 0), near("b", BASE, 5, 5, 5, 5));
        assertThat(Decider.decide(pair, Rule.MEAN, 5).pairs().get(0).same()).isFalse();
        assertThat(Decider.decide(pair, Rule.MEAN, 5.5).pairs().get(0).same()).isTrue();
        assertThat(Decider.decide(pair, Rule.EVERY_IMAGE, 5).pairs().get(0).same()).isFalse();
        assertThat(Decider.decide(pair, Rule.EVERY_IMAGE, 6).pairs().get(0).same()).isTrue();
    }

    @Test
    void shouldNameTheOutlierInAGroupOfThree() {
        Decision d = Decider.decide(
                List.of(near("honest-1", BASE, 0, 0, 0, 0), near("cheat", BASE, 20, 20, 20, 20), near("honest-2", BASE, 1, 2, 1, 0)),
                Rule.MEAN, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.OUTLIER);
        assertThat(d.agreeing()).containsExactly("honest-1", "honest-2");
        assertThat(d.outliers()).containsExactly("cheat");
        assertThat(d.reason()).isEqualTo("2 of 3 agree; [cheat] is the outlier");
    }

    @Test
    void shouldAgreeWhenAllThreeMatch() {
        Decision d = Decider.decide(
                List.of(near("a", BASE, 0, 0, 0, 0), near("b", BASE, 1, 1, 1, 1), near("c", BASE, 2, 2, 2, 2)), Rule.EVERY_IMAGE, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.AGREED);
        assertThat(d.agreeing()).containsExactly("a", "b", "c");
        assertThat(d.pairs()).hasSize(3).allMatch(PairScore::same);
    }

    @Test
    void shouldFindNoConsensusWhenNoPairMatches() {
        long[] other = {1L, 2L, 3L, 4L};
        Decision d = Decider.decide(
                List.of(near("a", BASE, 0, 0, 0, 0), near("b", BASE, 30, 30, 30, 30), new Submission.Rendered("c", other)), Rule.MEAN, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.NO_CONSENSUS);
        assertThat(d.outliers()).isEmpty();
    }

    @Test
    void shouldBlameNobodyWhenTwoMajoritiesOverlap() {
        // a~b (3 bits) and b~c (3 bits) but a and c are 6 bits apart on every image
        long[] b = BASE;
        long[] a = BASE.clone();
        long[] c = BASE.clone();
        for (int i = 0; i < 4; i++) {
            a[i] ^= 0b111L;
            c[i] ^= 0b111000L;
        }
        Decision d = Decider.decide(
                List.of(new Submission.Rendered("a", a), new Submission.Rendered("b", b), new Submission.Rendered("c", c)), Rule.MEAN, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.NO_CONSENSUS);
        assertThat(d.reason()).startsWith("2 different majorities agree");
    }

    @Test
    void shouldCountAFailedSubmissionAsAnOutlierWhenTheOtherTwoMatch() {
        Decision d = Decider.decide(
                List.of(near("a", BASE, 0, 0, 0, 0), new Submission.Failed("b", "model cannot be fetched"), near("c", BASE, 1, 0, 1, 0)),
                Rule.MEAN, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.OUTLIER);
        assertThat(d.outliers()).containsExactly("b");
        assertThat(d.failed()).containsExactly("b");
        assertThat(d.pairs()).hasSize(1);
    }

    @Test
    void shouldBeInconclusiveWithFewerThanTwoRenderedSubmissions() {
        Decision d = Decider.decide(
                List.of(near("a", BASE, 0, 0, 0, 0), new Submission.Failed("b", "x"), new Submission.Failed("c", "y")), Rule.MEAN, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(d.reason()).isEqualTo("1 of 3 submissions rendered; two are needed to compare");
    }

    @Test
    void shouldFindTheMajorityAmongFive() {
        Decision d = Decider.decide(
                List.of(near("a", BASE, 0, 0, 0, 0), near("b", BASE, 1, 1, 1, 1), near("c", BASE, 2, 1, 0, 1),
                        near("x", BASE, 40, 40, 40, 40), new Submission.Rendered("y", new long[] {7, 7, 7, 7})),
                Rule.MEAN, 5);
        assertThat(d.verdict()).isEqualTo(Verdict.OUTLIER);
        assertThat(d.agreeing()).containsExactly("a", "b", "c");
        assertThat(d.outliers()).containsExactly("x", "y");
    }

    @Test
    void shouldRefuseBadInput() {
        assertThatThrownBy(() -> Decider.decide(List.of(near("a", BASE, 0, 0, 0, 0)), Rule.MEAN, 5))
                .hasMessage("a decision needs 2..16 submissions, got 1");
        assertThatThrownBy(() -> Decider.decide(
                        List.of(near("a", BASE, 0, 0, 0, 0), new Submission.Rendered("b", new long[] {1})), Rule.MEAN, 5))
                .hasMessageContaining("a pair needs the same, non-zero count");
        assertThatThrownBy(() -> Rule.parse("median")).hasMessage("unknown rule 'median': use mean or every-image");
        assertThat(Rule.parse("every-image")).isEqualTo(Rule.EVERY_IMAGE);
    }
}
