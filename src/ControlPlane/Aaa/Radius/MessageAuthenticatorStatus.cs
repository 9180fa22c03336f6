using System.Buffers;
using System.Security.Cryptography;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>What <see cref="RadiusAuthenticator.CheckMessageAuthenticator"/> found.</summary>
public enum MessageAuthenticatorStatus
{
    /// <summary>The packet carries no Message-Authenticator.</summary>
    Absent,
    /// <summary>Exactly one, and its HMAC-MD5 matches (RFC 3579 §3.2).</summary>
    Valid,
    /// <summary>Present but the HMAC-MD5 does not match: silently discard (RFC 3579 §3.2).</summary>
    Invalid,
    /// <summary>Its length is not 18, or it appears more than once (RFC 3579 §3.2: at most one).</summary>
    Malformed,
}
