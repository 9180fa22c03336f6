using System.Collections.Concurrent;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Client;

/// <summary>
/// Shares one <see cref="IGreTransport"/> (one raw GRE socket) between the calls of a tunnel: every GRE packet carries
/// the receiver's Call ID in its Key field (RFC 2637 §4.1), so one receive loop hands each packet to the view of that
/// call and drops the rest (counted). Without it, each call would need a raw socket of its own, and every raw socket
/// sees every GRE packet for the address.
/// </summary>
/// <remarks>Threading: <see cref="Open"/> and the views' members are thread-safe; sends are serialised here.</remarks>
public sealed class GreDemultiplexer : IDisposable
{
    /// <summary>Packets a view queues before it drops (a call whose reader stalls cannot hold unbounded memory).</summary>
    public const int QueueLimit = 1024;

    private const int BufferSize = 2048;
    private const int IdleWaitMilliseconds = 100;

    private readonly IGreTransport _shared;
    private readonly ConcurrentDictionary<ushort, View> _views = new();
    private readonly Lock _sendLock = new();
    private readonly Thread _receiver;
    private volatile bool _stopping;
    private long _unknown, _malformed, _overflow;

    /// <summary>Starts demultiplexing <paramref name="shared"/>, which it owns (disposed with it).</summary>
    public GreDemultiplexer(IGreTransport shared)
    {
        ArgumentNullException.ThrowIfNull(shared);
        _shared = shared;
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "pptp-gre-demux" };
        _receiver.Start();
    }

    /// <summary>Packets whose Key names no open call.</summary>
    public long UnknownCallPackets => Interlocked.Read(ref _unknown);

    /// <summary>Packets that are not enhanced GRE.</summary>
    public long MalformedPackets => Interlocked.Read(ref _malformed);

    /// <summary>Packets dropped because their call's queue was full.</summary>
    public long OverflowPackets => Interlocked.Read(ref _overflow);

    /// <summary>The transport of call <paramref name="callId"/> (our Call ID, the Key of packets to us); dispose it when the call ends.</summary>
    /// <exception cref="InvalidOperationException">A view for that id is open.</exception>
    public IGreTransport Open(ushort callId)
    {
        var view = new View(this, callId);
        if (!_views.TryAdd(callId, view))
            throw new InvalidOperationException($"a GRE view for call id {callId} is open");
        return view;
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        if (_receiver != Thread.CurrentThread)
            _receiver.Join();
        foreach (View view in _views.Values)
            view.Dispose();
        _shared.Dispose();
    }

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[BufferSize];
        try
        {
            while (!_stopping)
            {
                if (!_shared.TryReceive(buffer, out int length, IdleWaitMilliseconds))
                    continue;
                if (EnhancedGrePacket.TryParse(buffer.AsSpan(0, length), out EnhancedGrePacket gre) != EnhancedGreError.None)
                {
                    Interlocked.Increment(ref _malformed);
                    continue;
                }
                if (!_views.TryGetValue(gre.CallId, out View? view))
                {
                    Interlocked.Increment(ref _unknown);
                    continue;
                }
                if (!view.Enqueue(buffer.AsSpan(0, length)))
                    Interlocked.Increment(ref _overflow);
            }
        }
        catch (ObjectDisposedException)
        {
            // the shared transport closed under us
        }
    }

    private void Send(ReadOnlySpan<byte> packet)
    {
        lock (_sendLock)
            _shared.Send(packet);
    }

    private sealed class View(GreDemultiplexer owner, ushort callId) : IGreTransport
    {
        private readonly BlockingCollection<byte[]> _queue = new(QueueLimit);
        private readonly CancellationTokenSource _closed = new();

        public bool Enqueue(ReadOnlySpan<byte> packet)
        {
            try
            {
                return !_queue.IsAddingCompleted && _queue.TryAdd(packet.ToArray());
            }
            catch (InvalidOperationException)
            {
                return false; // closed between the check and the add
            }
        }

        public void Send(ReadOnlySpan<byte> grePacket)
        {
            if (!_closed.IsCancellationRequested)
                owner.Send(grePacket);
        }

        public bool TryReceive(Span<byte> destination, out int length, int timeoutMilliseconds)
        {
            return PacketQueue.TryTake(_queue, destination, out length, timeoutMilliseconds, _closed.Token);
        }

        public void Dispose()
        {
            if (_closed.IsCancellationRequested)
                return;
            owner._views.TryRemove(new KeyValuePair<ushort, View>(callId, this));
            _closed.Cancel();
            _queue.CompleteAdding();
        }
    }
}
