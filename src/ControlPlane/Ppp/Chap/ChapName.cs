namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>
/// The Name of an MS-CHAP Response may be "DOMAIN\user" (RFC 2433 §4, RFC 2759 §4). ChallengeHash uses only the
/// user part (RFC 2759 §8.2), while configuration may name either form.
/// </summary>
/// <remarks>
/// Split at the last backslash, as pppd does (chap_ms.c, strrchr): neither Windows domain nor account names may
/// contain a backslash, so the choice only matters for garbage.
/// </remarks>
public static class ChapName
{
    private const byte Backslash = (byte)'\\';

    /// <summary>True when the name carries a "DOMAIN\" prefix.</summary>
    public static bool HasDomain(ReadOnlySpan<byte> name) => name.LastIndexOf(Backslash) >= 0;

    /// <summary>The account name without any "DOMAIN\" prefix (the whole name when there is none).</summary>
    public static ReadOnlySpan<byte> UserPart(ReadOnlySpan<byte> name)
    {
        int backslash = name.LastIndexOf(Backslash);
        return backslash < 0 ? name : name[(backslash + 1)..];
    }

    /// <summary>The "DOMAIN" before the backslash, or empty when there is none.</summary>
    public static ReadOnlySpan<byte> DomainPart(ReadOnlySpan<byte> name)
    {
        int backslash = name.LastIndexOf(Backslash);
        return backslash < 0 ? default : name[..backslash];
    }
}
