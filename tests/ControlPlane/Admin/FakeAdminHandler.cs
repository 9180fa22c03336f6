using System.Collections.Concurrent;
using PptpGw.ControlPlane.Admin;

namespace PptpGw.Tests.ControlPlane.Admin;

/// <summary>An <see cref="IAdminHandler"/> over a mutable list of tunnels that records what was asked of it.</summary>
internal sealed class FakeAdminHandler : IAdminHandler
{
    private readonly Lock _lock = new();
    private readonly List<TunnelSnapshot> _tunnels;

    public FakeAdminHandler(params TunnelSnapshot[] tunnels) => _tunnels = [.. tunnels];

    public ConcurrentQueue<string> Calls { get; } = new();

    public bool ThrowOnSnapshot { get; set; }

    public VpdnSnapshot GetSnapshot()
    {
        Calls.Enqueue("snapshot");
        if (ThrowOnSnapshot)
        {
            throw new InvalidOperationException("table busy");
        }

        lock (_lock)
        {
            return new VpdnSnapshot([.. _tunnels]);
        }
    }

    public ValueTask<VpdnClearResult?> ClearTunnelAsync(ushort tunnelId, CancellationToken cancellationToken)
    {
        Calls.Enqueue($"clear {tunnelId}");
        lock (_lock)
        {
            TunnelSnapshot[] gone = [.. _tunnels.Where(t => t.TunnelId == tunnelId)];
            _tunnels.RemoveAll(t => t.TunnelId == tunnelId);
            return ValueTask.FromResult(gone.Length == 0 ? null : Cleared(gone));
        }
    }

    public ValueTask<VpdnClearResult> ClearAllTunnelsAsync(CancellationToken cancellationToken)
    {
        Calls.Enqueue("clear all");
        lock (_lock)
        {
            TunnelSnapshot[] gone = [.. _tunnels];
            _tunnels.Clear();
            return ValueTask.FromResult<VpdnClearResult>(Cleared(gone)!);
        }
    }

    private static VpdnClearResult? Cleared(TunnelSnapshot[] tunnels) =>
        new([.. tunnels.Select(t => new ClearedTunnel(t.TunnelId, t.RemoteEndPoint.Address, t.Sessions.Count, Closed: true))]);

    public string GetVersion() => "pptpgw test version";
}
