using System.Collections.Concurrent;
using System.Threading.Channels;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Tests.Gateway;

/// <summary>
/// An in-process fake of the dataplane for gateway tests: instead of GRE it carries the PPP control frames between the
/// gateway's PPP sessions and client-role <see cref="PppSession"/>s the test attaches. One pump task delivers every frame,
/// in order, never from inside a sender, so no session is re-entered and no two session locks are ever held together.
/// It records what the control plane installed (tunnel address, ACFC/PFC, MPPE keys) and counts like a dataplane
/// (packets, bytes, GRE-style sequence numbers) so <c>show vpdn</c> has numbers to print.
/// </summary>
internal sealed class LoopbackDataplane : IDataplaneControl, IAsyncDisposable
{
    private readonly IControlFrameSink _sink;
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<SessionHandle, Entry> _entries = new();
    private readonly ConcurrentDictionary<ushort, TaskCompletionSource<Entry>> _openedByPeerCallId = new();
    private readonly Task _pump;
    private int _nextSlot;

    public LoopbackDataplane(IControlFrameSink sink)
    {
        _sink = sink;
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Exceptions thrown while delivering (none expected).</summary>
    public ConcurrentBag<Exception> Faults { get; } = [];

    /// <summary>Sessions installed so far (open or closed).</summary>
    public IReadOnlyCollection<Entry> Entries => [.. _entries.Values];

    /// <summary>Refuse every TryOpen with this error (tests of a full dataplane); None accepts.</summary>
    public SessionInstallError RefuseWith { get; set; }

    /// <summary>A session as the control plane installed and configured it.</summary>
    internal sealed class Entry(DataplaneSessionSpec spec, SessionHandle handle)
    {
        private readonly Lock _gate = new();
        private readonly List<byte[]> _pendingToClient = [];
        private PppSession? _client;

        public DataplaneSessionSpec Spec { get; } = spec;
        public SessionHandle Handle { get; } = handle;
        public TaskCompletionSource<(uint Address, bool Acfc, bool Pfc, bool RequireEncryption)> Network { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<MppeParameters> Mppe { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool IsClosed => Closed.Task.IsCompleted;
        public int PeerResetRequests;
        public ulong PacketsIn, BytesIn, PacketsOut, BytesOut;
        public uint NextSequence, LastSequenceReceived;

        /// <summary>Gateway → client (pump thread).</summary>
        public void DeliverToClient(byte[] frame)
        {
            PppSession? client;
            lock (_gate)
            {
                client = _client;
                if (client is null)
                {
                    _pendingToClient.Add(frame);
                    return;
                }
            }
            client.Receive(frame);
        }

        /// <summary>Attaches the client session (pump thread); frames sent before it are delivered first.</summary>
        public void Attach(PppSession client)
        {
            byte[][] pending;
            lock (_gate)
            {
                _client = client;
                pending = [.. _pendingToClient];
                _pendingToClient.Clear();
            }
            foreach (byte[] frame in pending)
                client.Receive(frame);
        }
    }

    /// <summary>The session installed for the call whose peer Call ID is <paramref name="peerCallId"/> (waits for TryOpen).</summary>
    public Task<Entry> WaitOpenedAsync(ushort peerCallId) =>
        _openedByPeerCallId.GetOrAdd(peerCallId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(20));

    /// <summary>Attaches a client-role session to <paramref name="entry"/> and starts it (on the pump).</summary>
    public void AttachClient(Entry entry, PppSession client) => Post(() =>
    {
        entry.Attach(client);
        client.Start();
    });

    /// <summary>The client's sender: a frame from the client towards the gateway, as GRE would bring it up.</summary>
    public void FromClient(Entry entry, ReadOnlySpan<byte> frame)
    {
        byte[] copy = frame.ToArray();
        Post(() =>
        {
            if (entry.IsClosed)
                return;
            entry.PacketsIn++;
            entry.BytesIn += (ulong)copy.Length;
            entry.LastSequenceReceived++;
            _sink.OnControlFrame(entry.Handle, copy);
        });
    }

    /// <summary>Simulates stateful-MPPE loss detected by the dataplane (RFC 3078 §8).</summary>
    public void SignalResetRequestNeeded(Entry entry) => Post(() => _sink.OnResetRequestNeeded(entry.Handle));

    public SessionInstallError TryOpen(in DataplaneSessionSpec spec, out SessionHandle session)
    {
        if (RefuseWith != SessionInstallError.None)
        {
            session = SessionHandle.None;
            return RefuseWith;
        }
        session = new SessionHandle(Interlocked.Increment(ref _nextSlot), 1);
        var entry = new Entry(spec, session);
        _entries[session] = entry;
        _openedByPeerCallId.GetOrAdd(spec.PeerCallId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(entry);
        return SessionInstallError.None;
    }

    public bool SetNetwork(SessionHandle session, uint tunnelAddress, bool transmitAcfc, bool transmitPfc, bool requireEncryption, ushort tcpMss = 0,
        ushort tunnelMtu = 0)
    {
        if (!_entries.TryGetValue(session, out Entry? entry) || entry.IsClosed)
            return false;
        entry.Network.TrySetResult((tunnelAddress, transmitAcfc, transmitPfc, requireEncryption));
        return true;
    }

    public bool SetMppe(SessionHandle session, in MppeParameters mppe)
    {
        if (!_entries.TryGetValue(session, out Entry? entry) || entry.IsClosed)
            return false;
        entry.Mppe.TrySetResult(mppe);
        return true;
    }

    /// <summary>Network-down commands received (renegotiations).</summary>
    public int NetworkDowns;

    public bool SetNetworkDown(SessionHandle session)
    {
        if (!_entries.TryGetValue(session, out Entry? entry) || entry.IsClosed)
            return false;
        Interlocked.Increment(ref NetworkDowns);
        return true;
    }

    public bool OnPeerResetRequest(SessionHandle session)
    {
        if (!_entries.TryGetValue(session, out Entry? entry) || entry.IsClosed)
            return false;
        Interlocked.Increment(ref entry.PeerResetRequests);
        return true;
    }

    public bool SendControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame)
    {
        if (!_entries.TryGetValue(session, out Entry? entry) || entry.IsClosed)
            return false;
        byte[] copy = pppFrame.ToArray();
        Post(() =>
        {
            if (entry.IsClosed)
                return;
            entry.PacketsOut++;
            entry.BytesOut += (ulong)copy.Length;
            entry.NextSequence++;
            entry.DeliverToClient(copy);
        });
        return true;
    }

    public bool Close(SessionHandle session)
    {
        if (!_entries.TryGetValue(session, out Entry? entry) || entry.IsClosed)
            return false;
        entry.Closed.TrySetResult();
        return true;
    }

    public bool TryGetCounters(SessionHandle session, out SessionCounters counters)
    {
        if (!_entries.TryGetValue(session, out Entry? e))
        {
            counters = default;
            return false;
        }
        counters = new SessionCounters(e.PacketsIn, e.BytesIn, e.PacketsOut, e.BytesOut, e.LastSequenceReceived, e.NextSequence == 0 ? 0 : e.NextSequence - 1,
            e.NextSequence, e.LastSequenceReceived, e.Spec.PeerReceiveWindow, 0, 0);
        return true;
    }

    private void Post(Action action) => _work.Writer.TryWrite(action);

    private async Task PumpAsync()
    {
        await foreach (Action action in _work.Reader.ReadAllAsync())
        {
            try
            {
                action();
            }
            catch (Exception ex)
            {
                Faults.Add(ex); // a session must never throw on a frame: tests assert this stays empty
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _pump;
    }
}
