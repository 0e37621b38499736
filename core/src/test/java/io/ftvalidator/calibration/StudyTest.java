package io.ftvalidator.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ftvalidator.decision.Rule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudyTest {

    /** Hashes {@code bits[i]} low bits away from 0 on image i. */
    private static long[] at(int... bits) {
        long[] h = new long[bits.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = (1L << bits[i]) - 1;
        }
        return h;
    }

    private static Run run(String seed) {
        Map<String, long[]> hashes = new LinkedHashMap<>();
        hashes.put("honest-1", at(0, 0, 0, 0, 0, 0, 0, 0));
        hashes.put("honest-2", at(1, 0, 2, 0, 0, 1, 0, 3));
        hashes.put("dishonest-close", at(2, 12, 10, 9, 14, 8, 10, 12));
        hashes.put("dishonest-far", at(30, 30, 30, 30, 30, 30, 30, 30));
        hashes.put("stress-bf16", at(4, 0, 0, 6, 0, 0, 0, 0));
        hashes.put("someone-else", at(50, 50, 50, 50, 50, 50, 50, 50));
        return new Run("s" + seed, seed, hashes);
    }

    @Test
    void shouldPairHonestReplicasWithEachOtherAndWithEveryOtherKindOnly() {
        List<LabelledPair> pairs = Study.pairs(List.of(run("42")), Truth.Naming.DEFAULT::of);
        assertThat(pairs).extracting(p -> p.kind() + " " + p.first() + "~" + p.second()).containsExactly(
                "DISHONEST dishonest-close~honest-1", "DISHONEST dishonest-close~honest-2",
                "DISHONEST dishonest-far~honest-1", "DISHONEST dishonest-far~honest-2",
                "HONEST honest-1~honest-2", "STRESS honest-1~stress-bf16", "STRESS honest-2~stress-bf16");
        assertThat(pairs.get(0).other()).isEqualTo("dishonest-close");
    }

    @Test
    void shouldFindExtremesOverEveryWindowAndRatesOverDisjointOnes() {
        Study.Report r = Study.analyse(Study.pairs(List.of(run("42"), run("7")), Truth.Naming.DEFAULT::of), List.of(1, 2, 4, 8), 1);
        assertThat(r.images()).isEqualTo(8);
        assertThat(r.honestPairs()).isEqualTo(2);
        assertThat(r.dishonestPairs()).isEqualTo(8);
        Study.ForRule mean = r.rules().get(0);
        assertThat(mean.rule()).isEqualTo(Rule.MEAN);
        Study.AtK k2 = mean.byK().get(1);
        // honest-1 ~ honest-2: 1 0 2 0 0 1 0 3; worst window of 2: (0 + 3) / 2 or (1 + 0)... = 1.5
        assertThat(k2.worstHonest()).isEqualTo(1.5);
        // dishonest-close ~ honest-2: 1 12 8 9 14 7 10 9 (xor of low-bit masks): smallest window mean (1 + 12) / 2
        assertThat(k2.bestDishonest()).isEqualTo(6.5);
        // stress-bf16 ~ honest-2: 3 0 2 6 0 1 0 3: (2 + 6) / 2
        assertThat(k2.worstStress()).isEqualTo(4.0);
        // dishonest-far ~ honest-2: 29 30 28 30 30 29 30 27: (30 + 27) / 2
        assertThat(k2.closest()).containsEntry("dishonest-far", 28.5);
        // T = 1 over disjoint windows of 2 (4 per pair, 8 honest windows): means 0.5 1 0.5 1.5, two reach 1 in each run
        Study.Rates t2 = k2.rates().stream().filter(x -> x.threshold() == 1).findFirst().orElseThrow();
        assertThat(t2.falseRejects()).isEqualTo(4);
        assertThat(t2.honestWindows()).isEqualTo(8);
        assertThat(t2.falseAccepts()).isZero();
        assertThat(t2.dishonestWindows()).isEqualTo(32);
        assertThat(t2.falseAcceptUpper()).isCloseTo(1 - Math.pow(0.025, 1.0 / 32), within(1e-12));
    }

    @Test
    void shouldRecommendTheSmallestKThatLeavesTheMarginInTheMiddle() {
        Study.Report r = Study.analyse(Study.pairs(List.of(run("42")), Truth.Naming.DEFAULT::of), List.of(1, 2, 4, 8), 2);
        // mean: K=1 honest 3 vs dishonest 1 (no); K=2 1.5 vs 6.5 (margin 2.5) -> T = 4
        Recommendation mean = r.rules().get(0).recommendation().orElseThrow();
        assertThat(mean).isEqualTo(new Recommendation(Rule.MEAN, 4.0, 2, 1.5, 6.5));
        assertThat(mean.margin()).isEqualTo(2.5);
        // every-image: honest max 3 on any window; dishonest-close ~ honest-2's smallest window max: K=1 1, K=2 9 (8, 9): T = 6
        Recommendation every = r.rules().get(1).recommendation().orElseThrow();
        assertThat(every).isEqualTo(new Recommendation(Rule.EVERY_IMAGE, 6.0, 2, 3, 9));
        assertThat(r.recommendation()).contains(mean); // a tie goes to the default rule
        // the recommended threshold is among the rated ones
        assertThat(r.rules().get(0).byK().get(1).rates()).anyMatch(x -> x.threshold() == 4.0 && x.falseRejects() == 0 && x.falseAccepts() == 0);
    }

    @Test
    void shouldRecommendNothingWhenNoKLeavesTheMargin() {
        Study.Report r = Study.analyse(Study.pairs(List.of(run("42")), Truth.Naming.DEFAULT::of), List.of(1, 2, 4, 8), 20);
        assertThat(r.recommendation()).isEmpty();
        assertThat(r.rules()).allSatisfy(f -> assertThat(f.recommendation()).isEmpty());
    }

    @Test
    void shouldRefuseAStudyWithoutBothKindsOfPair() {
        Run honestOnly = new Run("x", "1", Map.of("honest-1", at(0), "honest-2", at(1)));
        assertThatThrownBy(() -> Study.analyse(Study.pairs(List.of(honestOnly), Truth.Naming.DEFAULT::of), List.of(1), 1))
                .hasMessage("no dishonest pair: give one or more dishonest submissions (named dishonest-*) beside the honest ones");
    }

    @Test
    void shouldBoundARateByClopperPearson() {
        assertThat(ClopperPearson.upper95(0, 10)).isCloseTo(0.30850, within(1e-5));
        assertThat(ClopperPearson.upper95(1, 10)).isCloseTo(0.44502, within(1e-5));
        assertThat(ClopperPearson.upper95(5, 10)).isCloseTo(0.81291, within(1e-5));
        assertThat(ClopperPearson.upper95(3, 3)).isEqualTo(1.0);
        assertThat(ClopperPearson.upper95(0, 1200)).isCloseTo(0.003070, within(1e-6));
    }
}
