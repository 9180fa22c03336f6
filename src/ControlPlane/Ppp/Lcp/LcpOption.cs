using System.Buffers.Binary;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.Dataplane.Packets;

namespace PptpGw.ControlPlane.Ppp.Lcp;

/// <summary>Why an LCP option's value could not be decoded.</summary>
public enum LcpOptionError
{
    None = 0,
    /// <summary>The Length does not match what RFC 1661 §6 (or RFC 1570, RFC 1990, RFC 1994) gives this option type.</summary>
    BadLength,
}

/// <summary>
/// A typed view of an LCP Configuration Option. Lengths are validated by <see cref="TryDecode"/>; each
/// typed property returns its value only when <see cref="Type"/> matches (0 or empty otherwise).
/// Types without typed decoding (<see cref="IsKnown"/> false) are still returned, with <see cref="Option"/>
/// intact for a verbatim Configure-Reject.
/// </summary>
public readonly ref struct LcpOption
{
    /// <summary>The raw TLV.</summary>
    public ConfigurationOption Option { get; }
    public LcpOptionType Type => (LcpOptionType)Option.Type;

    private LcpOption(ConfigurationOption option) => Option = option;

    /// <summary>True for the types this codec decodes (MRU, ACCM, Auth, Quality, Magic, PFC, ACFC, Callback, MRRU).</summary>
    public bool IsKnown => IsKnownType(Type);

    /// <summary>RFC 1661 §6.1: the largest Information field the sender of the option can receive.</summary>
    public ushort MaximumReceiveUnit => Type == LcpOptionType.MaximumReceiveUnit ? ReadUInt16(0) : (ushort)0;
    /// <summary>RFC 1662 §7.1: the async control character map (meaningless over PPTP, but negotiated).</summary>
    public uint AsyncControlCharacterMap => Type == LcpOptionType.AsyncControlCharacterMap ? ReadUInt32(0) : 0;
    /// <summary>RFC 1661 §6.2: the authentication protocol number (PAP 0xC023, CHAP 0xC223 …).</summary>
    public ushort AuthenticationProtocol => Type == LcpOptionType.AuthenticationProtocol ? ReadUInt16(0) : (ushort)0;
    /// <summary>The Data after the authentication protocol number (for CHAP, the one Algorithm octet).</summary>
    public ReadOnlySpan<byte> AuthenticationData => Type == LcpOptionType.AuthenticationProtocol ? Option.Data[2..] : default;
    /// <summary>RFC 1994 §3: the CHAP Algorithm; 0 unless this is an Authentication-Protocol option naming CHAP.</summary>
    public ChapAlgorithm ChapAlgorithm => AuthenticationProtocol == PppProtocol.Chap ? (ChapAlgorithm)Option.Data[2] : 0;
    /// <summary>RFC 1661 §6.3: the link quality monitoring protocol (0xC025 LQR).</summary>
    public ushort QualityProtocol => Type == LcpOptionType.QualityProtocol ? ReadUInt16(0) : (ushort)0;
    /// <summary>RFC 1661 §6.3: the protocol-specific data after <see cref="QualityProtocol"/>.</summary>
    public ReadOnlySpan<byte> QualityData => Type == LcpOptionType.QualityProtocol ? Option.Data[2..] : default;
    /// <summary>RFC 1661 §6.4: the Magic-Number (zero is illegal and must be Nak'd, which is policy, not parsing).</summary>
    public uint MagicNumber => Type == LcpOptionType.MagicNumber ? ReadUInt32(0) : 0;
    /// <summary>RFC 1570 §2.3: the callback Operation.</summary>
    public LcpCallbackOperation CallbackOperation => Type == LcpOptionType.Callback ? (LcpCallbackOperation)Option.Data[0] : 0;
    /// <summary>RFC 1570 §2.3: the callback Message after the Operation.</summary>
    public ReadOnlySpan<byte> CallbackMessage => Type == LcpOptionType.Callback ? Option.Data[1..] : default;
    /// <summary>RFC 1990 §5.1.1: Max-Receive-Reconstructed-Unit.</summary>
    public ushort MultilinkMrru => Type == LcpOptionType.MultilinkMrru ? ReadUInt16(0) : (ushort)0;

    private ushort ReadUInt16(int offset) => BinaryPrimitives.ReadUInt16BigEndian(Option.Data[offset..]);
    private uint ReadUInt32(int offset) => BinaryPrimitives.ReadUInt32BigEndian(Option.Data[offset..]);

    /// <summary>True when <paramref name="type"/> has typed decoding here.</summary>
    public static bool IsKnownType(LcpOptionType type) => type is LcpOptionType.MaximumReceiveUnit
        or LcpOptionType.AsyncControlCharacterMap or LcpOptionType.AuthenticationProtocol
        or LcpOptionType.QualityProtocol or LcpOptionType.MagicNumber or LcpOptionType.ProtocolFieldCompression
        or LcpOptionType.AddressAndControlFieldCompression or LcpOptionType.Callback or LcpOptionType.MultilinkMrru;

    /// <summary>Validates the option's length for its type and returns the typed view. Never throws.</summary>
    public static LcpOptionError TryDecode(ConfigurationOption option, out LcpOption value)
    {
        value = default;
        int length = option.Length;
        bool ok = (LcpOptionType)option.Type switch
        {
            LcpOptionType.MaximumReceiveUnit => length == 4,          // RFC 1661 §6.1
            LcpOptionType.AsyncControlCharacterMap => length == 6,    // RFC 1662 §7.1
            LcpOptionType.AuthenticationProtocol => length >= 4 && ValidAuthenticationLength(option),
            LcpOptionType.QualityProtocol => length >= 4,             // RFC 1661 §6.3
            LcpOptionType.MagicNumber => length == 6,                 // RFC 1661 §6.4
            LcpOptionType.ProtocolFieldCompression => length == 2,    // RFC 1661 §6.5
            LcpOptionType.AddressAndControlFieldCompression => length == 2, // RFC 1661 §6.6
            LcpOptionType.Callback => length >= 3,                    // RFC 1570 §2.3
            LcpOptionType.MultilinkMrru => length == 4,               // RFC 1990 §5.1.1
            _ => true,
        };
        if (!ok)
            return LcpOptionError.BadLength;
        value = new LcpOption(option);
        return LcpOptionError.None;
    }

    private static bool ValidAuthenticationLength(ConfigurationOption option)
    {
        ushort protocol = BinaryPrimitives.ReadUInt16BigEndian(option.Data);
        return protocol switch
        {
            PppProtocol.Pap => option.Length == 4,  // RFC 1334 §3.1
            PppProtocol.Chap => option.Length == 5, // RFC 1994 §3: Algorithm octet required
            _ => true,
        };
    }
}

/// <summary>Typed LCP option writers over <see cref="ConfigurationOptionWriter"/> (RFC 1661 §6).</summary>
public static class LcpOptionWriter
{
    public static bool TryWriteMaximumReceiveUnit(this ref ConfigurationOptionWriter writer, ushort mru)
        => writer.TryWriteUInt16((byte)LcpOptionType.MaximumReceiveUnit, mru);

    public static bool TryWriteAsyncControlCharacterMap(this ref ConfigurationOptionWriter writer, uint map)
        => writer.TryWriteUInt32((byte)LcpOptionType.AsyncControlCharacterMap, map);

    /// <summary>Authentication-Protocol with arbitrary protocol-specific data.</summary>
    public static bool TryWriteAuthenticationProtocol(this ref ConfigurationOptionWriter writer, ushort protocol, scoped ReadOnlySpan<byte> data)
    {
        if (!writer.TryAppend((byte)LcpOptionType.AuthenticationProtocol, 2 + data.Length, out Span<byte> destination))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, protocol);
        data.CopyTo(destination[2..]);
        return true;
    }

    /// <summary>Authentication-Protocol PAP (RFC 1334 §3.1): C023, no data.</summary>
    public static bool TryWritePap(this ref ConfigurationOptionWriter writer)
        => writer.TryWriteUInt16((byte)LcpOptionType.AuthenticationProtocol, PppProtocol.Pap);

    /// <summary>Authentication-Protocol CHAP with its Algorithm (RFC 1994 §3): C223 + algorithm.</summary>
    public static bool TryWriteChap(this ref ConfigurationOptionWriter writer, ChapAlgorithm algorithm)
    {
        if (!writer.TryAppend((byte)LcpOptionType.AuthenticationProtocol, 3, out Span<byte> data))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(data, PppProtocol.Chap);
        data[2] = (byte)algorithm;
        return true;
    }

    public static bool TryWriteQualityProtocol(this ref ConfigurationOptionWriter writer, ushort protocol, scoped ReadOnlySpan<byte> data)
    {
        if (!writer.TryAppend((byte)LcpOptionType.QualityProtocol, 2 + data.Length, out Span<byte> destination))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, protocol);
        data.CopyTo(destination[2..]);
        return true;
    }

    public static bool TryWriteMagicNumber(this ref ConfigurationOptionWriter writer, uint magicNumber)
        => writer.TryWriteUInt32((byte)LcpOptionType.MagicNumber, magicNumber);

    public static bool TryWriteProtocolFieldCompression(this ref ConfigurationOptionWriter writer)
        => writer.TryWriteEmpty((byte)LcpOptionType.ProtocolFieldCompression);

    public static bool TryWriteAddressAndControlFieldCompression(this ref ConfigurationOptionWriter writer)
        => writer.TryWriteEmpty((byte)LcpOptionType.AddressAndControlFieldCompression);

    public static bool TryWriteCallback(this ref ConfigurationOptionWriter writer, LcpCallbackOperation operation, scoped ReadOnlySpan<byte> message)
    {
        if (!writer.TryAppend((byte)LcpOptionType.Callback, 1 + message.Length, out Span<byte> data))
            return false;
        data[0] = (byte)operation;
        message.CopyTo(data[1..]);
        return true;
    }

    public static bool TryWriteMultilinkMrru(this ref ConfigurationOptionWriter writer, ushort mrru)
        => writer.TryWriteUInt16((byte)LcpOptionType.MultilinkMrru, mrru);
}
