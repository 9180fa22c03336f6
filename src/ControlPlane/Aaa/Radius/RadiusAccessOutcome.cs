namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>How an Access-Request ended.</summary>
public enum RadiusAccessOutcome
{
    /// <summary>Access-Accept.</summary>
    Accept,
    /// <summary>Access-Reject, or an Access-Challenge (PPP has no way to relay one, so it counts as a reject).</summary>
    Reject,
    /// <summary>No server of the group gave an acceptable answer in time.</summary>
    Timeout,
}
