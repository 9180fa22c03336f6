using System.Buffers.Binary;

namespace PptpGw.ControlPlane.Ppp;

/// <summary>
/// The header every PPP control protocol shares (RFC 1661 §5, RFC 1334 §2.2, RFC 1994 §4):
/// Code (1), Identifier (1), Length (2, including this header), then Data.
/// Octets beyond Length are padding and are ignored (RFC 1661 §5).
/// </summary>
public readonly ref struct PppControlPacket
{
    public const int HeaderLength = 4;

    public byte Code { get; }
    public byte Identifier { get; }
    /// <summary>The Length field: header plus data.</summary>
    public ushort Length { get; }
    /// <summary>The Data field, exactly Length - 4 octets.</summary>
    public ReadOnlySpan<byte> Data { get; }

    private PppControlPacket(byte code, byte identifier, ushort length, ReadOnlySpan<byte> data)
    {
        Code = code;
        Identifier = identifier;
        Length = length;
        Data = data;
    }

    /// <summary>Parses the header of a PPP control packet (after the PPP protocol field). Never throws.</summary>
    public static PppPacketError TryParse(ReadOnlySpan<byte> input, out PppControlPacket packet)
    {
        packet = default;
        if (input.Length < HeaderLength)
            return PppPacketError.TooShort;
        ushort length = BinaryPrimitives.ReadUInt16BigEndian(input[2..]);
        if (length < HeaderLength)
            return PppPacketError.LengthTooSmall;
        if (length > input.Length)
            return PppPacketError.LengthExceedsData;
        packet = new PppControlPacket(input[0], input[1], length, input[HeaderLength..length]);
        return PppPacketError.None;
    }

    /// <summary>Writes Code, Identifier and Length; returns false when <paramref name="destination"/> is too small.</summary>
    public static bool TryWriteHeader(Span<byte> destination, byte code, byte identifier, int dataLength)
    {
        int length = HeaderLength + dataLength;
        if (destination.Length < HeaderLength || dataLength < 0 || length > ushort.MaxValue)
            return false;
        destination[0] = code;
        destination[1] = identifier;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)length);
        return true;
    }
}
