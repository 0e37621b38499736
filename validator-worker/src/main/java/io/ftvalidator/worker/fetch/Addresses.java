package io.ftvalidator.worker.fetch;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Which addresses a worker may fetch from: never its own machine, its private networks, link-local
 * ones (cloud metadata services at 169.254.169.254), multicast or unspecified ones, whatever name
 * leads there, unless the operator exempts a network (an own model store). Checked on every
 * address a name resolves to, and again on every redirect.
 */
final class Addresses {

    private Addresses() {}

    /** The reason {@code address} is refused, or null when a model may come from it. */
    static String refusal(InetAddress address, List<String> allowedNetworks) {
        for (String network : allowedNetworks) {
            if (contains(network, address)) {
                return null;
            }
        }
        InetAddress a = unmapped(address);
        if (a.isLoopbackAddress()) {
            return "a loopback address";
        }
        if (a.isAnyLocalAddress()) {
            return "an unspecified address";
        }
        if (a.isLinkLocalAddress()) {
            return "a link-local address";
        }
        if (a.isSiteLocalAddress() || uniqueLocal(a) || sharedOrReserved(a)) {
            return "a private address";
        }
        if (a.isMulticastAddress()) {
            return "a multicast address";
        }
        return null;
    }

    /** An IPv4-mapped IPv6 address as the IPv4 address it is. */
    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return a;
    }

    /** fc00::/7, IPv6's private networks. */
    private static boolean uniqueLocal(InetAddress a) {
        return a instanceof Inet6Address && (a.getAddress()[0] & 0xfe) == 0xfc;
    }

    /** 100.64.0.0/10 (carrier-grade NAT, often cluster-internal), 0.0.0.0/8, 192.0.0.0/24, 198.18.0.0/15, 240.0.0.0/4. */
    private static boolean sharedOrReserved(InetAddress a) {
        if (!(a instanceof Inet4Address)) {
            return false;
        }
        int b0 = a.getAddress()[0] & 0xff;
        int b1 = a.getAddress()[1] & 0xff;
        int b2 = a.getAddress()[2] & 0xff;
        return (b0 == 100 && b1 >= 64 && b1 < 128) || b0 == 0 || (b0 == 192 && b1 == 0 && b2 == 0)
                || (b0 == 198 && (b1 == 18 || b1 == 19)) || b0 >= 240;
    }

    /** Whether {@code address} is in {@code cidr} ({@code 10.1.0.0/16}, {@code fd00::/8}, or one address). */
    static boolean contains(String cidr, InetAddress address) {
        Object[] network = parseNetwork(cidr);
        InetAddress base = (InetAddress) network[0];
        int bits = (Integer) network[1];
        InetAddress a = unmapped(address);
        if (base.getAddress().length != a.getAddress().length) {
            return false;
        }
        int width = a.getAddress().length * 8;
        BigInteger mask = BigInteger.ONE.shiftLeft(width).subtract(BigInteger.ONE).shiftRight(bits).not();
        return new BigInteger(1, a.getAddress()).and(mask).equals(new BigInteger(1, base.getAddress()).and(mask));
    }

    /** {@code [address, prefix bits]}; an IP literal, never a name (no lookup). */
    static Object[] parseNetwork(String cidr) {
        String[] parts = cidr.strip().split("/", 2);
        if (!parts[0].matches("[0-9a-fA-F:.]+")) {
            throw new IllegalArgumentException("'" + cidr + "' is not a network (address/bits)");
        }
        try {
            InetAddress base = InetAddress.getByName(parts[0]);
            int width = base.getAddress().length * 8;
            int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : width;
            if (bits < 0 || bits > width) {
                throw new IllegalArgumentException("'" + cidr + "': prefix must be in 0.." + width);
            }
            return new Object[] {base, bits};
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + cidr + "' is not a network (address/bits)", e);
        }
    }
}
