namespace PptpGw.ControlPlane.Admin;

/// <summary>One dataplane worker (thread and its port pair): packets by direction and drops by reason.</summary>
/// <param name="Index">Worker number (the <c>worker</c> label of the metrics).</param>
/// <param name="Outside">The outside port ("gre 198.18.0.1", a DPDK device).</param>
/// <param name="Inside">The inside port ("tun pptpgw0").</param>
/// <param name="Packets">Packets by direction (outside_in, inside_out, inside_in, outside_out, control_up, control_down), in that order.</param>
/// <param name="Drops">Drops by reason name (every reason, zero included), in reason order.</param>
/// <param name="ResetRequests">Stateful MPPE losses that asked the peer for a CCP Reset-Request.</param>
/// <param name="MppeKeyChanges">MPPE key changes, both directions.</param>
/// <param name="HoldingPackets">Sessions holding packets behind a GRE sequence gap (reorder buffer occupancy).</param>
/// <param name="OwingAcknowledgments">Sessions owing the peer a GRE acknowledgment.</param>
public sealed record DataplaneWorkerView(
    int Index,
    string Outside,
    string Inside,
    IReadOnlyList<KeyValuePair<string, ulong>> Packets,
    IReadOnlyList<KeyValuePair<string, ulong>> Drops,
    ulong ResetRequests,
    ulong MppeKeyChanges,
    int HoldingPackets,
    int OwingAcknowledgments)
{
    /// <summary>Turns of the worker's loop since start.</summary>
    public ulong LoopTurns { get; init; }

    /// <summary>Of them, turns that found work.</summary>
    public ulong BusyTurns { get; init; }

    /// <summary>Commands waiting on the control plane → worker ring now, and its size.</summary>
    public (int Used, int Capacity) CommandRing { get; init; }

    /// <summary>Control frames and signals waiting on the worker → control plane ring now, and its size.</summary>
    public (int Used, int Capacity) ControlRing { get; init; }
}
