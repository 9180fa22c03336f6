namespace PptpGw.ControlPlane.Ppp;

/// <summary>Why a Configuration Option (RFC 1661 §6) could not be read.</summary>
public enum ConfigurationOptionError
{
    None = 0,
    /// <summary>A single octet remains: the Type is there but the Length is not.</summary>
    TruncatedHeader,
    /// <summary>Length below 2 (RFC 1661 §6: the Length counts Type and Length themselves).</summary>
    LengthTooSmall,
    /// <summary>Length runs past the end of the packet's options.</summary>
    LengthExceedsData,
}

/// <summary>
/// One Configuration Option as it appears on the wire (RFC 1661 §6): Type (1), Length (1, ≥ 2,
/// including Type and Length), Data. <see cref="Raw"/> is the whole TLV so an unknown or unacceptable
/// option can be copied verbatim into a Configure-Reject or Configure-Nak (RFC 1661 §5.3, §5.4).
/// </summary>
public readonly ref struct ConfigurationOption
{
    /// <summary>Type and Length octets.</summary>
    public const int HeaderLength = 2;

    public byte Type { get; }
    /// <summary>The Length field: Type + Length + Data.</summary>
    public byte Length => (byte)Raw.Length;
    /// <summary>Length - 2 octets of data.</summary>
    public ReadOnlySpan<byte> Data => Raw.Length >= HeaderLength ? Raw[HeaderLength..] : default;
    /// <summary>Type, Length and Data exactly as received.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    private ConfigurationOption(ReadOnlySpan<byte> raw)
    {
        Type = raw[0];
        Raw = raw;
    }

    /// <summary>Reads the option at the start of <paramref name="input"/>. Never throws.</summary>
    public static ConfigurationOptionError TryParse(ReadOnlySpan<byte> input, out ConfigurationOption option)
    {
        option = default;
        if (input.Length < HeaderLength)
            return ConfigurationOptionError.TruncatedHeader;
        byte length = input[1];
        if (length < HeaderLength)
            return ConfigurationOptionError.LengthTooSmall;
        if (length > input.Length)
            return ConfigurationOptionError.LengthExceedsData;
        option = new ConfigurationOption(input[..length]);
        return ConfigurationOptionError.None;
    }
}

/// <summary>
/// Iterates the options of a Configure-Request/Ack/Nak/Reject (the Data of a <see cref="PppControlPacket"/>).
/// <code>
/// var reader = new ConfigurationOptionReader(packet.Data);
/// while (!reader.End) { if (reader.TryReadNext(out var option) != ConfigurationOptionError.None) break; ... }
/// </code>
/// After an error the reader stays at the offending option (<see cref="Offset"/>) and <see cref="End"/> is
/// set, so a malformed packet cannot be half-processed by a loop that forgets to check.
/// </summary>
public ref struct ConfigurationOptionReader
{
    private readonly ReadOnlySpan<byte> _options;
    private bool _failed;

    public ConfigurationOptionReader(ReadOnlySpan<byte> options)
    {
        _options = options;
        Offset = 0;
        _failed = false;
    }

    /// <summary>Offset of the next option within the options.</summary>
    public int Offset { get; private set; }

    /// <summary>True when every option has been read, or after an error.</summary>
    public readonly bool End => _failed || Offset >= _options.Length;

    /// <summary>Reads the next option. Returns <see cref="ConfigurationOptionError.TruncatedHeader"/> at the end too.</summary>
    public ConfigurationOptionError TryReadNext(out ConfigurationOption option)
    {
        if (_failed)
        {
            option = default;
            return ConfigurationOptionError.TruncatedHeader;
        }
        ConfigurationOptionError error = ConfigurationOption.TryParse(_options[Offset..], out option);
        if (error != ConfigurationOptionError.None)
        {
            _failed = true;
            return error;
        }
        Offset += option.Length;
        return ConfigurationOptionError.None;
    }

    /// <summary>Checks a whole option list; returns the first error and counts the well-formed options before it.</summary>
    public static ConfigurationOptionError Validate(ReadOnlySpan<byte> options, out int count)
    {
        count = 0;
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            ConfigurationOptionError error = reader.TryReadNext(out _);
            if (error != ConfigurationOptionError.None)
                return error;
            count++;
        }
        return ConfigurationOptionError.None;
    }
}

/// <summary>
/// Appends Configuration Options (RFC 1661 §6) to a buffer. Each TryWrite returns false, and writes
/// nothing, when the option does not fit. Typed writers for LCP, IPCP and CCP are extension methods
/// over this writer.
/// </summary>
public ref struct ConfigurationOptionWriter
{
    /// <summary>Largest option: Length is one octet.</summary>
    public const int MaxOptionLength = byte.MaxValue;

    private readonly Span<byte> _destination;

    public ConfigurationOptionWriter(Span<byte> destination)
    {
        _destination = destination;
        BytesWritten = 0;
    }

    public int BytesWritten { get; private set; }

    /// <summary>The options written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _destination[..BytesWritten];

    /// <summary>Reserves an option of <paramref name="dataLength"/> data octets and returns its data span.</summary>
    public bool TryAppend(byte type, int dataLength, out Span<byte> data)
    {
        data = default;
        int length = ConfigurationOption.HeaderLength + dataLength;
        if (dataLength < 0 || length > MaxOptionLength || length > _destination.Length - BytesWritten)
            return false;
        Span<byte> option = _destination.Slice(BytesWritten, length);
        option[0] = type;
        option[1] = (byte)length;
        data = option[ConfigurationOption.HeaderLength..];
        BytesWritten += length;
        return true;
    }

    /// <summary>Writes Type, Length and <paramref name="data"/>.</summary>
    public bool TryWrite(byte type, scoped ReadOnlySpan<byte> data)
    {
        if (!TryAppend(type, data.Length, out Span<byte> destination))
            return false;
        data.CopyTo(destination);
        return true;
    }

    /// <summary>Copies an option verbatim (e.g. <see cref="ConfigurationOption.Raw"/> into a Configure-Reject, RFC 1661 §5.4).</summary>
    public bool TryWriteRaw(scoped ConfigurationOption option)
    {
        ReadOnlySpan<byte> raw = option.Raw;
        if (raw.Length > _destination.Length - BytesWritten)
            return false;
        raw.CopyTo(_destination[BytesWritten..]);
        BytesWritten += raw.Length;
        return true;
    }

    /// <summary>Writes an option with no data (Length 2), e.g. LCP PFC and ACFC.</summary>
    public bool TryWriteEmpty(byte type) => TryAppend(type, 0, out _);

    /// <summary>Writes an option whose data is one big-endian 16-bit value.</summary>
    public bool TryWriteUInt16(byte type, ushort value)
    {
        if (!TryAppend(type, 2, out Span<byte> data))
            return false;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(data, value);
        return true;
    }

    /// <summary>Writes an option whose data is one big-endian 32-bit value.</summary>
    public bool TryWriteUInt32(byte type, uint value)
    {
        if (!TryAppend(type, 4, out Span<byte> data))
            return false;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(data, value);
        return true;
    }
}

/// <summary>Writes whole Configure-Request/Ack/Nak/Reject style packets (RFC 1661 §5.1-§5.4).</summary>
public static class ConfigurationPacketWriter
{
    /// <summary>
    /// Writes the 4-octet header for <paramref name="options"/> already written at
    /// destination[4..] (by a <see cref="ConfigurationOptionWriter"/> over that slice). Returns the packet length, or -1.
    /// </summary>
    public static int TryWriteHeader(Span<byte> destination, byte code, byte identifier, int optionsLength)
        => PppControlPacket.TryWriteHeader(destination, code, identifier, optionsLength)
            && destination.Length >= PppControlPacket.HeaderLength + optionsLength
            ? PppControlPacket.HeaderLength + optionsLength
            : -1;
}
