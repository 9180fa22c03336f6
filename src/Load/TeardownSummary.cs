namespace PptpGw.Load;

/// <summary>The hang-up: how long it took and how many tunnels got every answer (Terminate-Ack, CDN, StopCCRP).</summary>
public sealed record TeardownSummary(double Seconds, int CleanTunnels, int UncleanTunnels);
