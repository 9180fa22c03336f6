using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// The 12-octet header every TACACS+ packet starts with (RFC 8907 §4.1): version, type, seq_no, flags, session_id and
/// the length of the body that follows. The header is never obfuscated (§4.5).
/// </summary>
/// <param name="Version">Major version in the high nibble (0xc), minor in the low (<see cref="TacacsVersion"/>).</param>
/// <param name="Type">Authentication, authorization or accounting.</param>
/// <param name="SequenceNumber">1 for the first packet of a session, incremented by each packet; odd from the client,
/// even from the server.</param>
/// <param name="Flags">UNENCRYPTED and SINGLE_CONNECT; other bits are kept as read.</param>
/// <param name="SessionId">Random per session (§4.1: cryptographically strong).</param>
/// <param name="Length">Body length, not counting the header.</param>
public readonly record struct TacacsHeader(byte Version, TacacsPacketType Type, byte SequenceNumber, TacacsHeaderFlags Flags, uint SessionId, uint Length)
{
    /// <summary>The header is 12 octets.</summary>
    public const int Size = 12;

    /// <summary>RFC 8907 §4.1: "The recommended maximum packet size is 2^(16)".</summary>
    public const int DefaultMaxBodyLength = 1 << 16;

    /// <summary>The high nibble of <see cref="Version"/>.</summary>
    public byte MajorVersion => (byte)(Version >> 4);

    /// <summary>The low nibble of <see cref="Version"/>.</summary>
    public byte MinorVersion => (byte)(Version & 0x0F);

    /// <summary>True when the body is sent in clear (TAC_PLUS_UNENCRYPTED_FLAG).</summary>
    public bool IsUnencrypted => (Flags & TacacsHeaderFlags.Unencrypted) != 0;

    /// <summary>True when SINGLE_CONNECT is set.</summary>
    public bool IsSingleConnect => (Flags & TacacsHeaderFlags.SingleConnect) != 0;

    /// <summary>
    /// Reads the first 12 octets of <paramref name="input"/>; the body is not looked at. Refuses a major version other
    /// than 0xc, an unknown type, and a length above <paramref name="maxBodyLength"/>. Never throws.
    /// </summary>
    public static TacacsError TryParse(ReadOnlySpan<byte> input, out TacacsHeader header, int maxBodyLength = DefaultMaxBodyLength)
    {
        header = default;
        if (input.Length < Size)
            return TacacsError.TooShort;
        byte version = input[0];
        if (version >> 4 != TacacsVersion.Major)
            return TacacsError.BadMajorVersion;
        var type = (TacacsPacketType)input[1];
        if (type is not (TacacsPacketType.Authentication or TacacsPacketType.Authorization or TacacsPacketType.Accounting))
            return TacacsError.BadType;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(input[8..]);
        if (length > (uint)Math.Max(0, maxBodyLength))
            return TacacsError.BodyTooLong;
        header = new TacacsHeader(version, type, input[2], (TacacsHeaderFlags)input[3], BinaryPrimitives.ReadUInt32BigEndian(input[4..]), length);
        return TacacsError.None;
    }

    /// <summary>Writes the 12 octets; false when <paramref name="destination"/> is shorter.</summary>
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Size)
            return false;
        destination[0] = Version;
        destination[1] = (byte)Type;
        destination[2] = SequenceNumber;
        destination[3] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], SessionId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
        return true;
    }
}
