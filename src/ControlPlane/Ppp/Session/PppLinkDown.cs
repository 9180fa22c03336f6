using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.ControlPlane.Ppp.Session;

/// <summary>How a PPP session ended: the typed <see cref="Cause"/> to decide on, and <see cref="Detail"/> to log.</summary>
/// <param name="Cause">Why, as a value.</param>
/// <param name="Detail">Text for logs and <c>show vpdn</c> (the peer's Terminate-Request text, the failing limit, …).</param>
/// <param name="Authentication">For <see cref="PppDownCause.AuthenticationFailed"/>: the final outcome (its <see cref="PppAuthOutcome.Failure"/>).</param>
public sealed record PppLinkDown(PppDownCause Cause, string Detail, PppAuthOutcome? Authentication = null)
{
    /// <summary>The phase the session was in when the cause arose (before any Terminate phase it led to).</summary>
    public PppPhase Phase { get; init; }

    /// <summary>Whether MPPE was negotiated (CCP Opened with MPPE) when the cause arose: the client tells an MPPE refusal from other hang-ups.</summary>
    public bool MppeActive { get; init; }

    /// <summary>The detail text.</summary>
    public override string ToString() => Detail;
}
