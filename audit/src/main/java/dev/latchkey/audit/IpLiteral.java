package dev.latchkey.audit;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Strict parsing of an IP address literal into one canonical text form (dotted quad; RFC 5952 for IPv6; an
 * IPv4-mapped IPv6 address becomes its IPv4 address). Never resolves names.
 */
final class IpLiteral {

    private static final Pattern IPV4 = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private IpLiteral() {}

    static String canonical(String literal) {
        String s = literal.strip();
        if (s.length() > 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') {
            s = s.substring(1, s.length() - 1);
        }
        if (s.indexOf(':') < 0) {
            if (!IPV4.matcher(s).matches()) {
                throw new IllegalArgumentException("source IP is not an IP address literal");
            }
            StringBuilder out = new StringBuilder(15);
            for (String octet : s.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    throw new IllegalArgumentException("source IP is not an IP address literal");
                }
                out.append(out.isEmpty() ? "" : ".").append(Integer.parseInt(octet));
            }
            return out.toString();
        }
        if (!IPV6.matcher(s).matches()) {
            throw new IllegalArgumentException("source IP is not an IP address literal");
        }
        InetAddress address;
        try {
            // Brackets make the JDK parse an IPv6 literal or fail; it never falls back to a name lookup.
            address = InetAddress.getByName("[" + s + "]");
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new IllegalArgumentException("source IP is not an IP address literal");
        }
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        if (address instanceof Inet6Address) {
            return rfc5952(address.getAddress());
        }
        throw new IllegalArgumentException("source IP is not an IP address literal");
    }

    /** RFC 5952 §4: lower-case hex, no leading zeros, the first longest run of two or more zero groups as "::". */
    private static String rfc5952(byte[] b) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
