namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>Traffic counters of a session (from the dataplane), for the STOP and WATCHDOG records.</summary>
public readonly record struct TacacsAccountingCounters(ulong BytesIn, ulong BytesOut, ulong PacketsIn, ulong PacketsOut);
