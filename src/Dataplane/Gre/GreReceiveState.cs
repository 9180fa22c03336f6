using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Gre;

/// <summary>
/// Receive-side enhanced GRE sequencing of one session (RFC 2637 §4.2-§4.4): the next expected Sequence Number,
/// the window we advertised, a 16-slot reorder ring (up to 15 packets held), and per-session counters.
/// </summary>
/// <remarks>
/// <para>
/// A mutable struct kept by the worker in a per-session array and always used through a <c>ref</c>; it holds no
/// references, so such an array is one block the GC never scans, and nothing here allocates.
/// </para>
/// <para>
/// Reordering (RFC 2637 §4.3 allows a receiver to "temporarily queue and reorder" out-of-sequence packets): a
/// packet ahead of the next expected one is held in a 16-slot ring indexed by <c>seq mod 16</c>; held numbers
/// always lie in (next, next + depth], depth at most 15, so they never collide. When the gap fills, the held run is released in order. If the
/// ring is not emptied within the policy's wait (measured with the caller's <c>nowTicks</c> from when the ring
/// went from empty to holding, or from the last give-up), the gap heading the line is given up: the missing
/// numbers are counted lost and the held packets up to the next gap released; those still held then get a new
/// wait. So no packet waits longer than the wait times the number of gaps ahead of it (at most 15). Packets beyond the depth make room the same way. Delivering in order matters more here than in most
/// tunnels: MPPE (RFC 3078 §3) keys run forward only, so a packet delivered after a later one is undecryptable.
/// </para>
/// <para>
/// Memory, per session: 40 octets of sequencing state (the last 8 for the beyond-window run's evidence) + 64
/// octets of slots (16 × a 4-octet packet handle) + 48 octets of counters = 152 octets, i.e. 15.2 MB for 100,000
/// sessions, of which the reorder ring is 6.4 MB.
/// A shared slot pool would save most of the 6.4 MB but adds an indirection, a pool-exhausted failure mode, and a
/// cache miss on the reordering path; next to the two RC4 states of an MPPE session (2 × 258 octets) an inline
/// ring is cheap.
/// </para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct GreReceiveState
{
    /// <summary>Slots of the reorder ring; a power of two so <c>seq &amp; 15</c> indexes it.</summary>
    public const int ReorderSlots = 16;

    /// <summary>
    /// Most packets a session holds: 15. Held numbers lie in (next, next + 15], whose residues mod 16 are distinct
    /// and never that of the next expected number, so a set bit at the next expected slot always means "that
    /// very number is held".
    /// </summary>
    public const int MaxReorderDepth = ReorderSlots - 1;

    /// <summary>The most handles one call can deliver: every held packet plus the one received.</summary>
    public const int MaxDeliveredPerCall = MaxReorderDepth + 1;

    /// <summary>How far back (in Sequence Numbers) duplicates are told apart from packets that came too late.</summary>
    public const int DuplicateHistory = 64;

    private const int SlotMask = ReorderSlots - 1;
    private const byte SynchronizedFlag = 1;

    // Hot state first: one cache line with the first slots.
    private uint _next;
    private uint _highest;
    private long _gapSinceTicks;
    private ulong _history;
    private ushort _heldMask;
    private ushort _window;
    private ushort _beyondWindowRun;
    private byte _flags;
    private uint _beyondWindowLast;
    private ReorderRing _slots;

    private ulong _received;
    private ulong _inOrder;
    private ulong _lost;
    private uint _held;
    private uint _reordered;
    private uint _duplicates;
    private uint _tooOld;
    private uint _beyondWindow;
    private uint _resynchronizations;

    /// <summary>
    /// Starts a session: forgets everything (counters included) and sets the receive window we advertised in the
    /// Outgoing-Call-Reply / Incoming-Call-Reply (RFC 2637 §2.8, "Packet Recv. Window Size"). The first data packet
    /// then fixes the sequence: RFC 2637 does not say where a peer starts numbering.
    /// </summary>
    public void Initialize(ushort receiveWindow)
    {
        ArgumentOutOfRangeException.ThrowIfZero(receiveWindow);
        this = default;
        _window = receiveWindow;
    }

    /// <summary>The receive window we advertised: how many packets past our acknowledgment a peer may send.</summary>
    public readonly ushort ReceiveWindow => _window;
    /// <summary>True once the first data packet fixed the peer's sequence.</summary>
    public readonly bool IsSynchronized => (_flags & SynchronizedFlag) != 0;
    /// <summary>The Sequence Number we wait for next.</summary>
    public readonly uint NextExpected => _next;
    /// <summary>
    /// The highest Sequence Number received in sequence (delivered, or passed over as lost): what we acknowledge
    /// (RFC 2637 §4.1 Acknowledgment Number). Meaningful only when <see cref="IsSynchronized"/>.
    /// </summary>
    public readonly uint LastInOrder => unchecked(_next - 1);
    /// <summary>True while packets wait in the reorder ring behind a gap.</summary>
    public readonly bool HasHeldPackets => _heldMask != 0;
    /// <summary>Packets waiting in the reorder ring.</summary>
    public readonly int HeldCount => BitOperations.PopCount(_heldMask);
    /// <summary>Start of the current wait: when the ring began holding, or the last give-up (valid while <see cref="HasHeldPackets"/>).</summary>
    public readonly long GapSinceTicks => _gapSinceTicks;

    /// <summary>Data packets given to <see cref="Receive"/>.</summary>
    public readonly ulong Received => _received;
    /// <summary>Packets that arrived exactly when expected and were delivered at once.</summary>
    public readonly ulong InOrder => _inOrder;
    /// <summary>Packets that arrived ahead of a gap (the highest so far) and were held.</summary>
    public readonly uint HeldAhead => _held;
    /// <summary>Packets that arrived after a higher-numbered one and were still delivered in order (reordered and recovered).</summary>
    public readonly uint Reordered => _reordered;
    /// <summary>Dropped: already delivered or already held.</summary>
    public readonly uint Duplicates => _duplicates;
    /// <summary>Dropped: arrived after their gap was given up, or older than the duplicate history.</summary>
    public readonly uint TooOld => _tooOld;
    /// <summary>Dropped: beyond the receive window we advertised (RFC 2637 §4.2).</summary>
    public readonly uint BeyondWindow => _beyondWindow;
    /// <summary>Sequence Numbers given up on (gaps that never filled in time, or passed over to make room).</summary>
    public readonly ulong Lost => _lost;
    /// <summary>Times a run of beyond-window packets moved the receiver to the peer's new position.</summary>
    public readonly uint Resynchronizations => _resynchronizations;

    /// <summary>
    /// Accounts a data packet (S bit set) with Sequence Number <paramref name="sequenceNumber"/> and handle
    /// <paramref name="packet"/>. Packets ready to go up, in sequence order, are written to
    /// <paramref name="deliver"/> (at least <see cref="MaxDeliveredPerCall"/> long) and counted in
    /// <paramref name="delivered"/>; they may include packets released because their gap expired. The result says
    /// what became of <paramref name="packet"/> itself: on a drop the caller still owns (and frees) it; on
    /// <see cref="GreReceiveResult.Held"/> this state owns it until a later call delivers it.
    /// </summary>
    public GreReceiveResult Receive(uint sequenceNumber, int packet, long nowTicks, in GreReorderPolicy policy,
        Span<int> deliver, out int delivered)
        => Receive(sequenceNumber, packet, nowTicks, policy, deliver, out delivered, resyncEvidence: true);

    /// <summary>
    /// As <see cref="Receive(uint, int, long, in GreReorderPolicy, Span{int}, out int)"/>, saying whether this packet
    /// carries evidence that it belongs to the session (<paramref name="resyncEvidence"/>: for the worker, a
    /// plausible acknowledgment of our own numbering, see <see cref="GreTransmitState.IsPlausibleAcknowledgment"/>).
    /// A beyond-window packet without it is dropped and changes nothing; only a run of
    /// <see cref="GreReorderPolicy.ResyncThreshold"/> beyond-window packets with evidence and consecutive Sequence
    /// Numbers resynchronises (so sequence numbers alone never move the window).
    /// </summary>
    public GreReceiveResult Receive(uint sequenceNumber, int packet, long nowTicks, in GreReorderPolicy policy,
        Span<int> deliver, out int delivered, bool resyncEvidence)
    {
        if (deliver.Length < MaxDeliveredPerCall)
            ThrowSpanTooShort(nameof(deliver), MaxDeliveredPerCall);
        int n = 0;
        _received++;
        if ((_flags & SynchronizedFlag) == 0)
        {
            _flags |= SynchronizedFlag;
            _next = sequenceNumber;
            _highest = unchecked(sequenceNumber - 1);
        }
        else if (_heldMask != 0 && nowTicks - _gapSinceTicks >= policy.MaxWaitTicks)
        {
            n = GiveUpHeadGap(nowTicks, deliver, n);
        }

        int distance = SequenceNumber.Distance(_next, sequenceNumber);
        if (distance < 0)
        {
            delivered = n;
            return ClassifyOld(sequenceNumber);
        }

        if (distance >= _window)
        {
            // RFC 2637 §4.2: a peer must not send past the window we granted; such a packet is either forged or
            // from a peer that lost track. Drop it, unless a run of them with evidence (consecutive numbers, each
            // vouched for by the caller) says the peer has really moved on. Packets without evidence leave the run
            // alone, so a forger cannot break a real peer's run either.
            if (policy.ResyncThreshold == 0 || !resyncEvidence)
            {
                _beyondWindow++;
                delivered = n;
                return GreReceiveResult.BeyondWindow;
            }
            bool continues = _beyondWindowRun != 0 && sequenceNumber == unchecked(_beyondWindowLast + 1);
            _beyondWindowRun = continues ? (ushort)(_beyondWindowRun + 1) : (ushort)1;
            _beyondWindowLast = sequenceNumber;
            if (_beyondWindowRun < policy.ResyncThreshold)
            {
                _beyondWindow++;
                delivered = n;
                return GreReceiveResult.BeyondWindow;
            }
            n = Resynchronize(sequenceNumber, deliver, n);
            distance = 0;
        }
        _beyondWindowRun = 0;

        if (distance > policy.Depth)
        {
            // No room to wait for everything before it: give up the oldest numbers so it fits the ring.
            n = SkipTo(unchecked(sequenceNumber - (uint)policy.Depth), deliver, n);
            n = Drain(deliver, n);
            distance = SequenceNumber.Distance(_next, sequenceNumber);
        }

        GreReceiveResult result;
        bool late = SequenceNumber.IsAfter(_highest, sequenceNumber);
        if (distance == 0)
        {
            if (late)
                _reordered++;
            else
                _inOrder++;
            deliver[n++] = packet;
            AdvanceDelivered();
            n = Drain(deliver, n);
            result = GreReceiveResult.Delivered;
        }
        else
        {
            int bit = 1 << (int)(sequenceNumber & SlotMask);
            if ((_heldMask & bit) != 0)
            {
                _duplicates++;
                delivered = n;
                return GreReceiveResult.Duplicate;
            }
            if (_heldMask == 0)
                _gapSinceTicks = nowTicks;
            _heldMask |= (ushort)bit;
            _slots[(int)(sequenceNumber & SlotMask)] = packet;
            if (late)
                _reordered++;
            else
                _held++;
            result = GreReceiveResult.Held;
        }
        if (!late)
            _highest = sequenceNumber;
        delivered = n;
        return result;
    }

    /// <summary>
    /// Where <paramref name="sequenceNumber"/> falls, without changing anything: the tentative window check the
    /// worker makes before a packet has been shown to belong to the session (RFC 2637 §4.2-§4.3).
    /// </summary>
    public readonly GreWindowCheck Check(uint sequenceNumber)
    {
        if ((_flags & SynchronizedFlag) == 0)
            return GreWindowCheck.InWindow;
        int distance = SequenceNumber.Distance(_next, sequenceNumber);
        if (distance < 0)
        {
            uint back = unchecked(_next - 1 - sequenceNumber);
            return back < DuplicateHistory && ((_history >> (int)back) & 1) != 0 ? GreWindowCheck.Duplicate : GreWindowCheck.TooOld;
        }
        if (distance >= _window)
            return GreWindowCheck.BeyondWindow;
        if (distance != 0 && (_heldMask & (1 << (int)(sequenceNumber & SlotMask))) != 0 && distance <= MaxReorderDepth)
            return GreWindowCheck.Duplicate;
        return GreWindowCheck.InWindow;
    }

    /// <summary>
    /// Takes <paramref name="sequenceNumber"/> as the new position at once and delivers <paramref name="packet"/>:
    /// for a packet beyond the window that has been <em>shown</em> to belong to the session (with MPPE: it
    /// decrypted, with a fresh coherency count, to a well-formed frame). Held packets are released first, in
    /// order. Returns <see cref="GreReceiveResult.Delivered"/>; <paramref name="deliver"/> as for
    /// <see cref="Receive(uint, int, long, in GreReorderPolicy, Span{int}, out int)"/>.
    /// </summary>
    public GreReceiveResult ReceiveResynchronizing(uint sequenceNumber, int packet, Span<int> deliver, out int delivered)
    {
        if (deliver.Length < MaxDeliveredPerCall)
            ThrowSpanTooShort(nameof(deliver), MaxDeliveredPerCall);
        _received++;
        _flags |= SynchronizedFlag;
        int n = Resynchronize(sequenceNumber, deliver, 0);
        _inOrder++;
        deliver[n++] = packet;
        AdvanceDelivered();
        _highest = sequenceNumber;
        delivered = n;
        return GreReceiveResult.Delivered;
    }

    /// <summary>
    /// Gives up the gap heading the line if it has held packets back for the policy's wait, releasing (in order)
    /// the held packets up to the next gap. Returns how many handles were written to <paramref name="deliver"/>
    /// (at least <see cref="MaxReorderDepth"/> long). The worker calls this for sessions whose
    /// <see cref="GapSinceTicks"/> + wait has passed; <see cref="Receive"/> also does it on its own.
    /// </summary>
    public int Expire(long nowTicks, in GreReorderPolicy policy, Span<int> deliver)
    {
        if (deliver.Length < MaxReorderDepth)
            ThrowSpanTooShort(nameof(deliver), MaxReorderDepth);
        if (_heldMask == 0 || nowTicks - _gapSinceTicks < policy.MaxWaitTicks)
            return 0;
        return GiveUpHeadGap(nowTicks, deliver, 0);
    }

    /// <summary>
    /// Empties the reorder ring without counting anything (session teardown): writes the held handles, in
    /// sequence order, to <paramref name="handles"/> (at least <see cref="MaxReorderDepth"/> long) for the caller
    /// to free, and returns how many.
    /// </summary>
    public int TakeHeld(Span<int> handles)
    {
        if (handles.Length < MaxReorderDepth)
            ThrowSpanTooShort(nameof(handles), MaxReorderDepth);
        int n = 0;
        for (uint k = 1; k <= MaxReorderDepth && _heldMask != 0; k++)
        {
            int slot = (int)(unchecked(_next + k) & SlotMask);
            if ((_heldMask & (1 << slot)) != 0)
            {
                handles[n++] = _slots[slot];
                _heldMask &= (ushort)~(1 << slot);
            }
        }
        return n;
    }

    private GreReceiveResult ClassifyOld(uint sequenceNumber)
    {
        // Bit k of the history is Sequence Number next-1-k.
        uint back = unchecked(_next - 1 - sequenceNumber);
        if (back < DuplicateHistory && ((_history >> (int)back) & 1) != 0)
        {
            _duplicates++;
            return GreReceiveResult.Duplicate;
        }
        _tooOld++;
        return GreReceiveResult.TooOld;
    }

    private int GiveUpHeadGap(long nowTicks, Span<int> deliver, int n)
    {
        uint target = _next;
        for (uint k = 1; k <= MaxReorderDepth; k++)
        {
            uint seq = unchecked(_next + k);
            if ((_heldMask & (1 << (int)(seq & SlotMask))) != 0)
            {
                target = seq;
                break;
            }
        }
        n = SkipTo(target, deliver, n);
        n = Drain(deliver, n);
        if (_heldMask != 0)
            _gapSinceTicks = nowTicks;
        return n;
    }

    /// <summary>Moves the next expected number to <paramref name="target"/>, releasing held packets on the way
    /// and counting the missing numbers lost.</summary>
    private int SkipTo(uint target, Span<int> deliver, int n)
    {
        uint gap = unchecked(target - _next);
        // Held packets all lie within the next 16 numbers, so only those need a look; the rest is bulk loss.
        uint walk = Math.Min(gap, ReorderSlots);
        for (uint k = 0; k < walk; k++)
        {
            int slot = (int)(_next & SlotMask);
            if ((_heldMask & (1 << slot)) != 0)
            {
                deliver[n++] = _slots[slot];
                _heldMask &= (ushort)~(1 << slot);
                AdvanceDelivered();
            }
            else
            {
                _lost++;
                _history <<= 1;
                _next = unchecked(_next + 1);
            }
        }
        uint rest = gap - walk;
        if (rest != 0)
        {
            _lost += rest;
            _history = rest >= DuplicateHistory ? 0 : _history << (int)rest;
            _next = unchecked(_next + rest);
        }
        return n;
    }

    /// <summary>Releases the held run that starts at the next expected number.</summary>
    private int Drain(Span<int> deliver, int n)
    {
        while (_heldMask != 0)
        {
            int slot = (int)(_next & SlotMask);
            if ((_heldMask & (1 << slot)) == 0)
                break;
            deliver[n++] = _slots[slot];
            _heldMask &= (ushort)~(1 << slot);
            AdvanceDelivered();
        }
        return n;
    }

    private int Resynchronize(uint sequenceNumber, Span<int> deliver, int n)
    {
        // Held packets lie between the old position and the new one: release them first, in order. The numbers
        // jumped over are not counted lost: the distance may be anything up to 2^31 and says nothing about loss.
        for (uint k = 1; k <= MaxReorderDepth && _heldMask != 0; k++)
        {
            int slot = (int)(unchecked(_next + k) & SlotMask);
            if ((_heldMask & (1 << slot)) != 0)
            {
                deliver[n++] = _slots[slot];
                _heldMask &= (ushort)~(1 << slot);
            }
        }
        _resynchronizations++;
        _beyondWindowRun = 0;
        _next = sequenceNumber;
        _highest = unchecked(sequenceNumber - 1);
        _history = 0;
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AdvanceDelivered()
    {
        _history = (_history << 1) | 1;
        _next = unchecked(_next + 1);
    }

    private static void ThrowSpanTooShort(string name, int required) =>
        throw new ArgumentException($"The span must hold at least {required} handles.", name);

    [InlineArray(ReorderSlots)]
    private struct ReorderRing
    {
        private int _element0;
    }
}
