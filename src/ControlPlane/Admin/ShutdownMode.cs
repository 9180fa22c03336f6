namespace PptpGw.ControlPlane.Admin;

/// <summary>How <c>shutdown</c> stops the gateway (accel-ppp's <c>shutdown soft|hard</c>).</summary>
public enum ShutdownMode
{
    /// <summary><c>shutdown</c> / <c>shutdown hard</c>: now (StopCCRQ to every peer, sessions end, accounting Stops go out).</summary>
    Hard = 1,
    /// <summary><c>shutdown soft [SECONDS]</c>: stop accepting, let the sessions end, stop when the last is gone (or at the deadline, hard).</summary>
    Soft,
    /// <summary><c>shutdown cancel</c>: end a soft shutdown; the gateway listens and takes new calls again.</summary>
    Cancel,
}
