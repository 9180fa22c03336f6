using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.Dataplane.Mppe;
using static PptpGw.Tests.ControlPlane.Ppp.Auth.MsChapV2Tests;

namespace PptpGw.Tests.ControlPlane.Ppp.Auth;

public class MppeKeyDerivationTests
{
    // ------------------------------------------------------------ RFC 3079 §3.5 (MS-CHAPv2, "User"/"clientPass")

    private static readonly byte[] MasterKey = Hex("FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31");
    private static readonly byte[] SendStartKey128 = Hex("8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB");

    [Fact]
    public void Rfc3079_V2_MasterKey()
    {
        var masterKey = new byte[16];
        MppeKeyDerivation.GetMasterKey(PasswordHashHash, NtResponse, masterKey);
        Assert.Equal(MasterKey, masterKey);
    }

    [Fact]
    public void Rfc3079_V2_SendStartKeys_AreTheServersSendKey()
    {
        // RFC 3079 §3.5 derives its sample keys as the server: GetAsymmetricStartKey(..., IsSend=TRUE, IsServer=TRUE).
        var start128 = new byte[16];
        MppeKeyDerivation.GetAsymmetricStartKey(MasterKey, start128, isSend: true, MppeRole.Server);
        Assert.Equal(SendStartKey128, start128);

        // §3.5.1 / §3.5.2: the 40- and 56-bit start keys are the first 8 octets.
        var start8 = new byte[8];
        MppeKeyDerivation.GetAsymmetricStartKey(MasterKey, start8, isSend: true, MppeRole.Server);
        Assert.Equal(Hex("8B 7C DC 14 9B 99 3A 1B"), start8);

        // The server's send key is the client's receive key.
        MppeKeyDerivation.GetAsymmetricStartKey(MasterKey, start128, isSend: false, MppeRole.Client);
        Assert.Equal(SendStartKey128, start128);
    }

    [Theory]
    [InlineData(MppeKeyStrength.Bits40, "D1 26 9E C4 9F A6 2E 3E")]                         // RFC 3079 §3.5.1 SendSessionKey
    [InlineData(MppeKeyStrength.Bits56, "D1 5C 00 C4 9F A6 2E 3E")]                         // RFC 3079 §3.5.2 SendSessionKey
    [InlineData(MppeKeyStrength.Bits128, "40 5C B2 24 7A 79 56 E6 E2 11 00 7A E2 7B 22 D4")] // RFC 3079 §3.5.3 SendSessionKey
    public void Rfc3079_V2_SendSessionKeys(MppeKeyStrength strength, string expected)
    {
        int length = MppeKeySchedule.SessionKeyLength(strength);
        var send = new byte[length];
        var receive = new byte[length];
        MppeKeyDerivation.DeriveMsChapV2StartKeys(PasswordHash, NtResponse, MppeRole.Server, send, receive);
        var sessionKey = new byte[length];
        MppeKeySchedule.DeriveInitialSessionKey(send, strength, sessionKey);
        Assert.Equal(Hex(expected), sessionKey);
    }

    [Fact]
    public void V2_ServerAndClientKeysMirror()
    {
        var serverSend = new byte[16];
        var serverReceive = new byte[16];
        var clientSend = new byte[16];
        var clientReceive = new byte[16];
        MppeKeyDerivation.DeriveMsChapV2StartKeys(PasswordHash, NtResponse, MppeRole.Server, serverSend, serverReceive);
        MppeKeyDerivation.DeriveMsChapV2StartKeys(PasswordHash, NtResponse, MppeRole.Client, clientSend, clientReceive);
        Assert.Equal(SendStartKey128, serverSend);
        Assert.Equal(serverSend, clientReceive);
        Assert.Equal(serverReceive, clientSend);
        Assert.NotEqual(serverSend, serverReceive);
    }

    [Fact]
    public void CrossCheck_V2_IndependentPythonImplementation()
    {
        // python3 /work/shared/aaa/freeradius/mschap_vectors.py v2 'ACME\carol' 'S3cr3t-Pässwörd'
        // prints MasterKey and the server's MS-MPPE-Send-Key / MS-MPPE-Recv-Key for its default challenges.
        byte[] auth = Hex("00112233445566778899aabbccddeeff");
        byte[] peer = Hex("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
        const string password = "S3cr3t-Pässwörd";
        var ntResponse = new byte[24];
        MsChapV2.GenerateNtResponse(auth, peer, Encoding.UTF8.GetBytes("ACME\\carol"), password, ntResponse);

        var hash = new byte[16];
        var hashHash = new byte[16];
        PasswordHashes.NtPasswordHash(password, hash);
        PasswordHashes.HashNtPasswordHash(hash, hashHash);
        var masterKey = new byte[16];
        MppeKeyDerivation.GetMasterKey(hashHash, ntResponse, masterKey);
        Assert.Equal(Hex("ef9edd6dfb02a4f6e391a6532af10420"), masterKey);

        var send = new byte[16];
        var receive = new byte[16];
        MppeKeyDerivation.DeriveMsChapV2StartKeys(hash, ntResponse, MppeRole.Server, send, receive);
        Assert.Equal(Hex("85e89950e257682fd860a97c15d97a00"), send);
        Assert.Equal(Hex("3dcfcdccf58a022513c36bbe31fa8bff"), receive);
    }

    [Fact]
    public void Property_ShortStartKeysArePrefixesOfLongOnes()
    {
        // RFC 3079 §3.4: GetAsymmetricStartKey copies the first SessionKeyLength octets of one digest.
        Gen.Byte.Array[16].Sample(masterKey =>
        {
            foreach (MppeRole role in new[] { MppeRole.Server, MppeRole.Client })
            foreach (bool isSend in new[] { true, false })
            {
                var longKey = new byte[16];
                var shortKey = new byte[8];
                MppeKeyDerivation.GetAsymmetricStartKey(masterKey, longKey, isSend, role);
                MppeKeyDerivation.GetAsymmetricStartKey(masterKey, shortKey, isSend, role);
                Assert.Equal(longKey.AsSpan(0, 8).ToArray(), shortKey);
            }
        }, iter: 50);
    }

    // ------------------------------------------------------------ RFC 3079 §2.5 (MS-CHAPv1, "clientPass")

    private static readonly byte[] V1Challenge = Hex("10 2d b5 df 08 5d 30 41");

    [Theory]
    [InlineData(MppeKeyStrength.Bits40, "d1 26 9e 53 8c ec 4a 08")] // RFC 3079 §2.5.1 step 4
    [InlineData(MppeKeyStrength.Bits56, "d1 08 01 53 8c ec 4a 08")] // RFC 3079 §2.5.2 step 4
    public void Rfc3079_V1_ShortSessionKeysFromTheLmHash(MppeKeyStrength strength, string expected)
    {
        var lmHash = new byte[16];
        PasswordHashes.LmPasswordHash(Password, lmHash);
        var startKey = new byte[8];
        MppeKeyDerivation.GetLmStartKey(lmHash, startKey);

        // Step 3: GetNewKeyFromSHA(SessionKey, SessionKey, 8, SessionKey), before the salt.
        var unsalted = new byte[8];
        MppeKeySchedule.GetNewKeyFromSha(startKey, startKey, unsalted);
        Assert.Equal(Hex("d8 08 01 53 8c ec 4a 08"), unsalted);

        var sessionKey = new byte[8];
        MppeKeySchedule.DeriveInitialSessionKey(startKey, strength, sessionKey);
        Assert.Equal(Hex(expected), sessionKey);

        var viaPassword = new byte[8];
        Assert.Equal(8, MppeKeyDerivation.DeriveMsChapV1StartKey(Password, V1Challenge, strength, viaPassword));
        Assert.Equal(startKey, viaPassword);
    }

    [Fact]
    public void Rfc3079_V1_128BitStartAndSessionKey()
    {
        // RFC 3079 §2.5.3: NtPasswordHashHash as in RFC 2759 §9.2, then GetStartKey and GetNewKeyFromSHA.
        var startKey = new byte[16];
        MppeKeyDerivation.GetStartKey(V1Challenge, PasswordHashHash, startKey);
        Assert.Equal(Hex("a8 94 78 50 cf c0 ac c1 d1 78 9f b6 2d dc dd b0"), startKey);

        var sessionKey = new byte[16];
        MppeKeySchedule.DeriveInitialSessionKey(startKey, MppeKeyStrength.Bits128, sessionKey);
        Assert.Equal(Hex("59 d1 59 bc 09 f7 6f 1d a2 a8 6a 28 ff ec 0b 1e"), sessionKey);

        var viaPassword = new byte[16];
        Assert.Equal(16, MppeKeyDerivation.DeriveMsChapV1StartKey(Password, V1Challenge, MppeKeyStrength.Bits128, viaPassword));
        Assert.Equal(startKey, viaPassword);
    }
}
