using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Chap;
using PptpGw.ControlPlane.Ppp.Pap;

namespace PptpGw.Fuzz;

/// <summary>
/// The authentication packets (PAP RFC 1334 §2.2, CHAP RFC 1994 §4) and the MS-CHAP texts (RFC 2433 §2.1 Response and
/// Failure "E= R= C= V=", RFC 2759 §4-§6 Response, Success "S=... M=...", Failure "... M=") on their own, each field
/// read and each text rendered as the logs do. (The same packets inside a live session: ppp-session, ppp-client.)
/// </summary>
public static class PppAuthTargets
{
    public static FuzzTarget Pap { get; } = new("pap",
        "PppControlPacket.TryParse, PapPacket.TryParse (Authenticate-Request/Ack/Nak)",
        RunPap, PapSeeds);

    public static FuzzTarget Chap { get; } = new("chap",
        "PppControlPacket.TryParse, ChapPacket.TryParse, ChapName, MsChapV1Response/MsChapV2Response.TryParse",
        RunChap, ChapSeeds);

    public static FuzzTarget MsChapText { get; } = new("mschap-text",
        "MsChapFailureMessage.TryParse, MsChapV2SuccessMessage.TryParse, MsChapV2.TryParseAuthenticatorResponse",
        RunMsChapText, MsChapTextSeeds);

    public static void RunPap(ReadOnlySpan<byte> input)
    {
        PppControlPacket.TryParse(input, out _);
        if (PapPacket.TryParse(input, out PapPacket pap) != PapError.None)
            return;
        _ = (int)pap.Code + pap.Identifier + pap.PeerId.Length + pap.Password.Length + pap.Message.Length;
        _ = System.Text.Encoding.UTF8.GetString(pap.PeerId);
    }

    public static void RunChap(ReadOnlySpan<byte> input)
    {
        PppControlPacket.TryParse(input, out _);
        if (ChapPacket.TryParse(input, out ChapPacket chap) != ChapError.None)
            return;
        _ = (int)chap.Code + chap.Identifier + chap.Message.Length;
        _ = ChapName.HasDomain(chap.Name);
        _ = ChapName.UserPart(chap.Name).Length + ChapName.DomainPart(chap.Name).Length;
        string name = System.Text.Encoding.UTF8.GetString(chap.Name);
        _ = ChapName.UserPart(name.AsSpan()).Length;
        if (MsChapV1Response.TryParse(chap.Value, out MsChapV1Response v1) == MsChapResponseError.None)
            _ = v1.LmResponse.Length + v1.NtResponse.Length + (v1.UseNtResponse ? 1 : 0);
        if (MsChapV2Response.TryParse(chap.Value, out MsChapV2Response v2) == MsChapResponseError.None)
            _ = v2.PeerChallenge.Length + v2.Reserved.Length + v2.NtResponse.Length + v2.Flags;
        if (chap.Code is ChapCode.Success or ChapCode.Failure)
            RunMsChapText(chap.Message);
    }

    public static void RunMsChapText(ReadOnlySpan<byte> input)
    {
        if (MsChapFailureMessage.TryParse(input, out MsChapFailureMessage failure) == MsChapFailureMessageError.None)
        {
            _ = (uint)failure.ErrorCode + (failure.RetryAllowed == true ? 1 : 0) + (failure.Version ?? 0) + failure.Message.Length;
            Span<byte> challenge = stackalloc byte[Math.Max(16, failure.ChallengeLength)];
            failure.CopyChallengeTo(challenge);
        }
        if (MsChapV2SuccessMessage.TryParse(input, out MsChapV2SuccessMessage success) == MsChapV2SuccessMessageError.None)
        {
            Span<byte> digest = stackalloc byte[20];
            success.CopyAuthenticatorResponseTo(digest);
            _ = success.AuthenticatorResponseEquals(digest);
            _ = success.HasMessage ? success.Message.Length : 0;
        }
        Span<byte> response = stackalloc byte[20];
        _ = MsChapV2.TryParseAuthenticatorResponse(input, response);
    }

    private static IEnumerable<byte[]> PapSeeds()
    {
        yield return Seed.Hex("01010010 05636973636f 05636973636f");                  // Authenticate-Request cisco/cisco
        yield return Seed.Hex("02010008 03 4f4b21");                                   // Ack "OK!"
        yield return Seed.Hex("0301000c 07 4661696c6564");                             // Nak "Failed"
    }

    private static IEnumerable<byte[]> ChapSeeds()
    {
        // The reference guide: MS-CHAP v1 Response of a Windows 9x client (LM-Response present), truncated as printed.
        yield return Seed.Hex("0201003a31d4d0a397a064668bb00d954a85");
        // Challenge (MS-CHAPv2: 16 octets), Response with the RFC 2759 §9.2 NT-Response, Success, Failure.
        yield return Seed.Hex("0101001510 5b5d7c7d7b3f2f3e3c2c602132262628 706978");
        yield return Seed.Concat(Seed.Hex("0201003f31 21402324255e262a28295f2b3a337c7e 0000000000000000"
            + "82309ecd8d708b5ea08faa3981cd83544233114a3d85d6df 00"), "User"u8.ToArray());
        yield return Seed.Concat(Seed.Hex("0301002e"), "S=407A5589115FD0D6209F510FE9C04566932CDA56"u8.ToArray());
        yield return Seed.Concat(Seed.Hex("04010037"), "E=691 R=1 C=00000000000000000000000000000000 V=3 M=Authentication failed"u8.ToArray()[..51]);
        // MS-CHAP v1 Response (RFC 2433 §2.1): LM 24, NT 24, flag 1, name.
        yield return Seed.Concat(Seed.Hex("0201003c31"), new byte[24], Seed.Hex("4e9d3c8f9cfd385d5bf4d3246791956ca4c351ab409a3d61 01"), "dom\\User"u8.ToArray());
    }

    private static IEnumerable<byte[]> MsChapTextSeeds()
    {
        yield return "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Access granted"u8.ToArray();
        yield return "S=407A5589115FD0D6209F510FE9C04566932CDA56"u8.ToArray();
        yield return "E=691 R=1 C=5B5D7C7D7B3F2F3E3C2C602132262628 V=3 M=Authentication failed"u8.ToArray();
        yield return "E=649 R=0 V=3"u8.ToArray();
        yield return "E=691 R=1 C=0001020304050607"u8.ToArray();                      // MS-CHAP v1: 8-octet challenge
    }
}
