using System.Net;

namespace PptpGw.ControlPlane.Admin;

/// <summary>Which sessions a <c>clear vpdn username|session</c> ends: exactly one of the three is set.</summary>
/// <param name="UserName">Every session of this user (<c>clear vpdn username NAME</c>; exact, case-sensitive as PPP sends it).</param>
/// <param name="ClientAddress">The session with this tunnel address (<c>clear vpdn session ip ADDR</c>).</param>
/// <param name="SessionId">The session with this PPP virtual interface id, the <c>id</c> column of <c>show vpdn session brief</c>.</param>
public sealed record SessionSelector(string? UserName = null, IPAddress? ClientAddress = null, int? SessionId = null)
{
    /// <summary>True when <paramref name="session"/> is one of those picked.</summary>
    public bool Matches(SessionSnapshot session)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (UserName is not null)
            return string.Equals(session.UserName, UserName, StringComparison.Ordinal);
        if (ClientAddress is not null)
            return ClientAddress.Equals(session.ClientAddress);
        return SessionId is { } id && session.PppInterfaceId == id;
    }

    /// <summary>"username alice", "session ip 198.19.10.10", "session id 3".</summary>
    public override string ToString() =>
        UserName is not null ? "username " + UserName
        : ClientAddress is not null ? "session ip " + ClientAddress
        : "session id " + SessionId?.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
