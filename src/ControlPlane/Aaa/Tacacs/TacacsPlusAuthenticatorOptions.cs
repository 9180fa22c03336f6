using PptpGw.ControlPlane.Config;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>Settings of <see cref="TacacsPlusAuthenticator"/>.</summary>
public sealed record TacacsPlusAuthenticatorOptions
{
    /// <summary>After a PASS, ask for authorization of service=ppp protocol=ip (RFC 8907 §6, §8.1) and take the
    /// client's address from "addr=". A FAIL then rejects the user, as with Cisco's <c>aaa authorization network</c>.</summary>
    public bool Authorize { get; init; } = true;

    /// <summary>priv_lvl of the requests (§9); TAC_PLUS_PRIV_LVL_USER.</summary>
    public byte PrivilegeLevel { get; init; } = 1;

    /// <summary>The START's port field when no per-call port is given (<see cref="TacacsPlusAuthenticator.ForCall"/>).</summary>
    public string Port { get; init; } = "pptp";

    /// <summary>The vpdn group's MPPE settings, only to explain in the log that the session runs unencrypted.</summary>
    public MppeSettings? Mppe { get; init; }
}
