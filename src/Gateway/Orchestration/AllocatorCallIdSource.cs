using System.Net;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// The listener's <see cref="ICallIdSource"/> over the dataplane's <see cref="CallIdAllocator"/>: our Call IDs
/// (RFC 2637 §2.8) are unique per peer address, which with the address is the outside key of the dataplane's
/// session table, and a released id is quarantined so late GRE of the old call cannot land in a new one (§4.1).
/// </summary>
public sealed class AllocatorCallIdSource(CallIdAllocator allocator) : ICallIdSource
{
    /// <summary>The allocator (for tests and statistics).</summary>
    public CallIdAllocator Allocator { get; } = allocator ?? throw new ArgumentNullException(nameof(allocator));

    /// <inheritdoc/>
    public bool TryAllocate(IPAddress peer, out ushort id) => Allocator.TryAllocate(PeerKey(peer), out id);

    /// <inheritdoc/>
    public void Release(IPAddress peer, ushort id) => Allocator.Release(PeerKey(peer), id);

    /// <summary>
    /// The allocator's 32-bit peer key: the IPv4 address in host order; an IPv4-mapped IPv6 peer (dual-mode socket)
    /// is its IPv4 address. GRE is IPv4 only (RFC 2637 §4), so any other IPv6 peer is folded to a stable hash.
    /// </summary>
    public static uint PeerKey(IPAddress peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (peer.IsIPv4MappedToIPv6)
            peer = peer.MapToIPv4();
        return peer.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? Ipv4.FromIPAddress(peer)
            : (uint)peer.GetHashCode();
    }
}
