namespace PptpGw.ControlPlane.Admin;

/// <summary>
/// One network device of the dataplane as <c>show dataplane</c> shows it, for backends whose devices keep their own
/// counters (DPDK: <c>rte_eth_stats_get</c>, DPDK 22.11 ethdev API; the kernel port has none of its own).
/// </summary>
/// <param name="Name">The device name ("net_af_packet0", a PCI address).</param>
/// <param name="Role">"outside", "inside", "exception".</param>
/// <param name="Mac">The device's MAC address.</param>
/// <param name="Device">The device's counters (rx/tx packets and bytes, imissed, errors, no-mbuf) and the queue's own (TX queue full), in order.</param>
/// <param name="Link">The Ethernet layer's counters on this device (frames, ARP, exception path, drops by reason); empty when it has none.</param>
public sealed record DataplanePortView(
    string Name,
    string Role,
    string Mac,
    IReadOnlyList<KeyValuePair<string, ulong>> Device,
    IReadOnlyList<KeyValuePair<string, ulong>> Link);
