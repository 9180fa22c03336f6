namespace PptpGw.ControlPlane.Ppp.Chap;

/// <summary>Field sizes of MS-CHAP v1 (RFC 2433) and v2 (RFC 2759).</summary>
public static class MsChapLengths
{
    /// <summary>The MS-CHAPv1 Challenge Value is 8 octets (RFC 2433 §3).</summary>
    public const int V1Challenge = 8;
    /// <summary>The MS-CHAPv2 Challenge Value is 16 octets (RFC 2759 §3).</summary>
    public const int V2Challenge = 16;
    /// <summary>Both versions' Response Value is 49 octets (RFC 2433 §4, RFC 2759 §4).</summary>
    public const int ResponseValue = 49;
    /// <summary>LM-Response and NT-Response are 24 octets each.</summary>
    public const int ChallengeResponse = 24;
    /// <summary>The MS-CHAPv2 Peer-Challenge is 16 octets (RFC 2759 §4).</summary>
    public const int PeerChallenge = 16;
    /// <summary>The MS-CHAPv2 Reserved field is 8 octets (RFC 2759 §4).</summary>
    public const int Reserved = 8;
    /// <summary>The MS-CHAPv2 authenticator response is 20 octets, 40 hex digits in the Success message (RFC 2759 §5).</summary>
    public const int AuthenticatorResponse = 20;
}

/// <summary>Why an MS-CHAP Response Value was rejected.</summary>
public enum MsChapResponseError
{
    None = 0,
    /// <summary>The Value is not 49 octets (RFC 2433 §4, RFC 2759 §4).</summary>
    BadValueSize,
}

/// <summary>
/// The 49-octet Value of an MS-CHAPv1 Response (RFC 2433 §4): LM-Response (24), NT-Response (24), Flags (1).
/// The spans point into the parsed Value.
/// </summary>
public readonly ref struct MsChapV1Response
{
    /// <summary>Flags bit 0: use the NT-Response; when clear the LM-Response is to be used (RFC 2433 §4).</summary>
    public const byte UseNtResponseFlag = 0x01;

    /// <summary>LAN Manager compatible challenge response (all zero when the peer sends none, as Windows NT does).</summary>
    public ReadOnlySpan<byte> LmResponse { get; }
    /// <summary>Windows NT compatible challenge response.</summary>
    public ReadOnlySpan<byte> NtResponse { get; }
    /// <summary>The Flags octet ("use Windows NT compatible encoding").</summary>
    public byte Flags { get; }
    /// <summary>True when bit 0 of Flags is set: the NT-Response is authoritative.</summary>
    public bool UseNtResponse => (Flags & UseNtResponseFlag) != 0;

    private MsChapV1Response(ReadOnlySpan<byte> lmResponse, ReadOnlySpan<byte> ntResponse, byte flags)
    {
        LmResponse = lmResponse;
        NtResponse = ntResponse;
        Flags = flags;
    }

    /// <summary>Splits a Response Value into its fields. Never throws.</summary>
    public static MsChapResponseError TryParse(ReadOnlySpan<byte> value, out MsChapV1Response response)
    {
        response = default;
        if (value.Length != MsChapLengths.ResponseValue)
            return MsChapResponseError.BadValueSize;
        response = new MsChapV1Response(value[..24], value[24..48], value[48]);
        return MsChapResponseError.None;
    }

    /// <summary>
    /// Writes the 49-octet Value. Returns false when <paramref name="destination"/> is shorter than 49 octets;
    /// throws when either response is not 24 octets.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> lmResponse, ReadOnlySpan<byte> ntResponse, bool useNtResponse)
    {
        if (lmResponse.Length != MsChapLengths.ChallengeResponse)
            throw new ArgumentException("The LM-Response is 24 octets.", nameof(lmResponse));
        if (ntResponse.Length != MsChapLengths.ChallengeResponse)
            throw new ArgumentException("The NT-Response is 24 octets.", nameof(ntResponse));
        if (destination.Length < MsChapLengths.ResponseValue)
            return false;
        lmResponse.CopyTo(destination);
        ntResponse.CopyTo(destination[24..]);
        destination[48] = useNtResponse ? UseNtResponseFlag : (byte)0;
        return true;
    }
}

/// <summary>
/// The 49-octet Value of an MS-CHAPv2 Response (RFC 2759 §4): Peer-Challenge (16), Reserved (8), NT-Response (24),
/// Flags (1). The spans point into the parsed Value.
/// </summary>
public readonly ref struct MsChapV2Response
{
    /// <summary>The peer's 16-octet random challenge, an input of ChallengeHash (RFC 2759 §8.2).</summary>
    public ReadOnlySpan<byte> PeerChallenge { get; }
    /// <summary>8 octets that "must be zero"; kept so a caller can log a peer that does otherwise.</summary>
    public ReadOnlySpan<byte> Reserved { get; }
    /// <summary>The 24-octet NT-Response (GenerateNTResponse, RFC 2759 §8.1).</summary>
    public ReadOnlySpan<byte> NtResponse { get; }
    /// <summary>Reserved for future use and MUST be zero (RFC 2759 §4).</summary>
    public byte Flags { get; }

    private MsChapV2Response(ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> reserved, ReadOnlySpan<byte> ntResponse, byte flags)
    {
        PeerChallenge = peerChallenge;
        Reserved = reserved;
        NtResponse = ntResponse;
        Flags = flags;
    }

    /// <summary>
    /// Splits a Response Value into its fields. Never throws. Non-zero Reserved or Flags octets are accepted:
    /// they carry no meaning, and refusing a login over them would only hurt interoperability.
    /// </summary>
    public static MsChapResponseError TryParse(ReadOnlySpan<byte> value, out MsChapV2Response response)
    {
        response = default;
        if (value.Length != MsChapLengths.ResponseValue)
            return MsChapResponseError.BadValueSize;
        response = new MsChapV2Response(value[..16], value[16..24], value[24..48], value[48]);
        return MsChapResponseError.None;
    }

    /// <summary>
    /// Writes the 49-octet Value with Reserved and Flags zero. Returns false when <paramref name="destination"/> is
    /// shorter than 49 octets; throws when the Peer-Challenge is not 16 or the NT-Response not 24 octets.
    /// </summary>
    public static bool TryWrite(Span<byte> destination, ReadOnlySpan<byte> peerChallenge, ReadOnlySpan<byte> ntResponse)
    {
        if (peerChallenge.Length != MsChapLengths.PeerChallenge)
            throw new ArgumentException("The Peer-Challenge is 16 octets.", nameof(peerChallenge));
        if (ntResponse.Length != MsChapLengths.ChallengeResponse)
            throw new ArgumentException("The NT-Response is 24 octets.", nameof(ntResponse));
        if (destination.Length < MsChapLengths.ResponseValue)
            return false;
        peerChallenge.CopyTo(destination);
        destination[16..24].Clear();
        ntResponse.CopyTo(destination[24..]);
        destination[48] = 0;
        return true;
    }
}
