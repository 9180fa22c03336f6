using System.Net;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Client;

/// <summary>
/// The production <see cref="IGreTransport"/>: the dataplane's <see cref="RawGreSocket"/> (raw IPv4 socket for protocol
/// 47, kernel-built IPv4 headers) bound to the control connection's local address, keeping only packets whose source is
/// the server. Needs root or CAP_NET_RAW.
/// </summary>
public sealed class RawGreTransport : IGreTransport
{
    private readonly PacketPool _pool;
    private readonly RawGreSocket _socket;
    private readonly uint _server;
    private readonly PacketHandle[] _burst = new PacketHandle[PacketBurst.Size];
    private int _burstNext;
    private int _burstCount;
    private long _foreign;
    // Sends held by SendDeferred until FlushSends (callers serialise sends, IGreTransport): one sendmmsg per batch.
    private readonly PacketHandle[] _pending = new PacketHandle[PacketBurst.Size];
    private int _pendingCount;
    private long _sendBatches;

    /// <param name="localAddress">Our address (the TCP connection's local address): the socket binds to it.</param>
    /// <param name="serverAddress">The PPTP server: the only source accepted, and where packets go.</param>
    /// <exception cref="PortSetupException">No raw socket (not root) or the address is not local.</exception>
    public RawGreTransport(IPAddress localAddress, IPAddress serverAddress)
    {
        ArgumentNullException.ThrowIfNull(localAddress);
        ArgumentNullException.ThrowIfNull(serverAddress);
        _server = AddressConversion.ToHostOrder(serverAddress);
        _pool = new PacketPool(capacity: 1024);
        try
        {
            _socket = new RawGreSocket(_pool, localAddress);
        }
        catch
        {
            _pool.Dispose();
            throw;
        }
    }

    /// <summary>GRE packets from other sources that the raw socket also saw (a raw socket gets every GRE packet for the address).</summary>
    public long ForeignPackets => Interlocked.Read(ref _foreign);

    /// <summary>The socket's counters (sent, refused by the kernel, ...).</summary>
    public PortCounters Counters => _socket.Counters;

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> grePacket)
    {
        SendDeferred(grePacket);
        FlushSends();
    }

    /// <inheritdoc/>
    /// <remarks>Copied into a packet buffer of the socket's pool; a full batch (<see cref="PacketBurst.Size"/>) goes out at once.</remarks>
    public void SendDeferred(ReadOnlySpan<byte> grePacket)
    {
        if (!_pool.TryAllocate(out PacketHandle packet))
            return;
        if (!packet.TrySetData(_pool.Headroom, grePacket.Length))
        {
            _pool.Free(packet);
            return;
        }
        grePacket.CopyTo(packet.Data);
        packet.PeerAddress = _server;
        _pending[_pendingCount++] = packet;
        if (_pendingCount == _pending.Length)
            FlushSends();
    }

    /// <summary>Packets sent in one sendmmsg by <see cref="FlushSends"/> (for tests and the bench: how well sends batch).</summary>
    public long SendBatches => Interlocked.Read(ref _sendBatches);

    /// <inheritdoc/>
    public void FlushSends()
    {
        int count = _pendingCount;
        if (count == 0)
            return;
        _pendingCount = 0;
        int taken = _socket.TransmitBurst(_pending.AsSpan(0, count));
        if (taken < count)
            _pool.FreeBurst(_pending.AsSpan(taken, count - taken)); // EAGAIN: dropped, as a full interface queue would
        Interlocked.Increment(ref _sendBatches);
    }

    /// <inheritdoc/>
    public bool TryReceive(Span<byte> destination, out int length, int timeoutMilliseconds)
    {
        length = 0;
        long deadline = Environment.TickCount64 + Math.Max(0, timeoutMilliseconds);
        while (true)
        {
            while (_burstNext < _burstCount)
            {
                PacketHandle packet = _burst[_burstNext++];
                bool ours = packet.PeerAddress == _server && packet.Length <= destination.Length;
                if (ours)
                {
                    packet.Data.CopyTo(destination);
                    length = packet.Length;
                }
                else
                {
                    Interlocked.Increment(ref _foreign);
                }
                _pool.Free(packet);
                if (ours)
                    return true;
            }
            _burstNext = _burstCount = 0;
            int wait = (int)Math.Max(0, deadline - Environment.TickCount64);
            // A look without waiting is the recvmmsg itself (EAGAIN when empty): no poll(2) in front of it.
            if (wait > 0 && !_socket.WaitReadable(wait))
                return false;
            _burstCount = _socket.ReceiveBurst(_burst);
            if (_burstCount == 0 && Environment.TickCount64 >= deadline)
                return false;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        for (int i = _burstNext; i < _burstCount; i++)
            _pool.Free(_burst[i]);
        _burstNext = _burstCount = 0;
        if (_pendingCount > 0)
            _pool.FreeBurst(_pending.AsSpan(0, _pendingCount));
        _pendingCount = 0;
        _socket.Dispose();
        _pool.Dispose();
    }
}
