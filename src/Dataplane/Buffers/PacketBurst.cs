using System.Runtime.CompilerServices;

namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// A fixed array of <see cref="Size"/> packet handles, for a worker to keep a burst in a field or
/// on the stack without allocating (<c>Span&lt;PacketHandle&gt; s = burst;</c>).
/// Every port and allocator moves at most a burst per call where it matters for batching; 32 is
/// DPDK's customary burst and fills one <c>recvmmsg</c>/<c>sendmmsg</c> call.
/// </summary>
[InlineArray(Size)]
public struct PacketBurst
{
    /// <summary>The burst size of the fast path.</summary>
    public const int Size = 32;

    private PacketHandle _element0;
}
