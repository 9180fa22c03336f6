namespace PptpGw.Load;

/// <summary>The hang-up: how long it took and how many tunnels got every answer (Terminate-Ack, CDN, StopCCRP).</summary>
public sealed record TeardownSummary(double Seconds, int CleanTunnels, int UncleanTunnels)
{
    /// <summary>Tunnels allowed to hang up at once (<c>--hangup-concurrency</c> calls, as whole tunnels).</summary>
    public int TunnelsAtOnceAllowed { get; init; }

    /// <summary>The most tunnels seen hanging up at once (measured: the bound held when this is at most the allowed).</summary>
    public int TunnelsAtOnceMax { get; init; }
}
