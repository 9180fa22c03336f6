using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace PptpGw.Dataplane.Packets;

/// <summary>The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.</summary>
public static class InternetChecksum
{
    /// <summary>
    /// Returns the checksum of <paramref name="data"/> as the big-endian value to store in a header
    /// (with the checksum field zeroed), or 0 when verifying data whose checksum field is filled in and correct.
    /// An odd final octet is padded with a zero octet (RFC 1071 §1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Fold(Sum(data, 0));

    /// <summary>
    /// Adds <paramref name="data"/> to a running 32-bit one's complement accumulator (e.g. a pseudo-header
    /// sum); finish with <see cref="Finish"/>. Words are summed in big-endian order, so every piece but
    /// the last must have an even length (an odd final octet is padded with zero).
    /// </summary>
    public static ulong Sum(ReadOnlySpan<byte> data, ulong accumulator)
    {
        // RFC 1071 §2(B): the sum is byte-order independent, so native-order words are added and the
        // result is swapped once at the end. Here the words are 32-bit lanes into 64-bit accumulators,
        // which cannot overflow for any IP datagram.
        ulong sum = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= 64)
        {
            Vector256<ulong> acc = Vector256<ulong>.Zero;
            ref byte start = ref MemoryMarshal.GetReference(data);
            for (; i <= data.Length - 32; i += 32)
            {
                Vector256<uint> words = Vector256.LoadUnsafe(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref start, i)));
                (Vector256<ulong> lo, Vector256<ulong> hi) = Vector256.Widen(words);
                acc += lo + hi;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i <= data.Length - 4; i += 4)
            sum += MemoryMarshal.Read<uint>(data[i..]);
        if (i <= data.Length - 2)
        {
            sum += MemoryMarshal.Read<ushort>(data[i..]);
            i += 2;
        }
        if (i < data.Length)
            sum += BitConverter.IsLittleEndian ? data[i] : (ulong)data[i] << 8;
        // Fold to 16 bits in native order, then bring to network order.
        ushort folded = Fold(sum);
        if (BitConverter.IsLittleEndian)
            folded = BinaryPrimitives.ReverseEndianness(folded);
        return accumulator + folded;
    }

    /// <summary>Folds an accumulator from <see cref="Sum"/> and complements it into the checksum value.</summary>
    public static ushort Finish(ulong accumulator) => (ushort)~Fold(accumulator);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }
}
