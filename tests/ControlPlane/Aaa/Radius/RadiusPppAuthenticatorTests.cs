using System.Net;
using System.Text;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Ccp;
using PptpGw.ControlPlane.Ppp.Chap;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

/// <summary>
/// <see cref="RadiusPppAuthenticator.ToPppResult"/> on replies built here: the FreeRADIUS MS-CHAPv2 vector of
/// shared/aaa/freeradius/README.md (alice, fixed challenges), checked against the peer's own RFC 3079 derivation, and
/// the MS-CHAP-Error / MS-CHAPv1 key rules.
/// </summary>
public sealed class RadiusPppAuthenticatorTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("testing123");
    private static readonly byte[] RequestAuthenticator = Convert.FromHexString("a1a2a3a4a5a6a7a8a9aaabacadaeafb0");
    private static readonly AaaServerHost Host = new("inside", IPAddress.Loopback, "testing123", 2, 1645, 1646);

    // README: MS-CHAP-Challenge, the Peer-Challenge and NT-Response of MS-CHAP2-Response, and what FreeRADIUS answered.
    private static readonly byte[] AuthenticatorChallenge = Convert.FromHexString("00112233445566778899aabbccddeeff");
    private static readonly byte[] PeerChallenge = Convert.FromHexString("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    private static readonly byte[] NtResponse = Convert.FromHexString("9740392373420fe4cadd2b1bdfe85b9a9d8106093eec5300");
    private static readonly byte[] SendKey = Convert.FromHexString("3391ae0e303d4a616baeb5b2020d7cde");
    private static readonly byte[] RecvKey = Convert.FromHexString("3a1a17942c22007c73f1565049427028");
    private const string Success = "S=0EB523A26A9E86ADD0B27031971EE18B09257E86";

    private delegate void Attributes(ref RadiusPacketWriter writer);

    private static RadiusAccessResult Reply(RadiusCode code, Attributes attributes)
    {
        byte[] buffer = new byte[4096];
        var writer = new RadiusPacketWriter(buffer, code, 7);
        attributes(ref writer);
        byte[] packet = writer.Complete().ToArray();
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(packet, out RadiusPacket parsed));
        return RadiusAccessResult.FromReply(parsed, RequestAuthenticator, Secret, Host);
    }

    private static void WriteKey(ref RadiusPacketWriter writer, MicrosoftAttributeType type, byte[] key, ushort salt)
    {
        byte[] value = new byte[RadiusAuthenticator.EncryptedMppeKeyLength(key.Length)];
        Assert.True(RadiusAuthenticator.TryEncryptMppeKey(key, salt, Secret, RequestAuthenticator, value, out _));
        writer.WriteMicrosoft(type, value);
    }

    [Fact]
    public void MsChapV2AcceptGivesTheGatewayTheKeysThePeerDerivesInReverse()
    {
        // The vector is what the peer computes for alice: the NT-Response of RFC 2759 §8.1.
        byte[] hash = new byte[16];
        PasswordHashes.NtPasswordHash("alice-pass", hash);
        byte[] expectedResponse = new byte[24];
        MsChapV2.GenerateNtResponse(AuthenticatorChallenge, PeerChallenge, "alice"u8, hash, expectedResponse);
        Assert.Equal(NtResponse, expectedResponse);

        RadiusAccessResult accept = Reply(RadiusCode.AccessAccept, (ref RadiusPacketWriter w) =>
        {
            w.WriteMicrosoft(MicrosoftAttributeType.MsChap2Success, (byte[])[1, .. Encoding.ASCII.GetBytes(Success)]);
            WriteKey(ref w, MicrosoftAttributeType.MsMppeRecvKey, RecvKey, 0x1234);
            WriteKey(ref w, MicrosoftAttributeType.MsMppeSendKey, SendKey, 0x5678);
            w.WriteMicrosoftUInt32(MicrosoftAttributeType.MsMppeEncryptionPolicy, (uint)MppeEncryptionPolicy.EncryptionRequired);
            w.WriteMicrosoftUInt32(MicrosoftAttributeType.MsMppeEncryptionTypes, (uint)MppeEncryptionTypes.Bits128);
            w.WriteIPv4(RadiusAttributeType.FramedIpAddress, IPAddress.Parse("198.19.7.7"));
            w.WriteUInt32(RadiusAttributeType.SessionTimeout, 3600);
            w.WriteUInt32(RadiusAttributeType.IdleTimeout, 600);
        });
        var request = new MsChapV2AuthRequest("alice", AuthenticatorChallenge, PeerChallenge, NtResponse);
        PppAuthResult result = RadiusPppAuthenticator.ToPppResult(request, accept, "AuthInbound", null);

        Assert.True(result.Accepted);
        Assert.Equal("AuthInbound 127.0.0.1:1645", result.ServerName);
        MppeStartKeys keys = Assert.IsType<MppeStartKeys>(result.Keys);
        Assert.Equal(SendKey, keys.SendKey);
        Assert.Equal(RecvKey, keys.ReceiveKey);
        // RFC 3079 §3.3 on the peer's side: its receive key is our send key and the other way round.
        byte[] clientSend = new byte[16], clientReceive = new byte[16];
        MppeKeyDerivation.DeriveMsChapV2StartKeys(hash, NtResponse, MppeRole.Client, clientSend, clientReceive);
        Assert.Equal(clientReceive, keys.SendKey);
        Assert.Equal(clientSend, keys.ReceiveKey);
        Assert.Equal(MppeSupportedBits.Encryption128Bit, keys.AllowedStrengths);
        Assert.True(keys.EncryptionRequired);
        // The S= relayed is the authenticator response the peer expects (RFC 2759 §8.7).
        string relayed = MsChapV2.FormatAuthenticatorResponse(Assert.IsType<byte[]>(result.AuthenticatorResponse));
        Assert.Equal(Success, relayed);
        Assert.True(MsChapV2.CheckAuthenticatorResponse("alice-pass", NtResponse, PeerChallenge, AuthenticatorChallenge, "alice"u8,
            Encoding.ASCII.GetBytes(relayed)));
        Assert.Equal(0xC613_0707u, result.FramedIpAddress);
        Assert.Equal(TimeSpan.FromHours(1), result.SessionTimeout);
        // RFC 2865 §5.28 Idle-Timeout: the session's idle limit, overriding the group's idle-timeout.
        Assert.Equal(TimeSpan.FromMinutes(10), result.IdleTimeout);
    }

    [Fact]
    public void MsChapErrorIsRelayedAsErrorCodeAndRetryFlag()
    {
        RadiusAccessResult reject = Reply(RadiusCode.AccessReject, (ref RadiusPacketWriter w) =>
            w.WriteMicrosoft(MicrosoftAttributeType.MsChapError, (byte[])[1, .. "E=649 R=0 C=00112233445566778899aabbccddeeff V=3"u8]));
        var request = new MsChapV2AuthRequest("alice", AuthenticatorChallenge, PeerChallenge, NtResponse);
        PppAuthResult result = RadiusPppAuthenticator.ToPppResult(request, reject, "AuthInbound", null);

        Assert.False(result.Accepted);
        Assert.Equal(MsChapErrorCode.NoDialinPermission, result.ErrorCode);
        Assert.False(result.RetryAllowed);
    }

    [Fact]
    public void ReplyMessageOfAPapRejectIsTheReasonAndATimeoutMayNotBeRetried()
    {
        RadiusAccessResult reject = Reply(RadiusCode.AccessReject, (ref RadiusPacketWriter w) =>
            w.WriteText(RadiusAttributeType.ReplyMessage, "mallory is not allowed"));
        var pap = new PapAuthRequest("mallory", "x"u8.ToArray());
        PppAuthResult result = RadiusPppAuthenticator.ToPppResult(pap, reject, "AuthInbound", null);
        Assert.False(result.Accepted);
        Assert.Contains("mallory is not allowed", result.Reason, StringComparison.Ordinal);

        PppAuthResult timeout = RadiusPppAuthenticator.ToPppResult(pap, RadiusAccessResult.Timeout, "AuthInbound", null);
        Assert.False(timeout.Accepted);
        Assert.False(timeout.RetryAllowed);
    }

    [Fact]
    public void MsChapV1WithAnAllZeroLmKeyServesOnly128Bit()
    {
        byte[] hash = new byte[16], hashHash = new byte[16];
        PasswordHashes.NtPasswordHash("alice-pass", hash);
        PasswordHashes.HashNtPasswordHash(hash, hashHash);
        byte[] challenge = Convert.FromHexString("3c190a9567e28b39");
        RadiusAccessResult accept = Reply(RadiusCode.AccessAccept, (ref RadiusPacketWriter w) =>
        {
            byte[] value = new byte[32];
            Assert.True(RadiusAuthenticator.TryEncryptMsChapMppeKeys(new byte[8], hashHash, Secret, RequestAuthenticator, value));
            w.WriteMicrosoft(MicrosoftAttributeType.MsChapMppeKeys, value);
        });
        var request = new MsChapV1AuthRequest("alice", challenge, new byte[24], new byte[24], true);
        PppAuthResult result = RadiusPppAuthenticator.ToPppResult(request, accept, "AuthInbound", null);

        MppeStartKeys keys = Assert.IsType<MppeStartKeys>(result.Keys);
        Assert.Equal(MppeSupportedBits.Encryption128Bit, keys.AllowedStrengths);
        Assert.Null(keys.ShortKey);
        byte[] expected = new byte[16];
        MppeKeyDerivation.GetStartKey(challenge, hashHash, expected); // RFC 3079 §2.4
        Assert.Equal(expected, keys.SendKey);
        Assert.Equal(expected, keys.ReceiveKey);
    }
}
