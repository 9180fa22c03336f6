namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>
/// The Name of an MS-CHAP Response may be "DOMAIN\user" (RFC 2433 §4, RFC 2759 §4). ChallengeHash uses only the
/// user part (RFC 2759 §8.2: "excluding any prepended domain name"), and the local user table is searched with the
/// same user part, so the name we look up is the name we hash. This is the one place that splits such a name.
/// </summary>
/// <remarks>
/// RFC 2759 does not say what to do with more than one backslash. We split at the LAST one, as pppd's ChallengeHash
/// does (chap_ms.c, <c>strrchr</c>) on both sides of a Linux PPTP link (pptp-linux client, pptpd server): a peer and an
/// authenticator must strip the same prefix or the NT-Response cannot match. FreeRADIUS's rlm_mschap
/// (<c>with_ntdomain_hack</c>) and /work/shared/aaa/freeradius/mschap_vectors.py split at the FIRST backslash, but with
/// RADIUS the server hashes the User-Name itself; the gateway relays the name untouched. Windows domain and account
/// names cannot contain a backslash, so the two rules differ only for names no Windows peer sends.
/// </remarks>
public static class ChapName
{
    private const byte Backslash = (byte)'\\';

    /// <summary>True when the name carries a "DOMAIN\" prefix.</summary>
    public static bool HasDomain(ReadOnlySpan<byte> name) => name.LastIndexOf(Backslash) >= 0;

    /// <summary>The account name without any "DOMAIN\" prefix: what follows the last backslash, or the whole name.</summary>
    public static ReadOnlySpan<byte> UserPart(ReadOnlySpan<byte> name)
    {
        int backslash = name.LastIndexOf(Backslash);
        return backslash < 0 ? name : name[(backslash + 1)..];
    }

    /// <inheritdoc cref="UserPart(ReadOnlySpan{byte})"/>
    public static ReadOnlySpan<char> UserPart(ReadOnlySpan<char> name)
    {
        int backslash = name.LastIndexOf('\\');
        return backslash < 0 ? name : name[(backslash + 1)..];
    }

    /// <summary>The "DOMAIN" before the last backslash, or empty when there is none.</summary>
    public static ReadOnlySpan<byte> DomainPart(ReadOnlySpan<byte> name)
    {
        int backslash = name.LastIndexOf(Backslash);
        return backslash < 0 ? default : name[..backslash];
    }
}
