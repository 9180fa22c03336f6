namespace PptpGw.ControlPlane.Config;

/// <summary>
/// Extension <c>vpdn group G single-session deny|replace</c> (accel-ppp's <c>single-session</c>): what a second session
/// of a user who already has one established gets. Names compare exactly (case-sensitive, as the PIX's users), after
/// strip-domain.
/// </summary>
public enum SingleSessionPolicy
{
    /// <summary>No line: a user may hold any number of sessions (the PIX's behaviour).</summary>
    Allow = 0,
    /// <summary><c>deny</c>: the new session is ended (LCP Terminate-Request) at its link-up, before the dataplane carries it; the first one stays.</summary>
    Deny,
    /// <summary><c>replace</c>: the new session comes up and the older ones of the user are ended (LCP Terminate-Request).</summary>
    Replace,
}
