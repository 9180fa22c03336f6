using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Packets;

/// <summary>PPP protocol numbers (RFC 1661 §2; IANA "PPP DLL Protocol Numbers").</summary>
public static class PppProtocol
{
    /// <summary>Internet Protocol version 4 (RFC 1332).</summary>
    public const ushort Ipv4 = 0x0021;
    /// <summary>Van Jacobson compressed TCP/IP (RFC 1144, RFC 1332 §4).</summary>
    public const ushort VanJacobsonCompressedTcpIp = 0x002D;
    /// <summary>Van Jacobson uncompressed TCP/IP (RFC 1144, RFC 1332 §4).</summary>
    public const ushort VanJacobsonUncompressedTcpIp = 0x002F;
    /// <summary>Multilink (RFC 1990).</summary>
    public const ushort Multilink = 0x003D;
    /// <summary>Internet Protocol version 6 (RFC 5072).</summary>
    public const ushort Ipv6 = 0x0057;
    /// <summary>Compressed datagram (RFC 1962 §1.1): MPPE/MPPC packets (RFC 3078 §3, RFC 2118).</summary>
    public const ushort CompressedDatagram = 0x00FD;
    /// <summary>IP Control Protocol (RFC 1332).</summary>
    public const ushort Ipcp = 0x8021;
    /// <summary>IPv6 Control Protocol (RFC 5072).</summary>
    public const ushort Ipv6cp = 0x8057;
    /// <summary>Compression Control Protocol (RFC 1962).</summary>
    public const ushort Ccp = 0x80FD;
    /// <summary>Link Control Protocol (RFC 1661).</summary>
    public const ushort Lcp = 0xC021;
    /// <summary>Password Authentication Protocol (RFC 1334).</summary>
    public const ushort Pap = 0xC023;
    /// <summary>Link Quality Report (RFC 1989).</summary>
    public const ushort LinkQualityReport = 0xC025;
    /// <summary>Callback Control Protocol (Microsoft CBCP).</summary>
    public const ushort Cbcp = 0xC029;
    /// <summary>Bandwidth Allocation Control Protocol (RFC 2125).</summary>
    public const ushort Bacp = 0xC02B;
    /// <summary>Bandwidth Allocation Protocol (RFC 2125).</summary>
    public const ushort Bap = 0xC02D;
    /// <summary>Challenge Handshake Authentication Protocol (RFC 1994), also MS-CHAP (RFC 2433, RFC 2759).</summary>
    public const ushort Chap = 0xC223;
    /// <summary>Extensible Authentication Protocol (RFC 3748).</summary>
    public const ushort Eap = 0xC227;

    /// <summary>
    /// RFC 1661 §2: a valid protocol number has an odd least significant octet and an even most
    /// significant octet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsValid(ushort protocol) => (protocol & 0x0101) == 0x0001;

    /// <summary>RFC 1661 §2: 0x0***-0x3*** are network-layer protocols (8***-b*** their NCPs, c***-f*** link-layer control).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNetworkLayer(ushort protocol) => protocol < 0x4000;
}

/// <summary>Why a PPP frame header was rejected by <see cref="PppFrame.TryParse"/>.</summary>
public enum PppFrameError
{
    None = 0,
    /// <summary>No octets at all.</summary>
    Empty,
    /// <summary>Address 0xFF without a Control octet, or a 2-octet Protocol field cut short.</summary>
    TooShort,
    /// <summary>Address 0xFF followed by a Control other than 0x03 (RFC 1662 §3.1: Unnumbered Information).</summary>
    BadControl,
    /// <summary>Protocol field whose least significant octet is even (RFC 1661 §2: it must be odd).</summary>
    BadProtocol,
}

/// <summary>
/// The framing in front of a PPP packet inside enhanced GRE: the HDLC Address (0xFF) and Control (0x03)
/// octets of RFC 1662 §3.1, absent when Address-and-Control-Field-Compression was negotiated
/// (RFC 1661 §6.6), then the Protocol field (RFC 1661 §2), one octet when Protocol-Field-Compression
/// was negotiated and the value fits (RFC 1661 §6.5).
/// </summary>
public readonly ref struct PppFrame
{
    /// <summary>The HDLC all-stations address (RFC 1662 §3.1).</summary>
    public const byte AllStationsAddress = 0xFF;
    /// <summary>The HDLC Unnumbered Information control value (RFC 1662 §3.1).</summary>
    public const byte UnnumberedInformation = 0x03;
    /// <summary>Largest header: Address, Control and a 2-octet Protocol.</summary>
    public const int MaxHeaderLength = 4;

    /// <summary>True when the frame carried FF 03.</summary>
    public bool AddressControlPresent { get; }
    /// <summary>True when the Protocol field was a single octet (compressed).</summary>
    public bool ProtocolCompressed { get; }
    /// <summary>The protocol number (see <see cref="PppProtocol"/>).</summary>
    public ushort Protocol { get; }
    /// <summary>Octets before the Information field: 1 to 4.</summary>
    public int HeaderLength { get; }
    /// <summary>The Information field (including any padding, RFC 1661 §2).</summary>
    public ReadOnlySpan<byte> Information { get; }

    private PppFrame(bool addressControlPresent, bool protocolCompressed, ushort protocol, int headerLength, ReadOnlySpan<byte> information)
    {
        AddressControlPresent = addressControlPresent;
        ProtocolCompressed = protocolCompressed;
        Protocol = protocol;
        HeaderLength = headerLength;
        Information = information;
    }

    /// <summary>
    /// Parses the framing. The receiver accepts both compressed and uncompressed forms whatever was
    /// negotiated (RFC 1661 §6.5, §6.6 allow either to arrive); policy is the caller's. Never throws.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PppFrameError TryParse(ReadOnlySpan<byte> input, out PppFrame frame)
    {
        frame = default;
        if (input.IsEmpty)
            return PppFrameError.Empty;
        int offset = 0;
        bool addressControl = false;
        // A Protocol field never starts with 0xFF (its first octet is even, or odd only when compressed,
        // and 0xFF is not an assigned 1-octet protocol), so 0xFF can only be the Address (RFC 1662 §3.2).
        if (input[0] == AllStationsAddress)
        {
            if (input.Length < 2)
                return PppFrameError.TooShort;
            if (input[1] != UnnumberedInformation)
                return PppFrameError.BadControl;
            offset = 2;
            addressControl = true;
        }
        if (offset >= input.Length)
            return PppFrameError.TooShort;
        byte first = input[offset];
        ushort protocol;
        bool compressed;
        // RFC 1661 §2/§6.5: the most significant octet is always even, so an odd first octet is a
        // 1-octet (compressed) Protocol field.
        if ((first & 1) != 0)
        {
            protocol = first;
            compressed = true;
            offset += 1;
        }
        else
        {
            if (offset + 2 > input.Length)
                return PppFrameError.TooShort;
            protocol = BinaryPrimitives.ReadUInt16BigEndian(input[offset..]);
            if ((protocol & 1) == 0)
                return PppFrameError.BadProtocol;
            compressed = false;
            offset += 2;
        }
        frame = new PppFrame(addressControl, compressed, protocol, offset, input[offset..]);
        return PppFrameError.None;
    }
}

/// <summary>Prepends PPP framing (RFC 1662 §3.1 Address/Control, RFC 1661 §2 Protocol) honouring ACFC and PFC.</summary>
public static class PppFrameWriter
{
    /// <summary>
    /// The header size that <see cref="TryWriteHeader"/> will write. LCP packets always get the full
    /// header: RFC 1661 §6.5 and §6.6 forbid compressing either field in LCP packets. PFC applies only to
    /// protocol numbers below 0xFF.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetHeaderLength(ushort protocol, bool addressControlFieldCompression, bool protocolFieldCompression)
    {
        bool lcp = protocol == PppProtocol.Lcp;
        int addressControl = addressControlFieldCompression && !lcp ? 0 : 2;
        // 0x00FF itself stays uncompressed: a lone 0xFF octet would read as the HDLC Address.
        int protocolLength = protocolFieldCompression && protocol < 0xFF && !lcp ? 1 : 2;
        return addressControl + protocolLength;
    }

    /// <summary>
    /// Writes the framing so that it ends at <paramref name="informationOffset"/> in <paramref name="buffer"/>
    /// (the Information field already in place after it). Returns the offset where the frame now starts,
    /// or -1 when there is not enough headroom before <paramref name="informationOffset"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryPrependHeader(Span<byte> buffer, int informationOffset, ushort protocol,
        bool addressControlFieldCompression, bool protocolFieldCompression)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(informationOffset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(informationOffset, buffer.Length);
        int headerLength = GetHeaderLength(protocol, addressControlFieldCompression, protocolFieldCompression);
        int start = informationOffset - headerLength;
        if (start < 0)
            return -1;
        WriteHeader(buffer.Slice(start, headerLength), protocol, headerLength);
        return start;
    }

    /// <summary>
    /// Writes the framing at the start of <paramref name="destination"/>; returns the octets written, or -1
    /// when <paramref name="destination"/> is too small.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int TryWriteHeader(Span<byte> destination, ushort protocol,
        bool addressControlFieldCompression, bool protocolFieldCompression)
    {
        int headerLength = GetHeaderLength(protocol, addressControlFieldCompression, protocolFieldCompression);
        if (destination.Length < headerLength)
            return -1;
        WriteHeader(destination[..headerLength], protocol, headerLength);
        return headerLength;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteHeader(Span<byte> header, ushort protocol, int headerLength)
    {
        int offset = 0;
        if (headerLength is 3 or 4)
        {
            header[0] = PppFrame.AllStationsAddress;
            header[1] = PppFrame.UnnumberedInformation;
            offset = 2;
        }
        if (headerLength - offset == 1)
            header[offset] = (byte)protocol;
        else
            BinaryPrimitives.WriteUInt16BigEndian(header[offset..], protocol);
    }
}
