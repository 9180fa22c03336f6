using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Gre;

/// <summary>
/// A worker's enhanced GRE sequencing for all of its sessions (RFC 2637 §4.2-§4.4): per-session
/// <see cref="GreReceiveState"/> and <see cref="GreTransmitState"/> arrays, plus two deadline lists that keep the
/// timers cheap at 100,000 sessions: sessions owing an acknowledgment (acknowledgment-only packets are due
/// <see cref="AcknowledgmentDelayTicks"/> after an acknowledgment became owed, unless data carried it first) and
/// sessions holding packets behind a gap (the head gap is given up <see cref="GreReorderPolicy.MaxWaitTicks"/>
/// after <see cref="GreReceiveState.GapSinceTicks"/>). Finding what is due costs O(due): no scan of all sessions.
/// </summary>
/// <remarks>
/// Single-threaded: one worker owns an instance. Session indices are the worker's own (0 .. capacity - 1); the
/// caller maps Call IDs to them. Packets are opaque <c>int</c> handles (e.g. packet-pool indices); a handle is
/// either delivered (written to a span the caller passes), kept (held for reordering), or handed back to the
/// caller to free, as each method's result says. All <c>nowTicks</c> come from the caller (one clock read per
/// burst), in the unit of the policy's and the acknowledgment delay's ticks, and must not go backwards.
/// Memory: 152 (receive) + 56 (transmit) + 2 × 16 (deadline lists) = 240 octets per session of capacity,
/// 24.0 MB for 100,000 sessions, all allocated up front.
/// </remarks>
public sealed class GreSequencer
{
    /// <summary>Default delay before an owed acknowledgment goes out alone: 1 ms. Long enough for returning
    /// traffic (a TCP ACK, a reply) to carry it instead, far below any peer's acknowledgment time-out
    /// (RFC 2637 §4.4 adapts it to the round-trip time, which is much longer).</summary>
    public static readonly TimeSpan DefaultAcknowledgmentDelay = TimeSpan.FromMilliseconds(1);

    private readonly GreReceiveState[] _receive;
    private readonly GreTransmitState[] _transmit;
    private readonly SessionDeadlineList _acknowledgments;
    private readonly SessionDeadlineList _gaps;
    private readonly GreReorderPolicy _policy;

    /// <summary>Creates the sequencing of a worker with room for <paramref name="sessionCapacity"/> sessions.</summary>
    public GreSequencer(int sessionCapacity, GreReorderPolicy policy, long acknowledgmentDelayTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sessionCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(acknowledgmentDelayTicks);
        ArgumentOutOfRangeException.ThrowIfZero(policy.MaxWaitTicks, nameof(policy));
        _receive = new GreReceiveState[sessionCapacity];
        _transmit = new GreTransmitState[sessionCapacity];
        _acknowledgments = new SessionDeadlineList(sessionCapacity);
        _gaps = new SessionDeadlineList(sessionCapacity);
        _policy = policy;
        AcknowledgmentDelayTicks = acknowledgmentDelayTicks;
    }

    /// <summary>Session indices 0 .. Capacity - 1.</summary>
    public int Capacity => _receive.Length;
    /// <summary>The reorder policy of every session of this worker.</summary>
    public GreReorderPolicy Policy => _policy;
    /// <summary>How long an owed acknowledgment waits for outgoing data before it is sent alone.</summary>
    public long AcknowledgmentDelayTicks { get; }
    /// <summary>Sessions owing the peer an acknowledgment.</summary>
    public int PendingAcknowledgments => _acknowledgments.Count;
    /// <summary>Sessions holding packets behind a gap.</summary>
    public int SessionsHoldingPackets => _gaps.Count;

    /// <summary>The receive state of <paramref name="session"/> (for counters and inspection).</summary>
    public ref GreReceiveState ReceiveState(int session) => ref _receive[session];
    /// <summary>The transmit state of <paramref name="session"/> (for counters and inspection).</summary>
    public ref GreTransmitState TransmitState(int session) => ref _transmit[session];

    /// <summary>
    /// Starts sequencing for <paramref name="session"/> once the call is up: the peer's Call ID (our packets' Key),
    /// the receive window we advertised and the one the peer advertised (RFC 2637 §2.7-§2.10), and our first
    /// Sequence Number. Any previous state of the index is forgotten (close it first if it held packets).
    /// </summary>
    public void Open(int session, ushort peerCallId, ushort ourReceiveWindow, ushort peerReceiveWindow,
        uint initialSequenceNumber = 0)
    {
        _receive[session].Initialize(ourReceiveWindow);
        _transmit[session].Initialize(peerCallId, peerReceiveWindow, initialSequenceNumber);
        _acknowledgments.Remove(session);
        _gaps.Remove(session);
    }

    /// <summary>
    /// Ends sequencing for <paramref name="session"/>: writes the handles still held to
    /// <paramref name="heldHandles"/> (at least <see cref="GreReceiveState.MaxReorderDepth"/> long) for the caller
    /// to free, and returns how many; no acknowledgment stays scheduled.
    /// </summary>
    public int Close(int session, Span<int> heldHandles)
    {
        int n = _receive[session].TakeHeld(heldHandles);
        _receive[session] = default;
        _transmit[session] = default;
        _acknowledgments.Remove(session);
        _gaps.Remove(session);
        return n;
    }

    /// <summary>
    /// Accounts a parsed GRE packet of <paramref name="session"/> held in <paramref name="handle"/>: takes the
    /// peer's acknowledgment if present, then sequences the data (see <see cref="GreReceiveState.Receive"/>).
    /// <paramref name="deliver"/> (at least <see cref="GreReceiveState.MaxDeliveredPerCall"/> long) receives the
    /// handles to pass up, in order. On every result except <see cref="GreReceiveResult.Delivered"/> and
    /// <see cref="GreReceiveResult.Held"/> the caller frees <paramref name="handle"/>.
    /// </summary>
    public GreReceiveResult Receive(int session, scoped in EnhancedGrePacket packet, int handle, long nowTicks,
        Span<int> deliver, out int delivered)
        => Receive(session, packet.SequenceNumberPresent, packet.SequenceNumber, packet.AcknowledgmentNumberPresent,
            packet.AcknowledgmentNumber, handle, nowTicks, deliver, out delivered);

    /// <summary>As <see cref="Receive(int, in EnhancedGrePacket, int, long, Span{int}, out int)"/>, from the header fields.</summary>
    public GreReceiveResult Receive(int session, bool sequenceNumberPresent, uint sequenceNumber,
        bool acknowledgmentNumberPresent, uint acknowledgmentNumber, int handle, long nowTicks,
        Span<int> deliver, out int delivered)
        => Receive(session, sequenceNumberPresent, sequenceNumber, acknowledgmentNumberPresent, acknowledgmentNumber,
            handle, nowTicks, deliver, out delivered, automaticResync: true);

    /// <summary>
    /// As <see cref="Receive(int, bool, uint, bool, uint, int, long, Span{int}, out int)"/>; with
    /// <paramref name="automaticResync"/> false a packet beyond the window is always dropped (the worker's MPPE
    /// sessions, which resynchronise only on a verified packet through <see cref="ReceiveResynchronizing"/>). With it
    /// true, a run of beyond-window packets resynchronises only if each carries a plausible acknowledgment of our
    /// numbering (<see cref="GreTransmitState.IsPlausibleAcknowledgment"/>): never on sequence numbers alone.
    /// </summary>
    public GreReceiveResult Receive(int session, bool sequenceNumberPresent, uint sequenceNumber,
        bool acknowledgmentNumberPresent, uint acknowledgmentNumber, int handle, long nowTicks,
        Span<int> deliver, out int delivered, bool automaticResync)
    {
        ref GreReceiveState receive = ref _receive[session];
        ref GreTransmitState transmit = ref _transmit[session];
        if (acknowledgmentNumberPresent)
            transmit.OnPeerAcknowledgment(acknowledgmentNumber);
        if (!sequenceNumberPresent)
        {
            delivered = 0;
            return GreReceiveResult.AcknowledgmentOnly;
        }
        bool wasSynchronized = receive.IsSynchronized;
        uint nextBefore = receive.NextExpected;
        bool evidence = automaticResync && acknowledgmentNumberPresent && transmit.IsPlausibleAcknowledgment(acknowledgmentNumber);
        GreReceiveResult result = receive.Receive(sequenceNumber, handle, nowTicks, _policy, deliver, out delivered, evidence);
        AfterReceive(session, ref receive, ref transmit, wasSynchronized, nextBefore, nowTicks);
        return result;
    }

    /// <summary>The tentative window check of a data packet of <paramref name="session"/> (changes nothing).</summary>
    public GreWindowCheck Check(int session, uint sequenceNumber) => _receive[session].Check(sequenceNumber);

    /// <summary>
    /// Accounts a data packet that lies beyond the receive window but has been shown to belong to the session (see
    /// <see cref="GreReceiveState.ReceiveResynchronizing"/>): takes its acknowledgment, moves the window to it and
    /// delivers it (after any held packets). The acknowledgment owed is scheduled as for any new position.
    /// </summary>
    public GreReceiveResult ReceiveResynchronizing(int session, uint sequenceNumber, bool acknowledgmentNumberPresent,
        uint acknowledgmentNumber, int handle, long nowTicks, Span<int> deliver, out int delivered)
    {
        ref GreReceiveState receive = ref _receive[session];
        ref GreTransmitState transmit = ref _transmit[session];
        if (acknowledgmentNumberPresent)
            transmit.OnPeerAcknowledgment(acknowledgmentNumber);
        GreReceiveResult result = receive.ReceiveResynchronizing(sequenceNumber, handle, deliver, out delivered);
        AfterReceive(session, ref receive, ref transmit, false, 0, nowTicks);
        return result;
    }

    /// <summary>
    /// Prepends the GRE header to an outgoing payload of <paramref name="session"/> (see
    /// <see cref="GreTransmitState.EncapsulateData"/>), piggy-backing the owed acknowledgment, which then no longer
    /// needs an acknowledgment-only packet. Returns the header's offset, or -1.
    /// </summary>
    public int EncapsulateData(int session, Span<byte> buffer, int payloadOffset, int payloadLength)
    {
        ref GreTransmitState transmit = ref _transmit[session];
        int offset = transmit.EncapsulateData(buffer, payloadOffset, payloadLength);
        if (offset >= 0 && !transmit.AcknowledgmentOwed)
            _acknowledgments.Remove(session);
        return offset;
    }

    /// <summary>
    /// The session whose acknowledgment has waited longest, if it has waited <see cref="AcknowledgmentDelayTicks"/>
    /// by <paramref name="nowTicks"/> without outgoing data to carry it. The caller then writes it with
    /// <see cref="WriteAcknowledgment"/>, which unlists it; the same session is returned until that happens.
    /// </summary>
    public bool TryGetDueAcknowledgment(long nowTicks, out int session)
    {
        if (_acknowledgments.TryPeekOldest(out session, out long since) && nowTicks - since >= AcknowledgmentDelayTicks)
            return true;
        session = -1;
        return false;
    }

    /// <summary>
    /// Writes the acknowledgment-only packet of <paramref name="session"/> (the 12-octet GRE header; the caller adds
    /// the IP header) to <paramref name="destination"/>. Returns 12, 0 when nothing is owed (also unlisting it), or
    /// -1 when <paramref name="destination"/> is too short (it stays scheduled).
    /// </summary>
    public int WriteAcknowledgment(int session, Span<byte> destination)
    {
        ref GreTransmitState transmit = ref _transmit[session];
        if (!transmit.AcknowledgmentOwed)
        {
            _acknowledgments.Remove(session);
            return 0;
        }
        int length = transmit.WriteAcknowledgment(destination);
        if (length >= 0)
            _acknowledgments.Remove(session);
        return length;
    }

    /// <summary>
    /// Gives up the oldest expired gap, if any: the session whose reorder ring has held packets back for the
    /// policy's wait by <paramref name="nowTicks"/>. Its released handles, in order, go to
    /// <paramref name="deliver"/> (at least <see cref="GreReceiveState.MaxReorderDepth"/> long). Call until false.
    /// </summary>
    public bool TryExpireReorder(long nowTicks, out int session, Span<int> deliver, out int delivered)
    {
        if (!_gaps.TryTakeOldest(nowTicks - _policy.MaxWaitTicks, out session))
        {
            delivered = 0;
            return false;
        }
        ref GreReceiveState receive = ref _receive[session];
        uint nextBefore = receive.NextExpected;
        delivered = receive.Expire(nowTicks, _policy, deliver);
        AfterReceive(session, ref receive, ref _transmit[session], true, nextBefore, nowTicks);
        return true;
    }

    private void AfterReceive(int session, ref GreReceiveState receive, ref GreTransmitState transmit,
        bool wasSynchronized, uint nextBefore, long nowTicks)
    {
        // A new in-order position is a new Acknowledgment Number the peer should get (RFC 2637 §4.2).
        if (receive.IsSynchronized && (!wasSynchronized || receive.NextExpected != nextBefore))
        {
            transmit.NoteReceived(receive.LastInOrder);
            if (transmit.AcknowledgmentOwed && !_acknowledgments.Contains(session))
                _acknowledgments.Add(session, nowTicks);
        }
        if (receive.HasHeldPackets)
        {
            if (!_gaps.Contains(session) || _gaps.SinceTicks(session) != receive.GapSinceTicks)
                _gaps.Add(session, receive.GapSinceTicks);
        }
        else
        {
            _gaps.Remove(session);
        }
    }
}
