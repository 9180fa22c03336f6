using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// An in-process port: what one end transmits, the other receives, through two
/// <see cref="SpscRing{T}"/>s of handles (no copy). For tests and benchmarks of the workers.
/// Each end follows the <see cref="IPacketPort"/> threading rule (one receiver, one transmitter).
/// </summary>
public sealed class MemoryPort : IPacketPort
{
    private readonly SpscRing<PacketHandle> _receive;
    private readonly SpscRing<PacketHandle> _transmit;

    private MemoryPort(SpscRing<PacketHandle> receive, SpscRing<PacketHandle> transmit, ushort portId)
    {
        _receive = receive;
        _transmit = transmit;
        PortId = portId;
    }

    /// <summary>Creates two connected ends: <c>A</c> transmits to <c>B</c> and <c>B</c> to <c>A</c>.</summary>
    /// <param name="ringCapacity">Slots per direction (a power of two): the packets in flight before back-pressure.</param>
    /// <param name="portIdA">Port id stamped on packets received by <c>A</c>.</param>
    /// <param name="portIdB">Port id stamped on packets received by <c>B</c>.</param>
    public static (MemoryPort A, MemoryPort B) CreatePair(int ringCapacity = 1024, ushort portIdA = 0, ushort portIdB = 1)
    {
        var aToB = new SpscRing<PacketHandle>(ringCapacity);
        var bToA = new SpscRing<PacketHandle>(ringCapacity);
        return (new MemoryPort(bToA, aToB, portIdA), new MemoryPort(aToB, bToA, portIdB));
    }

    /// <summary>Port id stamped on received packets (<see cref="PacketBuffer.Port"/>).</summary>
    public ushort PortId { get; }

    /// <summary>Packets waiting to be received at this end.</summary>
    public int PendingReceive => _receive.Count;

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        int n = _receive.DequeueBurst(destination);
        for (int i = 0; i < n; i++)
        {
            destination[i].Port = PortId;
        }

        return n;
    }

    /// <inheritdoc/>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets) => _transmit.EnqueueBurst(packets);

    /// <summary>Frees every packet waiting at this end into <paramref name="allocator"/> (teardown); returns how many.</summary>
    public int Drain(IPacketAllocator allocator)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        Span<PacketHandle> burst = stackalloc PacketHandle[PacketBurst.Size];
        int total = 0;
        int n;
        while ((n = _receive.DequeueBurst(burst)) > 0)
        {
            allocator.FreeBurst(burst[..n]);
            total += n;
        }

        return total;
    }
}
