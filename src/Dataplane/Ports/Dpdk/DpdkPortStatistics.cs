using PptpGw.Dataplane.Ethernet;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>One DPDK device's counters as <see cref="DpdkPortSet.GetStatistics"/> reads them.</summary>
/// <param name="Role">"outside", "inside" or "exception".</param>
/// <param name="Device">The device.</param>
/// <param name="Stats">Its <c>rte_eth_stats</c>.</param>
/// <param name="TransmitQueueFull">Frames the gateway dropped because the device's TX queue stayed full (summed over its queues).</param>
/// <param name="Link">The Ethernet layer's counters on the device (null for the exception device, which has none of its own).</param>
/// <param name="Steering">The hand-offs between workers on this side (null for the exception device; zeros with one worker).</param>
/// <param name="NeighbourHeldDropped">
/// Packets dropped while their next hop was being resolved: the neighbour cache holds the latest one per neighbour
/// (RFC 1122 §2.3.2.2) and drops the one it replaces.
/// </param>
public sealed record DpdkPortStatistics(string Role, DpdkEthDevice Device, DpdkDeviceStats Stats, long TransmitQueueFull, EthernetCounters? Link,
    SteeringCounters? Steering, long NeighbourHeldDropped);
