using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// What MPPE means when a vpdn group authenticates with TACACS+. No TACACS+ packet carries MPPE keys (RFC 8907 has
/// nothing like RADIUS MS-MPPE-Send-Key/Recv-Key, RFC 2548 §2.4), and the gateway cannot derive them itself: they come
/// from the user's password hash, which only the server knows (RFC 3079 §2-§3). So:
/// <list type="bullet">
/// <item><c>mppe ... required</c>: no session could ever come up; <c>pptpgw check</c> rejects the configuration
/// (ConfigBuilder.CheckMppe).</item>
/// <item><c>mppe auto|40|128</c> without <c>required</c>: the session runs unencrypted. <see cref="Apply"/> turns off the
/// authentication phase's "missing MPPE key from aaa server" rule (which is right for RADIUS, where a server that
/// returns no keys is misconfigured), and <see cref="TacacsPlusAuthenticator"/> logs for each user why the session is not
/// encrypted.</item>
/// </list>
/// </summary>
public static class TacacsPlusMppePolicy
{
    /// <summary>Why TACACS+ and MPPE do not mix, for logs and diagnostics.</summary>
    public const string NoKeysReason =
        "TACACS+ cannot return MPPE keys (RFC 8907 has no attribute for them; only RADIUS MS-MPPE-Send-Key/Recv-Key can)";

    /// <summary>
    /// The session options for a call authenticated by <paramref name="group"/>: unchanged unless the group is TACACS+
    /// and MPPE is configured but not required, in which case an MS-CHAP accept without keys is allowed and the session
    /// proceeds without MPPE (CCP offers none when no keys are known).
    /// </summary>
    public static PppSessionOptions Apply(PppSessionOptions options, AaaServerGroup? group)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (group is not { Protocol: AaaProtocol.TacacsPlus } || options.Mppe is null || options.Mppe.Required)
            return options;
        return options with { Authentication = options.Authentication with { RequireMppeKeys = false } };
    }
}
