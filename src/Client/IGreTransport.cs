using System.Collections.Concurrent;

namespace PptpGw.Client;

/// <summary>
/// Where the client's enhanced GRE packets (RFC 2637 §4.1, starting at the GRE header, no IPv4 header) go to and come
/// from: a raw IP protocol 47 socket in production (<see cref="RawGreTransport"/>), an in-memory pair in tests
/// (<see cref="MemoryGreTransport"/>). Only packets from the server are delivered.
/// </summary>
/// <remarks>Threading: one thread receives; <see cref="Send"/> is serialised by the caller.</remarks>
public interface IGreTransport : IDisposable
{
    /// <summary>
    /// Sends one GRE packet to the server, after whatever <see cref="SendDeferred"/> holds (so the wire order is the call
    /// order). Never blocks; a packet the transport cannot take is dropped and counted.
    /// </summary>
    void Send(ReadOnlySpan<byte> grePacket);

    /// <summary>
    /// Takes one GRE packet to go out with the next <see cref="Send"/> or <see cref="FlushSends"/> (or when the transport's
    /// batch is full): a burst of data packets then costs one system call (sendmmsg) instead of one each (issue 12). The
    /// caller flushes before it waits. By default it is sent at once.
    /// </summary>
    void SendDeferred(ReadOnlySpan<byte> grePacket) => Send(grePacket);

    /// <summary>Sends what <see cref="SendDeferred"/> holds. Serialised by the caller, as <see cref="Send"/>.</summary>
    void FlushSends()
    {
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMilliseconds"/> for one GRE packet from the server and copies it to
    /// <paramref name="destination"/>. False on time-out (or when the transport is closed).
    /// </summary>
    bool TryReceive(Span<byte> destination, out int length, int timeoutMilliseconds);
}

/// <summary>
/// Two connected in-memory GRE endpoints: what one sends, the other receives (copied, in order). For tests of the client
/// against a stand-in server without raw sockets, and for load tools that run both ends in one process.
/// </summary>
public sealed class MemoryGreTransport : IGreTransport
{
    private readonly BlockingCollection<byte[]> _inbound;
    private readonly BlockingCollection<byte[]> _outbound;
    private readonly CancellationTokenSource _closed = new();

    private MemoryGreTransport(BlockingCollection<byte[]> inbound, BlockingCollection<byte[]> outbound)
    {
        _inbound = inbound;
        _outbound = outbound;
    }

    /// <summary>Creates a connected pair (client end, server end).</summary>
    public static (MemoryGreTransport Client, MemoryGreTransport Server) CreatePair()
    {
        var toServer = new BlockingCollection<byte[]>();
        var toClient = new BlockingCollection<byte[]>();
        return (new MemoryGreTransport(toClient, toServer), new MemoryGreTransport(toServer, toClient));
    }

    /// <summary>Return false to drop a packet this end sends (loss injection in tests).</summary>
    public Func<byte[], bool>? SendFilter { get; set; }

    /// <summary>Packets sent by this end (including dropped ones).</summary>
    public long PacketsSent => Interlocked.Read(ref _sent);

    private long _sent;

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> grePacket)
    {
        byte[] copy = grePacket.ToArray();
        Interlocked.Increment(ref _sent);
        if (SendFilter?.Invoke(copy) == false || _outbound.IsAddingCompleted)
            return;
        try
        {
            _outbound.Add(copy);
        }
        catch (InvalidOperationException)
        {
            // the other end closed between the check and the add: the packet is lost, as on a wire
        }
    }

    /// <inheritdoc/>
    public bool TryReceive(Span<byte> destination, out int length, int timeoutMilliseconds)
    {
        try
        {
            return PacketQueue.TryTake(_inbound, destination, out length, timeoutMilliseconds, _closed.Token);
        }
        catch (ObjectDisposedException)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>Closes this end: receives stop, and the peer's sends are discarded.</summary>
    public void Dispose()
    {
        if (_closed.IsCancellationRequested)
            return;
        _closed.Cancel();
        _inbound.CompleteAdding();
    }
}
