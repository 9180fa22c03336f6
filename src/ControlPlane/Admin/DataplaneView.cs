namespace PptpGw.ControlPlane.Admin;

/// <summary>The dataplane as <c>show dataplane</c> shows it: its backend, its devices (DPDK) and each worker.</summary>
/// <param name="Backend">"kernel", "memory", "dpdk".</param>
/// <param name="Workers">One entry per worker.</param>
/// <param name="SessionCapacity">Sessions the table holds at most.</param>
public sealed record DataplaneView(string Backend, int SessionCapacity, IReadOnlyList<DataplaneWorkerView> Workers)
{
    /// <summary>The backend's devices with their own counters (the DPDK ports); empty for the kernel and memory ports.</summary>
    public IReadOnlyList<DataplanePortView> Ports { get; init; } = [];
}
