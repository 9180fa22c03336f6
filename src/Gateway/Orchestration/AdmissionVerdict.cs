namespace PptpGw.Gateway.Orchestration;

/// <summary>What <see cref="CallTable.TryAdmit"/> decided.</summary>
internal enum AdmissionVerdict
{
    /// <summary>Counted; the call has a virtual interface.</summary>
    Admitted,
    /// <summary>The gateway is shutting down.</summary>
    Stopping,
    /// <summary><c>gateway max-sessions</c> reached.</summary>
    MaxSessions,
    /// <summary>The local pool has no free address for a locally authenticated call.</summary>
    PoolExhausted,
}
