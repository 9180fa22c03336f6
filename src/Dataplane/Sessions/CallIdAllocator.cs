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
/// Policy: ids are drawn at random (a cryptographic generator) from 1..65535 (0 is reserved — never handed out), so
/// one call's id tells nothing about the next: the GRE key is the only thing a blind attacker must guess to aim a
/// spoofed packet at a session (RFC 2637 §4.1 puts no other secret in GRE; §2.8 only asks that the PNS's Call ID be
/// unique for the PAC-PNS pair, so any free value is allowed). A few random draws look for an id no peer holds, then
/// a few for one this peer does not hold; only a peer holding nearly all of its 65,535 ids falls back to a scan from
/// a random place. Each allocation costs O(1) expected (a handful of array reads and one dictionary probe), also
/// with 1,000,000 sessions spread over many peers. A released id is held in quarantine for <see cref="Quarantine"/>
/// before it can be handed to the same peer again, so GRE packets or control messages of the call that just ended,
/// still in flight, cannot land in a new call with the same id.
/// </para>
/// <para>Thread-safety: every public member takes one private lock (call set-up rates, not packet rates).</para>
/// </summary>
public sealed class CallIdAllocator
{
    /// <summary>Call ids a peer can hold at once: 1..65535.</summary>
    public const int IdsPerPeer = ushort.MaxValue;

    /// <summary>Random draws that look for an id no peer holds before settling for per-peer uniqueness.</summary>
    public const int GlobalProbes = 8;

    /// <summary>Random draws that look for an id this peer does not hold before scanning from a random place.</summary>
    public const int PeerProbes = 64;

    /// <summary>Default quarantine of a released id: longer than any plausible delay of a packet in flight.</summary>
    public static readonly TimeSpan DefaultQuarantine = TimeSpan.FromSeconds(10);

    private const long Allocated = -1;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly long _quarantineTicks;
    private readonly Random? _random;
    // (peer << 16 | id) → Allocated, or the timestamp at which its quarantine ends.
    private readonly Dictionary<ulong, long> _held = [];
    private readonly Dictionary<uint, int> _heldPerPeer = [];
    private readonly int[] _heldPerId = new int[ushort.MaxValue + 1];
    private readonly Queue<(ulong Key, long Until)> _quarantine = new();
    // Random ids are drawn in blocks: one RandomNumberGenerator call per 256 draws.
    private readonly ushort[] _draws = new ushort[256];
    private int _nextDraw = 256;
    private int _allocated;

    /// <summary>Creates an allocator.</summary>
    /// <param name="time">Clock for the quarantine; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="quarantine">How long a released id stays unusable for its peer; <see cref="DefaultQuarantine"/> when null.</param>
    /// <param name="random">Where the draws come from; null (production): <see cref="RandomNumberGenerator"/>, so the
    /// ids cannot be predicted from earlier ones. Tests pass a seeded <see cref="Random"/> to be repeatable.</param>
    public CallIdAllocator(TimeProvider? time = null, TimeSpan? quarantine = null, Random? random = null)
    {
        _time = time ?? TimeProvider.System;
        TimeSpan q = quarantine ?? DefaultQuarantine;
        ArgumentOutOfRangeException.ThrowIfLessThan(q, TimeSpan.Zero, nameof(quarantine));
        _quarantineTicks = (long)(q.TotalSeconds * _time.TimestampFrequency);
        _random = random;
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

            ushort id = 0;
            bool found = false;
            // First choice: an id no peer holds (ids in logs and show vpdn stay unique while the gateway is lightly used).
            for (int n = 0; n < GlobalProbes && !found; n++)
            {
                id = Draw();
                found = _heldPerId[id] == 0;
            }
            // Then any id this peer does not hold.
            for (int n = 0; n < PeerProbes && !found; n++)
            {
                id = Draw();
                found = !_held.ContainsKey(Key(peerAddress, id));
            }
            // A peer holding nearly every id: the first free one from a random place (one exists: peerHeld < 65535).
            if (!found)
            {
                id = Draw();
                while (_held.ContainsKey(Key(peerAddress, id)))
                    id = Next(id);
            }

            _held.Add(Key(peerAddress, id), Allocated);
            _heldPerPeer[peerAddress] = peerHeld + 1;
            _heldPerId[id]++;
            _allocated++;
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

    /// <summary>A uniformly random id in 1..65535.</summary>
    private ushort Draw()
    {
        while (true)
        {
            if (_nextDraw == _draws.Length)
            {
                Span<byte> bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(_draws.AsSpan());
                if (_random is { } random)
                    random.NextBytes(bytes);
                else
                    RandomNumberGenerator.Fill(bytes);
                _nextDraw = 0;
            }
            ushort id = _draws[_nextDraw++];
            if (id != 0)
                return id;
        }
    }

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
