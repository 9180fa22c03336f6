using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// A small thread-safe <see cref="ICallIdSource"/>: ids unique per peer address, never 0 (so a zeroed GRE key
/// never matches a call), handed out round-robin so a just-released id is not reused at once (late GRE packets
/// of the old call must not land in the new one).
/// </summary>
public sealed class RoundRobinCallIdSource : ICallIdSource
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, HashSet<ushort>> _inUse = [];
    private readonly int _capacityPerPeer;
    private ushort _next;

    /// <summary>Creates a source allowing at most <paramref name="capacityPerPeer"/> live ids per peer (1–65535).</summary>
    public RoundRobinCallIdSource(int capacityPerPeer = ushort.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityPerPeer, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacityPerPeer, ushort.MaxValue);
        _capacityPerPeer = capacityPerPeer;
    }

    /// <inheritdoc/>
    public bool TryAllocate(IPAddress peer, out ushort id)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_gate)
        {
            if (!_inUse.TryGetValue(peer, out HashSet<ushort>? used))
                _inUse[peer] = used = [];
            if (used.Count < _capacityPerPeer)
            {
                for (int tries = 0; tries < ushort.MaxValue; tries++)
                {
                    _next = _next == ushort.MaxValue ? (ushort)1 : (ushort)(_next + 1);
                    if (used.Add(_next))
                    {
                        id = _next;
                        return true;
                    }
                }
            }
            if (used.Count == 0)
                _inUse.Remove(peer);
            id = 0;
            return false;
        }
    }

    /// <inheritdoc/>
    public void Release(IPAddress peer, ushort id)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_gate)
        {
            if (_inUse.TryGetValue(peer, out HashSet<ushort>? used) && used.Remove(id) && used.Count == 0)
                _inUse.Remove(peer);
        }
    }

    /// <summary>Number of ids currently reserved for <paramref name="peer"/>.</summary>
    public int CountInUse(IPAddress peer)
    {
        lock (_gate)
            return _inUse.TryGetValue(peer, out HashSet<ushort>? used) ? used.Count : 0;
    }
}
