using PptpGw.Dataplane.Mppe;

namespace PptpGw.ControlPlane.Ppp.Auth;

/// <summary>
/// MPPE start keys (RFC 3079) from the authentication, in the receiver's role: <see cref="SendKey"/> encrypts what
/// this end sends. RADIUS returns them as MS-MPPE-Send-Key / MS-MPPE-Recv-Key (RFC 2548 §2.4.2-§2.4.3) for MS-CHAPv2,
/// or MS-CHAP-MPPE-Keys (LM key + NT key, RFC 2548 §2.4.1) for MS-CHAPv1.
/// </summary>
/// <param name="SendKey">16 octets: the 128-bit start key of our send direction; its first 8 are the 40/56-bit key unless <paramref name="ShortKey"/> is given.</param>
/// <param name="ReceiveKey">16 octets: the start key of our receive direction.</param>
/// <param name="ShortKey">MS-CHAPv1 only: the 8-octet start key of 40/56-bit MPPE (the LM hash, RFC 3079 §2.1-§2.2), both directions.</param>
public sealed record MppeStartKeys(byte[] SendKey, byte[] ReceiveKey, byte[]? ShortKey = null)
{
    /// <summary>
    /// The MPPE strengths these keys may be used for (CCP's L/M/S bits, RFC 3078 §2): an AAA server's
    /// MS-MPPE-Encryption-Types (RFC 2548 §2.4.5), or fewer when a key is missing (an MS-CHAPv1 reply without an LM key
    /// has no 40/56-bit key). CCP negotiates only these; default: all.
    /// </summary>
    public Ccp.MppeSupportedBits AllowedStrengths { get; init; } = Ccp.MppePolicy.StrengthBits;

    /// <summary>
    /// The AAA server demands encryption (MS-MPPE-Encryption-Policy Encryption-Required, RFC 2548 §2.4.4): with MPPE
    /// configured for the group, a link without MPPE is terminated as if the group said <c>required</c>.
    /// </summary>
    public bool EncryptionRequired { get; init; }

    /// <summary>The start keys of both directions for <paramref name="strength"/>: 8 octets for 40/56 bits, 16 for 128.</summary>
    public (byte[] Send, byte[] Receive) ForStrength(MppeKeyStrength strength)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        if (length == MppeKeySchedule.LongKeyLength)
            return (SendKey[..length], ReceiveKey[..length]);
        if (ShortKey is not null)
            return (ShortKey[..length], ShortKey[..length]);
        // RFC 3079 §3.1-§3.2: the MS-CHAPv2 40/56-bit start key is the first 8 octets of GetAsymmetricStartKey.
        return (SendKey[..length], ReceiveKey[..length]);
    }

    /// <summary>Keys are secret: never printed.</summary>
    public override string ToString() => $"MppeStartKeys {{ {SendKey.Length * 8}-bit{(ShortKey is null ? "" : " + short")} }}";
}
