using System.Buffers.Binary;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.ControlPlane.Ppp;

/// <summary>
/// The data of the LCP Authentication-Protocol option (type 3, RFC 1661 §6.2) as it names a <see cref="PppAuthProtocol"/>:
/// C0 23 for PAP; C2 23 followed by the algorithm 05, 80 or 81 for CHAP, MS-CHAPv1, MS-CHAPv2. The option's Type and
/// Length octets are the LCP codec's business; these methods see only the data after them.
/// </summary>
public static class PppAuthProtocolOption
{
    /// <summary>PPP protocol number of PAP (RFC 1334 §2.1).</summary>
    public const ushort PapProtocol = 0xC023;
    /// <summary>PPP protocol number of CHAP (RFC 1994 §3).</summary>
    public const ushort ChapProtocol = 0xC223;
    /// <summary>The longest option data: CHAP protocol + algorithm.</summary>
    public const int MaxDataLength = 3;

    /// <summary>Gateway preference, most preferred first: MS-CHAPv2 &gt; MS-CHAPv1 &gt; CHAP &gt; PAP.</summary>
    public static ReadOnlySpan<PppAuthProtocol> PreferenceOrder =>
        [PppAuthProtocol.MsChapV2, PppAuthProtocol.MsChapV1, PppAuthProtocol.Chap, PppAuthProtocol.Pap];

    /// <summary>The set holding just <paramref name="protocol"/>.</summary>
    public static PppAuthProtocols ToSet(this PppAuthProtocol protocol) => (PppAuthProtocols)(1 << (int)protocol);

    /// <summary>True when <paramref name="set"/> holds <paramref name="protocol"/>.</summary>
    public static bool Contains(this PppAuthProtocols set, PppAuthProtocol protocol) => (set & protocol.ToSet()) != 0;

    /// <summary>The CHAP algorithm octet of a CHAP-family protocol; null for PAP.</summary>
    public static ChapAlgorithm? GetChapAlgorithm(this PppAuthProtocol protocol) => protocol switch
    {
        PppAuthProtocol.Chap => ChapAlgorithm.Md5,
        PppAuthProtocol.MsChapV1 => ChapAlgorithm.MsChapV1,
        PppAuthProtocol.MsChapV2 => ChapAlgorithm.MsChapV2,
        _ => null,
    };

    /// <summary>The most preferred protocol in <paramref name="configured"/>; false when the set is empty.</summary>
    public static bool TrySelectPreferred(PppAuthProtocols configured, out PppAuthProtocol protocol)
    {
        foreach (PppAuthProtocol candidate in PreferenceOrder)
        {
            if (configured.Contains(candidate))
            {
                protocol = candidate;
                return true;
            }
        }
        protocol = default;
        return false;
    }

    /// <summary>
    /// The next protocol to offer after the peer refused <paramref name="refused"/> (Configure-Nak/-Reject): the most
    /// preferred configured protocol that is less preferred than <paramref name="refused"/>. False when none is
    /// left, in which case LCP must fail (Windows reports error 732).
    /// </summary>
    public static bool TrySelectNext(PppAuthProtocols configured, PppAuthProtocol refused, out PppAuthProtocol protocol)
    {
        PppAuthProtocols lessPreferred = (PppAuthProtocols)((1 << (int)refused) - 1);
        return TrySelectPreferred(configured & lessPreferred, out protocol);
    }

    /// <summary>Parses the option data. Never throws.</summary>
    public static PppAuthProtocolOptionError TryParse(ReadOnlySpan<byte> data, out PppAuthProtocol protocol)
    {
        protocol = default;
        if (data.Length < 2)
            return PppAuthProtocolOptionError.TooShort;
        switch (BinaryPrimitives.ReadUInt16BigEndian(data))
        {
            case PapProtocol:
                if (data.Length != 2)
                    return PppAuthProtocolOptionError.UnexpectedData;
                protocol = PppAuthProtocol.Pap;
                return PppAuthProtocolOptionError.None;
            case ChapProtocol:
                if (data.Length < 3)
                    return PppAuthProtocolOptionError.MissingChapAlgorithm;
                PppAuthProtocol? chap = (ChapAlgorithm)data[2] switch
                {
                    ChapAlgorithm.Md5 => PppAuthProtocol.Chap,
                    ChapAlgorithm.MsChapV1 => PppAuthProtocol.MsChapV1,
                    ChapAlgorithm.MsChapV2 => PppAuthProtocol.MsChapV2,
                    _ => null,
                };
                if (chap is null)
                    return PppAuthProtocolOptionError.UnknownChapAlgorithm;
                if (data.Length != 3)
                    return PppAuthProtocolOptionError.UnexpectedData;
                protocol = chap.Value;
                return PppAuthProtocolOptionError.None;
            default:
                return PppAuthProtocolOptionError.UnknownProtocol;
        }
    }

    /// <summary>
    /// Writes the option data for <paramref name="protocol"/> (2 octets for PAP, 3 for the CHAP family). Returns false
    /// when <paramref name="destination"/> is too small; throws for a value outside the enum.
    /// </summary>
    public static bool TryWrite(PppAuthProtocol protocol, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = 0;
        if (protocol == PppAuthProtocol.Pap)
        {
            if (destination.Length < 2)
                return false;
            BinaryPrimitives.WriteUInt16BigEndian(destination, PapProtocol);
            bytesWritten = 2;
            return true;
        }
        ChapAlgorithm algorithm = protocol.GetChapAlgorithm()
            ?? throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Not an authentication protocol.");
        if (destination.Length < 3)
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, ChapProtocol);
        destination[2] = (byte)algorithm;
        bytesWritten = 3;
        return true;
    }
}
