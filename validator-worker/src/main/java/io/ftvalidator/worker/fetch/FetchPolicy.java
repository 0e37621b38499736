package io.ftvalidator.worker.fetch;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a worker may fetch and how much (docs/security.md): schemes ({@code https:} always,
 * {@code http:} and {@code file:} only when the operator enables them), the hosts a submission's
 * model may come from (empty: any host with a public address), addresses exempt from the refusal of
 * private, loopback, link-local and multicast ones, the size caps, the whole-download deadline and
 * the redirects followed.
 *
 * @param hosts host names, exact or {@code *.suffix}; empty: any host
 * @param allowedNetworks CIDR blocks a model may come from although private (an operator's own model store)
 * @param maxSubmissionBytes the largest submitted model (LoRA weights)
 * @param maxBaseBytes the largest base bundle of the allow-list
 * @param deadline the longest one download may take, body included
 * @param cacheBytes downloads kept, least recently used dropped first
 */
public record FetchPolicy(boolean allowHttp, boolean allowFile, List<String> hosts, List<String> allowedNetworks,
        long maxSubmissionBytes, long maxBaseBytes, Duration deadline, int maxRedirects, long cacheBytes) {

    public FetchPolicy {
        hosts = hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        allowedNetworks = List.copyOf(allowedNetworks);
        allowedNetworks.forEach(Addresses::parseNetwork); // malformed: refused at start
        if (maxSubmissionBytes <= 0 || maxBaseBytes <= 0 || deadline.isNegative() || deadline.isZero() || maxRedirects < 0) {
            throw new IllegalArgumentException("fetch limits must be positive: " + maxSubmissionBytes + " bytes, " + maxBaseBytes
                    + " bytes, " + deadline + ", " + maxRedirects + " redirects");
        }
    }

    /** Whether {@code host} is on the host allow-list (true for any host when the list is empty). */
    public boolean hostAllowed(String host) {
        if (hosts.isEmpty()) {
            return true;
        }
        return hosts.stream().anyMatch(h -> onList(h, host.toLowerCase(Locale.ROOT)));
    }

    /** Whether the operator named {@code host} itself: its trouble is the fleet's, not one submitter's. */
    public boolean operatorHost(String host) {
        return !hosts.isEmpty() && hostAllowed(host);
    }

    private static boolean onList(String entry, String host) {
        return entry.startsWith("*.") ? host.endsWith(entry.substring(1)) : host.equals(entry);
    }
}
