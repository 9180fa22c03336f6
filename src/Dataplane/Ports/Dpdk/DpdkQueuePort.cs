using System.Runtime.InteropServices;
using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>Counters of one <see cref="DpdkQueuePort"/> (owner-written, readable by anyone).</summary>
public sealed class DpdkQueueCounters
{
    /// <summary>Frames received.</summary>
    public long Received;

    /// <summary>Frames the driver took for sending.</summary>
    public long Sent;

    /// <summary>Frames dropped because the TX queue stayed full.</summary>
    public long TransmitDropped;

    /// <summary>Packets from the slab copied into an mbuf to be sent (locally built ones: ARP, acknowledgments, control frames).</summary>
    public long CopiedToMbuf;

    /// <summary>Receive bursts that returned packets.</summary>
    public long Bursts;
}

/// <summary>
/// One RX/TX queue pair of a <see cref="DpdkEthDevice"/> as an <see cref="IPacketPort"/> of raw frames: a burst of at
/// most 32 crosses into the shim once each way; received mbufs are bound to their slab descriptors in place
/// (<see cref="DpdkMbufPool"/>), and descriptors go back into their mbufs' data windows on transmit. A packet built in
/// the slab (not an mbuf) is copied into a fresh mbuf first.
/// </summary>
/// <remarks>Transmit takes every packet: when the queue stays full after a few retries, the rest are dropped and counted.</remarks>
public sealed unsafe class DpdkQueuePort : IPacketPort, IDisposable
{
    private const int TransmitRetries = 4;

    private readonly DpdkEthDevice _device;
    private readonly DpdkMbufPool _mbufs;
    private readonly ushort _port;
    private readonly ushort _queue;
    private readonly ushort _stamp;
    private readonly nint _map;
    private nint* _tx;

    /// <summary>Wraps queue <paramref name="queue"/> of <paramref name="device"/>.</summary>
    /// <param name="device">The started device.</param>
    /// <param name="queue">Queue pair index.</param>
    /// <param name="mbufs">The mbuf pool of the device's RX queues.</param>
    /// <param name="portStamp">The value stamped in <see cref="PacketBuffer.Port"/> of received packets.</param>
    public DpdkQueuePort(DpdkEthDevice device, int queue, DpdkMbufPool mbufs, ushort portStamp)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(mbufs);
        ArgumentOutOfRangeException.ThrowIfNegative(queue);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(queue, device.QueueCount);
        _device = device;
        _mbufs = mbufs;
        _port = device.PortId;
        _queue = (ushort)queue;
        _stamp = portStamp;
        _map = mbufs.Map;
        _tx = (nint*)NativeMemory.Alloc(64, (nuint)sizeof(nint));
    }

    /// <summary>The device.</summary>
    public DpdkEthDevice Device => _device;

    /// <summary>The queue pair index.</summary>
    public int Queue => _queue;

    /// <summary>Counters.</summary>
    public DpdkQueueCounters Counters { get; } = new();

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        int want = Math.Min(destination.Length, PacketBurst.Size);
        if (want == 0)
            return 0;
        int n;
        fixed (PacketHandle* d = destination)
            n = DpdkNative.RxBurst(_port, _queue, _map, _stamp, (nint*)d, (ushort)want);
        if (n != 0)
        {
            Counters.Received += n;
            Counters.Bursts++;
        }

        return n;
    }

    /// <inheritdoc/>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        int total = packets.Length;
        while (!packets.IsEmpty)
        {
            int n = Math.Min(packets.Length, PacketBurst.Size);
            int count = 0;
            for (int i = 0; i < n; i++)
            {
                PacketHandle p = packets[i];
                if (p.Pointer->Native == 0 && !TryCopyToMbuf(ref p))
                    continue;
                _tx[count++] = (nint)p.Pointer;
            }

            int sent = 0;
            for (int attempt = 0; attempt <= TransmitRetries && sent < count; attempt++)
                sent += DpdkNative.TxBurst(_port, _queue, _tx + sent, (ushort)(count - sent));
            Counters.Sent += sent;
            for (int i = sent; i < count; i++)
            {
                Counters.TransmitDropped++;
                _mbufs.Pool.Free(new PacketHandle((PacketBuffer*)_tx[i]));
            }

            packets = packets[n..];
        }

        return total;
    }

    /// <summary>Frees the scratch memory (the device is closed by its owner).</summary>
    public void Dispose()
    {
        if (_tx != null)
        {
            NativeMemory.Free(_tx);
            _tx = null;
        }
    }

    // A slab packet (built by the gateway, not received) becomes an mbuf: copy, free the slab buffer.
    private bool TryCopyToMbuf(ref PacketHandle packet)
    {
        PacketHandle slab = packet;
        if (!_mbufs.TryAllocate(out PacketHandle mbuf) || !mbuf.TryAppend(slab.Length, out Span<byte> data))
        {
            if (!mbuf.IsNull)
                _mbufs.Pool.Free(mbuf);
            Counters.TransmitDropped++;
            _mbufs.Pool.Free(slab);
            return false;
        }

        slab.Data.CopyTo(data);
        _mbufs.Pool.Free(slab);
        Counters.CopiedToMbuf++;
        packet = mbuf;
        return true;
    }
}
