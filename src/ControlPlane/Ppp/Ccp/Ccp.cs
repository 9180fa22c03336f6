using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Ppp.Ccp;

/// <summary>CCP packet codes (RFC 1962 §2: LCP codes 1-7 plus Reset-Request and Reset-Ack).</summary>
public enum CcpCode : byte
{
    ConfigureRequest = 1,
    ConfigureAck = 2,
    ConfigureNak = 3,
    ConfigureReject = 4,
    TerminateRequest = 5,
    TerminateAck = 6,
    CodeReject = 7,
    /// <summary>RFC 1962 §2.1: the decompressor (for MPPE: decryptor, RFC 3078 §3.2) lost synchronisation.</summary>
    ResetRequest = 14,
    /// <summary>RFC 1962 §2.1.</summary>
    ResetAck = 15,
}

/// <summary>CCP Configuration Option types (RFC 1962 §3 and the IANA "PPP-CCP Configuration Option Types" registry).</summary>
public enum CcpOptionType : byte
{
    /// <summary>RFC 1962 §3.1.</summary>
    Oui = 0,
    /// <summary>RFC 1978.</summary>
    PredictorType1 = 1,
    /// <summary>RFC 1978.</summary>
    PredictorType2 = 2,
    PuddleJumper = 3,
    HewlettPackardPpc = 16,
    /// <summary>RFC 1974: History-Count (2) and Check-Mode (1).</summary>
    StacElectronicsLzs = 17,
    /// <summary>RFC 2118 §2 (MPPC) and RFC 3078 §2 (MPPE): the 32-bit <see cref="MppeSupportedBits"/>.</summary>
    MicrosoftPointToPoint = 18,
    GandalfFza = 19,
    V42bis = 20,
    /// <summary>RFC 1977.</summary>
    BsdCompress = 21,
    /// <summary>RFC 1967.</summary>
    LzsDcp = 23,
    /// <summary>RFC 1975 Magnalink Variable Resource Compression.</summary>
    Mvrca = 24,
    /// <summary>RFC 1976.</summary>
    Dce = 25,
    /// <summary>RFC 1979.</summary>
    Deflate = 26,
}

/// <summary>
/// The Supported Bits of CCP option 18 (RFC 3078 §2, RFC 2118 §2), as a big-endian 32-bit value:
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |        Reserved       |H|        Reserved           |M|S|L|D|C|
/// </code>
/// </summary>
[Flags]
public enum MppeSupportedBits : uint
{
    None = 0,
    /// <summary>C: MPPC compression (RFC 2118).</summary>
    Compression = 0x00000001,
    /// <summary>D: obsolete (an earlier draft's key strength); RFC 3078 §2 says it should not be set.</summary>
    Obsolete = 0x00000010,
    /// <summary>L: MPPE with 40-bit keys (RFC 3078 §2).</summary>
    Encryption40Bit = 0x00000020,
    /// <summary>S: MPPE with 128-bit keys (RFC 3078 §2).</summary>
    Encryption128Bit = 0x00000040,
    /// <summary>M: MPPE with 56-bit keys (RFC 3078 §2).</summary>
    Encryption56Bit = 0x00000080,
    /// <summary>H: stateless mode, the key changes on every packet (RFC 3078 §2, §7.2).</summary>
    Stateless = 0x01000000,
}

/// <summary>Why a CCP option's value could not be decoded.</summary>
public enum CcpOptionError
{
    None = 0,
    /// <summary>Option 18 whose Length is not 6 (RFC 3078 §2), or Stac LZS whose Length is not 5 (RFC 1974 §2.2).</summary>
    BadLength,
}

/// <summary>A typed view of a CCP Configuration Option; unknown types keep <see cref="Option"/> for Configure-Reject.</summary>
public readonly ref struct CcpOption
{
    public ConfigurationOption Option { get; }
    public CcpOptionType Type => (CcpOptionType)Option.Type;

    private CcpOption(ConfigurationOption option) => Option = option;

    public bool IsKnown => Type is CcpOptionType.MicrosoftPointToPoint or CcpOptionType.StacElectronicsLzs;

    /// <summary>Option 18's Supported Bits (all 32, reserved ones included, so unknown bits can be detected).</summary>
    public MppeSupportedBits SupportedBits => Type == CcpOptionType.MicrosoftPointToPoint
        ? (MppeSupportedBits)BinaryPrimitives.ReadUInt32BigEndian(Option.Data) : MppeSupportedBits.None;
    /// <summary>RFC 1974 §2.2 History-Count.</summary>
    public ushort LzsHistoryCount => Type == CcpOptionType.StacElectronicsLzs ? BinaryPrimitives.ReadUInt16BigEndian(Option.Data) : (ushort)0;
    /// <summary>RFC 1974 §2.2 Check-Mode (0 none, 1 LCB, 2 CRC, 3 sequence number, 4 extended).</summary>
    public byte LzsCheckMode => Type == CcpOptionType.StacElectronicsLzs ? Option.Data[2] : (byte)0;

    /// <summary>Validates the option's length for its type and returns the typed view. Never throws.</summary>
    public static CcpOptionError TryDecode(ConfigurationOption option, out CcpOption value)
    {
        value = default;
        bool ok = (CcpOptionType)option.Type switch
        {
            CcpOptionType.MicrosoftPointToPoint => option.Length == 6,
            CcpOptionType.StacElectronicsLzs => option.Length == 5,
            _ => true,
        };
        if (!ok)
            return CcpOptionError.BadLength;
        value = new CcpOption(option);
        return CcpOptionError.None;
    }
}

/// <summary>Typed CCP option writers over <see cref="ConfigurationOptionWriter"/>.</summary>
public static class CcpOptionWriter
{
    /// <summary>Option 18 with its Supported Bits (RFC 3078 §2): Length 6.</summary>
    public static bool TryWriteMppe(this ref ConfigurationOptionWriter writer, MppeSupportedBits bits)
        => writer.TryWriteUInt32((byte)CcpOptionType.MicrosoftPointToPoint, (uint)bits);

    /// <summary>Stac LZS (RFC 1974 §2.2): Length 5.</summary>
    public static bool TryWriteStacLzs(this ref ConfigurationOptionWriter writer, ushort historyCount, byte checkMode)
    {
        if (!writer.TryAppend((byte)CcpOptionType.StacElectronicsLzs, 3, out Span<byte> data))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(data, historyCount);
        data[2] = checkMode;
        return true;
    }
}
