namespace PptpGw.ControlPlane.Config;

/// <summary>What a reload did with one <see cref="ConfigChange"/>.</summary>
public enum ReloadDisposition
{
    /// <summary>In force now (for new calls; live sessions keep what they negotiated).</summary>
    Applied = 1,
    /// <summary>Cannot change in a running gateway: the old value stays until a restart.</summary>
    NeedsRestart,
    /// <summary>Could be applied live but not now (a pool shrink over held addresses, an unusable AAA group): the old value stays.</summary>
    Refused,
}
