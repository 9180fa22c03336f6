using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Ppp.Ipcp;

/// <summary>IPCP packet codes (RFC 1332 §2: codes 1 through 7 of LCP).</summary>
public enum IpcpCode : byte
{
    ConfigureRequest = 1,
    ConfigureAck = 2,
    ConfigureNak = 3,
    ConfigureReject = 4,
    TerminateRequest = 5,
    TerminateAck = 6,
    CodeReject = 7,
}

/// <summary>IPCP Configuration Option types (RFC 1332 §3, RFC 1877 §1).</summary>
public enum IpcpOptionType : byte
{
    /// <summary>RFC 1172 IP-Addresses, deprecated by RFC 1332 (not supported).</summary>
    IpAddresses = 1,
    /// <summary>RFC 1332 §3.2.</summary>
    IpCompressionProtocol = 2,
    /// <summary>RFC 1332 §3.3.</summary>
    IpAddress = 3,
    /// <summary>RFC 2290 Mobile-IPv4 (not supported).</summary>
    MobileIpv4 = 4,
    /// <summary>RFC 1877 §1.1.</summary>
    PrimaryDnsServerAddress = 129,
    /// <summary>RFC 1877 §1.2.</summary>
    PrimaryNbnsServerAddress = 130,
    /// <summary>RFC 1877 §1.3.</summary>
    SecondaryDnsServerAddress = 131,
    /// <summary>RFC 1877 §1.4.</summary>
    SecondaryNbnsServerAddress = 132,
}

/// <summary>Why an IPCP option's value could not be decoded.</summary>
public enum IpcpOptionError
{
    None = 0,
    /// <summary>An address option whose Length is not 6 (RFC 1332 §3.3, RFC 1877 §1), or an IP-Compression-Protocol shorter than 4 (RFC 1332 §3.2).</summary>
    BadLength,
}

/// <summary>
/// A typed view of an IPCP Configuration Option. Addresses are 32-bit numbers in host order (the
/// big-endian wire value); 0.0.0.0 in a Configure-Request asks the peer to assign one (RFC 1332 §3.3,
/// RFC 1877 §1). Unknown types are returned with <see cref="Option"/> intact for Configure-Reject.
/// </summary>
public readonly ref struct IpcpOption
{
    public ConfigurationOption Option { get; }
    public IpcpOptionType Type => (IpcpOptionType)Option.Type;

    private IpcpOption(ConfigurationOption option) => Option = option;

    public bool IsKnown => IsKnownType(Type);
    /// <summary>True for IP-Address and the four RFC 1877 server address options.</summary>
    public bool IsAddress => IsAddressType(Type);

    /// <summary>The address carried by an address option, 0 for other types.</summary>
    public uint Address => IsAddress ? BinaryPrimitives.ReadUInt32BigEndian(Option.Data) : 0;
    /// <summary>RFC 1332 §3.2: the compression protocol (0x002D Van Jacobson); 0 for other types.</summary>
    public ushort CompressionProtocol => Type == IpcpOptionType.IpCompressionProtocol ? BinaryPrimitives.ReadUInt16BigEndian(Option.Data) : (ushort)0;
    /// <summary>RFC 1332 §3.2: the data after the protocol (for VJ: Max-Slot-Id and Comp-Slot-Id).</summary>
    public ReadOnlySpan<byte> CompressionData => Type == IpcpOptionType.IpCompressionProtocol ? Option.Data[2..] : default;

    public static bool IsAddressType(IpcpOptionType type) => type is IpcpOptionType.IpAddress
        or IpcpOptionType.PrimaryDnsServerAddress or IpcpOptionType.PrimaryNbnsServerAddress
        or IpcpOptionType.SecondaryDnsServerAddress or IpcpOptionType.SecondaryNbnsServerAddress;

    public static bool IsKnownType(IpcpOptionType type) => IsAddressType(type) || type == IpcpOptionType.IpCompressionProtocol;

    /// <summary>Validates the option's length for its type and returns the typed view. Never throws.</summary>
    public static IpcpOptionError TryDecode(ConfigurationOption option, out IpcpOption value)
    {
        value = default;
        IpcpOptionType type = (IpcpOptionType)option.Type;
        if ((IsAddressType(type) && option.Length != 6)
            || (type == IpcpOptionType.IpCompressionProtocol && option.Length < 4))
            return IpcpOptionError.BadLength;
        value = new IpcpOption(option);
        return IpcpOptionError.None;
    }
}

/// <summary>Typed IPCP option writers over <see cref="ConfigurationOptionWriter"/>.</summary>
public static class IpcpOptionWriter
{
    /// <summary>Writes an address option (IP-Address or an RFC 1877 server address): Length 6.</summary>
    public static bool TryWriteAddress(this ref ConfigurationOptionWriter writer, IpcpOptionType type, uint address)
    {
        if (!IpcpOption.IsAddressType(type))
            throw new ArgumentOutOfRangeException(nameof(type), type, "An address option type expected.");
        return writer.TryWriteUInt32((byte)type, address);
    }

    public static bool TryWriteIpAddress(this ref ConfigurationOptionWriter writer, uint address)
        => writer.TryWriteUInt32((byte)IpcpOptionType.IpAddress, address);

    /// <summary>IP-Compression-Protocol (RFC 1332 §3.2) with protocol-specific data.</summary>
    public static bool TryWriteIpCompressionProtocol(this ref ConfigurationOptionWriter writer, ushort protocol, scoped ReadOnlySpan<byte> data)
    {
        if (!writer.TryAppend((byte)IpcpOptionType.IpCompressionProtocol, 2 + data.Length, out Span<byte> destination))
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, protocol);
        data.CopyTo(destination[2..]);
        return true;
    }
}
