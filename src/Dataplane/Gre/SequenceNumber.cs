using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Gre;

/// <summary>
/// Serial-number arithmetic on the 32-bit GRE Sequence and Acknowledgment Numbers (RFC 2637 §4.1 gives no
/// wrap rule; RFC 1982 §3 is the usual one): a number is "after" another when it lies less than 2^31 ahead of it
/// modulo 2^32, so 0x00000002 follows 0xFFFFFFFE.
/// </summary>
public static class SequenceNumber
{
    /// <summary>
    /// Signed distance from <paramref name="from"/> to <paramref name="to"/> modulo 2^32, in [-2^31, 2^31):
    /// positive when <paramref name="to"/> is after <paramref name="from"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Distance(uint from, uint to) => unchecked((int)(to - from));

    /// <summary>True when <paramref name="a"/> is strictly after <paramref name="b"/> (RFC 1982 §3.2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsAfter(uint a, uint b) => Distance(b, a) > 0;
}
