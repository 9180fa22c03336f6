using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Mppe;

/// <summary>
/// The four flag bits at the top of the MPPE/MPPC header (RFC 3078 §3, RFC 2118 §3.1), as they sit in
/// the first octet.
/// </summary>
[Flags]
public enum MppeHeaderFlags : byte
{
    None = 0,
    /// <summary>
    /// Bit A, "flushed" (RFC 3078 §3, RFC 2118 §3.1): the RC4 state (and MPPC history) was reset before
    /// this packet. Set on every packet in stateless mode and after a CCP Reset-Request in stateful mode.
    /// </summary>
    Flushed = 0x80,
    /// <summary>Bit B (RFC 2118 §3.1): MPPC moved the packet to the front of the history buffer. Zero with MPPE alone.</summary>
    PacketAtFront = 0x40,
    /// <summary>Bit C (RFC 2118 §3.1): the packet is MPPC-compressed. Zero with MPPE alone.</summary>
    Compressed = 0x20,
    /// <summary>Bit D (RFC 3078 §3): the packet is encrypted.</summary>
    Encrypted = 0x10,
}

/// <summary>Why <see cref="MppeHeader.TryRead"/> rejected its input.</summary>
public enum MppeHeaderError
{
    None = 0,
    /// <summary>Fewer than the 2 header octets.</summary>
    TooShort,
}

/// <summary>
/// The 2-octet header that follows PPP protocol 0x00FD in an MPPE packet (RFC 3078 §3):
/// A B C D flag bits and a 12-bit coherency count, which increments (mod 4096) on every packet.
/// </summary>
public readonly struct MppeHeader : IEquatable<MppeHeader>
{
    public const int Length = 2;
    /// <summary>The coherency count is 12 bits wide (RFC 3078 §3).</summary>
    public const ushort CoherencyCountMask = 0x0FFF;

    public MppeHeaderFlags Flags { get; }
    /// <summary>12-bit sequence number (0..4095).</summary>
    public ushort CoherencyCount { get; }

    /// <summary>Creates a header; only the top four bits of <paramref name="flags"/> and the low 12 bits of <paramref name="coherencyCount"/> are kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MppeHeader(MppeHeaderFlags flags, ushort coherencyCount)
    {
        Flags = (MppeHeaderFlags)((byte)flags & 0xF0);
        CoherencyCount = (ushort)(coherencyCount & CoherencyCountMask);
    }

    public bool IsFlushed => (Flags & MppeHeaderFlags.Flushed) != 0;
    public bool IsEncrypted => (Flags & MppeHeaderFlags.Encrypted) != 0;
    public bool IsCompressed => (Flags & MppeHeaderFlags.Compressed) != 0;

    /// <summary>Reads the header from the start of <paramref name="input"/>. Never throws.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MppeHeaderError TryRead(ReadOnlySpan<byte> input, out MppeHeader header)
    {
        if (input.Length < Length)
        {
            header = default;
            return MppeHeaderError.TooShort;
        }
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(input);
        header = new MppeHeader((MppeHeaderFlags)(value >> 8), value);
        return MppeHeaderError.None;
    }

    /// <summary>Writes the header; returns false when <paramref name="destination"/> is shorter than 2 octets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Length)
            return false;
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(((byte)Flags << 8) | CoherencyCount));
        return true;
    }

    public bool Equals(MppeHeader other) => Flags == other.Flags && CoherencyCount == other.CoherencyCount;
    public override bool Equals(object? obj) => obj is MppeHeader other && Equals(other);
    public override int GetHashCode() => ((byte)Flags << 16) | CoherencyCount;
    public static bool operator ==(MppeHeader left, MppeHeader right) => left.Equals(right);
    public static bool operator !=(MppeHeader left, MppeHeader right) => !left.Equals(right);
    public override string ToString() => $"{Flags} ccount={CoherencyCount}";
}
