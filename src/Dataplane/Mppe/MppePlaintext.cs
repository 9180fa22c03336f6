using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// The evidence that an MPPE packet belongs to its session. MPPE (RFC 3078) has no integrity check, so the only
/// proof that a packet was encrypted with the session's keys is that it decrypts to something well-formed: the PPP
/// protocol field (RFC 3078 §3: the encrypted part starts with it, compressed when PFC was agreed) names IPv4, the
/// only network protocol carried here, and the datagram has version 4, a header length of at least 5 words, a
/// total length equal to what the frame holds, and a valid header checksum (RFC 791 §3.1). A forgery (random
/// ciphertext, a wrong coherency count) passes this with probability about 2^-48: 8 bits of protocol, 8 of
/// version/IHL, 16 of length, 16 of checksum.
/// </summary>
/// <remarks>
/// The receive path decrypts tentatively (on a copy of the key state), checks the plaintext with
/// <see cref="IsWellFormed"/>, and only then commits the MPPE state, the GRE receive window and the acknowledgment
/// owed. A real packet lost in transit or corrupted also fails, and is dropped without disturbing anything.
/// </remarks>
public static class MppePlaintext
{
    /// <summary>
    /// True when <paramref name="plaintext"/> (the decrypted data after the 2-octet MPPE header: PPP protocol
    /// field, then the datagram) is a well-formed IPv4 frame. <paramref name="protocolLength"/> receives the
    /// length of the protocol field (1 when compressed, RFC 1661 §6.5), valid when the result is true.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWellFormed(ReadOnlySpan<byte> plaintext, out int protocolLength)
    {
        protocolLength = 0;
        if (plaintext.Length < 1 + Ipv4Header.MinHeaderLength)
            return false;
        int length = (plaintext[0] & 1) != 0 ? 1 : 2;
        ushort protocol = length == 1 ? plaintext[0] : BinaryPrimitives.ReadUInt16BigEndian(plaintext);
        if (protocol != PppProtocol.Ipv4)
            return false;
        protocolLength = length;
        return IsWellFormedIpv4(plaintext[length..]);
    }

    /// <summary>
    /// True when <paramref name="datagram"/> is exactly one IPv4 datagram: version 4, IHL ≥ 5, total length =
    /// the span's length, header checksum valid (RFC 791 §3.1, RFC 1071).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsWellFormedIpv4(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Ipv4Header.MinHeaderLength)
            return false;
        int versionAndLength = datagram[0];
        int headerLength = (versionAndLength & 0x0F) * 4;
        if ((versionAndLength >> 4) != 4 || headerLength < Ipv4Header.MinHeaderLength || headerLength > datagram.Length)
            return false;
        if (BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]) != datagram.Length)
            return false;
        // The one's-complement sum over a header with its checksum is 0xFFFF: Compute returns 0.
        return InternetChecksum.Compute(datagram[..headerLength]) == 0;
    }
}
