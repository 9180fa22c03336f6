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

    public bool ClearTunnel(ushort tunnelId)
    {
        Calls.Enqueue($"clear {tunnelId}");
        lock (_lock)
        {
            return _tunnels.RemoveAll(t => t.TunnelId == tunnelId) > 0;
        }
    }

    public int ClearAllTunnels()
    {
        Calls.Enqueue("clear all");
        lock (_lock)
        {
            int n = _tunnels.Count;
            _tunnels.Clear();
            return n;
        }
    }

    public string GetVersion() => "pptpgw test version";
}
