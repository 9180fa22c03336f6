using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>Timers and limits of the server-side authentication phase.</summary>
public sealed record PppAuthServerOptions
{
    /// <summary>The Name field of our CHAP Challenges (RFC 1994 §4.1).</summary>
    public string Name { get; init; } = "pptpgw";

    /// <summary>Challenge retransmission interval while no Response arrives (RFC 1994 §4.1: "retransmitted ... on a timer").</summary>
    public TimeSpan RetransmitInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Challenges sent for one attempt before giving up.</summary>
    public int MaxChallengeTransmissions { get; init; } = 10;

    /// <summary>Attempts (MS-CHAP retries with R=1, PAP Authenticate-Requests) before the final failure.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// MPPE is configured: an MS-CHAP accept without keys (a RADIUS server that returned none) is a failure, PIX 403110
    /// "missing MPPE key from aaa server" (Windows then shows error 691).
    /// </summary>
    public bool RequireMppeKeys { get; init; }
}
