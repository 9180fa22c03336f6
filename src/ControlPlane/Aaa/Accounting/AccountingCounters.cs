namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>Traffic counters of a session at one instant, as the dataplane reports them (input: from the client).</summary>
public readonly record struct AccountingCounters(ulong InputOctets, ulong OutputOctets, ulong InputPackets, ulong OutputPackets);
