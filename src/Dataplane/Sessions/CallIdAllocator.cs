using System.Security.Cryptography;

namespace PptpGw.Dataplane.Sessions;

/// <summary>
/// Hands out our call ids (the PNS's Call ID of the Outgoing-Call-Reply, RFC 2637 §2.8), which peers echo in the GRE
/// key of every data packet (RFC 2637 §4.1) and which, with the peer's address, form a <see cref="SessionTable"/>'s
/// outside key.
/// <para>
/// Uniqueness is per peer address: call ids are 16-bit, so globally unique ids would cap the gateway at 65,535 calls,
/// while (peer, call id) allows 65,535 calls from every peer (clients behind one NAT address share a peer address and
/// so share that space). While the gateway is lightly used it still prefers an id no peer holds, so ids in logs and
/// <c>show vpdn</c> are usually unique.
/// </para>
/// <para>
/// Policy: a cursor goes round 1..65535 (0 is reserved — never handed out), starting at a random place; each allocation
/// takes the first id at or after it that suits, then moves the cursor past it. A released id is held in quarantine
/// for <see cref="Quarantine"/> before it can be handed to the same peer again, so GRE packets or control messages
/// of the call that just ended, still in flight, cannot land in a new call with the same id.
/// </para>
/// <para>Thread-safety: every public member takes one private lock (call set-up rates, not packet rates).</para>
/// </summary>
public sealed class CallIdAllocator
{
    /// <summary>Call ids a peer can hold at once: 1..65535.</summary>
    public const int IdsPerPeer = ushort.MaxValue;

    /// <summary>How many ids after the cursor are tried for one that no peer holds before settling for per-peer uniqueness.</summary>
    public const int GlobalSearchWindow = 64;

    /// <summary>Default quarantine of a released id: longer than any plausible delay of a packet in flight.</summary>
    public static readonly TimeSpan DefaultQuarantine = TimeSpan.FromSeconds(10);

    private const long Allocated = -1;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _quarantineTicks;
    // (peer << 16 | id) → Allocated, or the timestamp at which its quarantine ends.
    private readonly Dictionary<ulong, long> _held = [];
    private readonly Dictionary<uint, int> _heldPerPeer = [];
    private readonly int[] _heldPerId = new int[ushort.MaxValue + 1];
    private readonly Queue<(ulong Key, long Until)> _quarantine = new();
    private int _allocated;
    private ushort _cursor;

    /// <summary>Creates an allocator.</summary>
    /// <param name="time">Clock for the quarantine; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="quarantine">How long a released id stays unusable for its peer; <see cref="DefaultQuarantine"/> when null.</param>
    /// <param name="firstCallId">Where the cursor starts (1..65535); 0 picks a random place, so a restarted gateway does
    /// not hand out the ids of its previous run in the same order.</param>
    public CallIdAllocator(TimeProvider? time = null, TimeSpan? quarantine = null, ushort firstCallId = 0)
    {
        _time = time ?? TimeProvider.System;
        TimeSpan q = quarantine ?? DefaultQuarantine;
        ArgumentOutOfRangeException.ThrowIfLessThan(q, TimeSpan.Zero, nameof(quarantine));
        _quarantineTicks = (long)(q.TotalSeconds * _time.TimestampFrequency);
        _cursor = firstCallId != 0 ? firstCallId : (ushort)RandomNumberGenerator.GetInt32(1, ushort.MaxValue + 1);
    }

    /// <summary>How long a released id stays unusable for its peer.</summary>
    public TimeSpan Quarantine => TimeSpan.FromSeconds((double)_quarantineTicks / _time.TimestampFrequency);

    /// <summary>Ids handed out and not released.</summary>
    public int AllocatedCount
    {
        get { lock (_gate) return _allocated; }
    }

    /// <summary>Released ids still in quarantine.</summary>
    public int QuarantinedCount
    {
        get
        {
            lock (_gate)
            {
                Expire();
                return _held.Count - _allocated;
            }
        }
    }

    /// <summary>
    /// Hands out a call id that <paramref name="peerAddress"/> holds neither allocated nor in quarantine; false when
    /// it holds all 65,535.
    /// </summary>
    public bool TryAllocate(uint peerAddress, out ushort callId)
    {
        lock (_gate)
        {
            Expire();
            _heldPerPeer.TryGetValue(peerAddress, out int peerHeld);
            if (peerHeld >= IdsPerPeer)
            {
                callId = 0;
                return false;
            }

            // First choice: an id no peer holds, a short way ahead of the cursor.
            ushort id = _cursor;
            bool found = false;
            for (int n = 0; n < GlobalSearchWindow; n++, id = Next(id))
            {
                if (_heldPerId[id] == 0)
                {
                    found = true;
                    break;
                }
            }
            // Otherwise the first id at or after the cursor that this peer does not hold (one exists: peerHeld < 65535).
            if (!found)
            {
                id = _cursor;
                while (_held.ContainsKey(Key(peerAddress, id)))
                    id = Next(id);
            }

            _held.Add(Key(peerAddress, id), Allocated);
            _heldPerPeer[peerAddress] = peerHeld + 1;
            _heldPerId[id]++;
            _allocated++;
            _cursor = Next(id);
            callId = id;
            return true;
        }
    }

    /// <summary>
    /// Releases an id when its call ends: it goes into quarantine for its peer. False (and nothing changes) when the
    /// peer does not hold it allocated (never allocated, already released, or 0).
    /// </summary>
    public bool Release(uint peerAddress, ushort callId)
    {
        lock (_gate)
        {
            ulong key = Key(peerAddress, callId);
            if (!_held.TryGetValue(key, out long state) || state != Allocated)
                return false;
            _allocated--;
            if (_quarantineTicks == 0)
            {
                Forget(key);
                return true;
            }
            long until = _time.GetTimestamp() + _quarantineTicks;
            _held[key] = until;
            _quarantine.Enqueue((key, until));
            return true;
        }
    }

    /// <summary>True while the peer holds the id allocated.</summary>
    public bool IsAllocated(uint peerAddress, ushort callId)
    {
        lock (_gate)
            return _held.TryGetValue(Key(peerAddress, callId), out long state) && state == Allocated;
    }

    /// <summary>True while the id is in quarantine for the peer (released less than <see cref="Quarantine"/> ago).</summary>
    public bool IsQuarantined(uint peerAddress, ushort callId)
    {
        lock (_gate)
        {
            Expire();
            return _held.TryGetValue(Key(peerAddress, callId), out long state) && state != Allocated;
        }
    }

    private static ulong Key(uint peerAddress, ushort callId) => ((ulong)peerAddress << 16) | callId;

    private static ushort Next(ushort id) => id == ushort.MaxValue ? (ushort)1 : (ushort)(id + 1);

    /// <summary>Ends the quarantines that are over (the queue is in order of their end).</summary>
    private void Expire()
    {
        if (_quarantine.Count == 0)
            return;
        long now = _time.GetTimestamp();
        while (_quarantine.TryPeek(out var head) && head.Until <= now)
        {
            _quarantine.Dequeue();
            Forget(head.Key);
        }
    }

    private void Forget(ulong key)
    {
        _held.Remove(key);
        uint peer = (uint)(key >> 16);
        int left = _heldPerPeer[peer] - 1;
        if (left == 0)
            _heldPerPeer.Remove(peer);
        else
            _heldPerPeer[peer] = left;
        _heldPerId[(ushort)key]--;
    }
}
