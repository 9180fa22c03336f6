using System.Net;

namespace PptpGw.ControlPlane.Pptp.Connection;

/// <summary>
/// Hands out the Call IDs the gateway assigns to calls (RFC 2637 §2.8 Outgoing-Call-Reply "Call ID"): the peer
/// puts ours in the GRE Key of every data packet it sends (§4.1), so an id must be unique among the live calls
/// of that peer address. Implementations are called from many connections at once and must be thread-safe.
/// </summary>
public interface ICallIdSource
{
    /// <summary>Reserves an id for a call with <paramref name="peer"/>; false when none is free.</summary>
    bool TryAllocate(IPAddress peer, out ushort id);

    /// <summary>Returns an id reserved by <see cref="TryAllocate"/>.</summary>
    void Release(IPAddress peer, ushort id);
}
