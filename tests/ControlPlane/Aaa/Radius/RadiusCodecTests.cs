using System.Buffers.Binary;
using System.Net;
using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Aaa.Radius;

namespace PptpGw.Tests.ControlPlane.Aaa.Radius;

public sealed class RadiusCodecTests
{
    // RFC 2865 §7.1 "User Telnet to Specified Host": secret "xyzzy5461", user nemo, password "arctangent".
    private static readonly byte[] Secret = "xyzzy5461"u8.ToArray();
    private static readonly byte[] Rfc2865Request = Convert.FromHexString(
        "010000380f403f9473978057bd83d5cb98f4227a01066e656d6f02120dbe708d93d413ce3196e43f782a0aee0406c0a80110050600000003");
    private static readonly byte[] Rfc2865Accept = Convert.FromHexString(
        "0200002686fe220e7624ba2a1005f6bf9b55e0b20606000000010f06000000000e06c0a80103");

    [Fact]
    public void Parses_the_RFC2865_example_request()
    {
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(Rfc2865Request, out var packet));
        Assert.Equal(RadiusCode.AccessRequest, packet.Code);
        Assert.Equal(0, packet.Identifier);
        Assert.Equal(56, packet.Length);
        Assert.True(packet.TryGetAttribute(RadiusAttributeType.UserName, out var user));
        Assert.Equal("nemo", Encoding.ASCII.GetString(user));
        Assert.True(packet.TryGetAttribute(RadiusAttributeType.NasIpAddress, out var nas));
        Assert.Equal(IPAddress.Parse("192.168.1.16"), new IPAddress(nas));
        Assert.True(packet.TryGetAttribute(RadiusAttributeType.NasPort, out var port));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(port));

        Assert.True(packet.TryGetAttribute(RadiusAttributeType.UserPassword, out var hidden));
        Span<byte> password = stackalloc byte[128];
        Assert.Equal(RadiusCipherError.None, RadiusAuthenticator.TryRevealPassword(hidden, Secret, packet.Authenticator, password, out int length));
        Assert.Equal("arctangent", Encoding.ASCII.GetString(password[..length]));
    }

    [Fact]
    public void Writes_the_RFC2865_example_request_byte_for_byte()
    {
        var authenticator = Rfc2865Request.AsSpan(4, 16);
        var buffer = new byte[4096];
        var w = new RadiusPacketWriter(buffer, RadiusCode.AccessRequest, 0);
        authenticator.CopyTo(w.Authenticator);
        Assert.True(w.WriteText(RadiusAttributeType.UserName, "nemo"));
        Assert.True(w.TryReserve(RadiusAttributeType.UserPassword, RadiusAuthenticator.HiddenPasswordLength(10), out var slot));
        Assert.True(RadiusAuthenticator.TryHidePassword("arctangent"u8, Secret, authenticator, slot, out int written));
        Assert.Equal(16, written);
        Assert.True(w.WriteIPv4(RadiusAttributeType.NasIpAddress, IPAddress.Parse("192.168.1.16")));
        Assert.True(w.WriteUInt32(RadiusAttributeType.NasPort, 3));
        Assert.Equal(Rfc2865Request, w.Complete().ToArray());
    }

    [Fact]
    public void Verifies_and_reproduces_the_RFC2865_example_response_authenticator()
    {
        var requestAuthenticator = Rfc2865Request.AsSpan(4, 16);
        Assert.True(RadiusAuthenticator.VerifyResponseAuthenticator(Rfc2865Accept, requestAuthenticator, Secret));
        Assert.False(RadiusAuthenticator.VerifyResponseAuthenticator(Rfc2865Accept, requestAuthenticator, "xyzzy5462"u8));

        var copy = (byte[])Rfc2865Accept.Clone();
        copy.AsSpan(4, 16).Clear();
        RadiusAuthenticator.SignResponse(copy, requestAuthenticator, Secret, -1);
        Assert.Equal(Rfc2865Accept, copy);

        var tampered = (byte[])Rfc2865Accept.Clone();
        tampered[^1] ^= 1;
        Assert.False(RadiusAuthenticator.VerifyResponseAuthenticator(tampered, requestAuthenticator, Secret));
    }

    [Theory]
    [InlineData("0100", RadiusPacketError.TooShort)]
    [InlineData("01000013000000000000000000000000000000000000", RadiusPacketError.LengthTooSmall)]
    [InlineData("01001001000000000000000000000000000000000000", RadiusPacketError.LengthTooLarge)]
    [InlineData("0100001800000000000000000000000000000000", RadiusPacketError.Truncated)]
    [InlineData("010000150000000000000000000000000000000001", RadiusPacketError.AttributeHeaderTruncated)]
    [InlineData("01000016000000000000000000000000000000000101", RadiusPacketError.AttributeLengthTooSmall)]
    [InlineData("0100001700000000000000000000000000000000010561", RadiusPacketError.AttributeOverrun)]
    [InlineData("0100001600000000000000000000000000000000010299", RadiusPacketError.None)] // trailing padding past Length is ignored
    public void Reports_precise_framing_errors(string hex, RadiusPacketError expected)
    {
        Assert.Equal(expected, RadiusPacket.TryParse(Convert.FromHexString(hex), out _));
    }

    [Theory]
    [InlineData("000001", RadiusVendorSpecificError.TooShort)]
    [InlineData("0000013701", RadiusVendorSpecificError.SubAttributeHeaderTruncated)]
    [InlineData("000001370b01", RadiusVendorSpecificError.SubAttributeLengthTooSmall)]
    [InlineData("000001370b0a0102", RadiusVendorSpecificError.SubAttributeOverrun)]
    [InlineData("000001370b0401020702", RadiusVendorSpecificError.None)]
    public void Reports_precise_vendor_specific_errors(string hex, RadiusVendorSpecificError expected)
    {
        Assert.Equal(expected, RadiusVendorSpecific.TryParse(Convert.FromHexString(hex), out uint vendor, out _));
        if (expected == RadiusVendorSpecificError.None)
            Assert.Equal(RadiusVendor.Microsoft, vendor);
    }

    [Fact]
    public void Writes_and_finds_Microsoft_sub_attributes_and_tagged_tunnel_attributes()
    {
        var buffer = new byte[256];
        var w = new RadiusPacketWriter(buffer, RadiusCode.AccessAccept, 9);
        Assert.True(w.WriteMicrosoftUInt32(MicrosoftAttributeType.MsMppeEncryptionTypes, (uint)MppeEncryptionTypes.Bits128));
        Assert.True(w.WriteTaggedUInt24(RadiusAttributeType.TunnelType, 0, (uint)RadiusTunnelType.Pptp));
        var packet = w.Complete();
        // Vendor-Specific: 1a 0c | 00 00 01 37 | 08 06 | 00 00 00 04; Tunnel-Type: 40 06 | 00 00 00 01.
        Assert.Equal(Convert.FromHexString("1a0c00000137080600000004400600000001"), packet[20..].ToArray());
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(packet, out var parsed));
        Assert.True(parsed.TryGetMicrosoftAttribute(MicrosoftAttributeType.MsMppeEncryptionTypes, out var types));
        Assert.Equal(4u, BinaryPrimitives.ReadUInt32BigEndian(types));
        Assert.False(parsed.TryGetMicrosoftAttribute(MicrosoftAttributeType.MsMppeSendKey, out _));
    }

    [Fact]
    public void Writer_refuses_what_does_not_fit_and_says_so()
    {
        var buffer = new byte[30];
        var w = new RadiusPacketWriter(buffer, RadiusCode.AccessRequest, 1);
        Assert.True(w.WriteUInt32(RadiusAttributeType.NasPort, 1));
        Assert.False(w.WriteUInt32(RadiusAttributeType.NasPort, 2));
        Assert.True(w.Overflowed);
        Assert.True(w.Complete().IsEmpty);

        var big = new byte[4096];
        var w2 = new RadiusPacketWriter(big, RadiusCode.AccessRequest, 1);
        Assert.False(w2.Write(RadiusAttributeType.ReplyMessage, new byte[254]));
        Assert.False(RadiusAuthenticator.TryHidePassword(new byte[129], Secret, new byte[16], new byte[256], out _));
    }

    [Fact]
    public void Message_authenticator_signs_and_checks_requests_and_replies()
    {
        var request = new RadiusAccessRequest("nemo", PapCredentials.FromString("arctangent"));
        var authenticator = new byte[16];
        RadiusAuthenticator.FillRequestAuthenticator(authenticator);
        var buffer = new byte[4096];
        int length = RadiusRequestEncoder.EncodeAccessRequest(buffer, 5, authenticator, Secret, request, RadiusNasIdentity.Default, true);
        var packet = buffer.AsSpan(0, length);
        // RFC 3579 §3.2 and the BlastRADIUS advice: Message-Authenticator is the first attribute.
        Assert.Equal((byte)RadiusAttributeType.MessageAuthenticator, packet[20]);
        Assert.Equal(MessageAuthenticatorStatus.Valid, RadiusAuthenticator.CheckMessageAuthenticator(packet, authenticator, Secret));
        Assert.Equal(MessageAuthenticatorStatus.Invalid, RadiusAuthenticator.CheckMessageAuthenticator(packet, authenticator, "other"u8));
        packet[^1] ^= 0x40;
        Assert.Equal(MessageAuthenticatorStatus.Invalid, RadiusAuthenticator.CheckMessageAuthenticator(packet, authenticator, Secret));

        var reply = new byte[64];
        var w = new RadiusPacketWriter(reply, RadiusCode.AccessAccept, 5);
        int ma = w.WriteMessageAuthenticator();
        w.WriteUInt32(RadiusAttributeType.SessionTimeout, 60);
        var signed = w.Complete();
        RadiusAuthenticator.SignResponse(signed, authenticator, Secret, ma);
        Assert.True(RadiusAuthenticator.VerifyResponseAuthenticator(signed, authenticator, Secret));
        Assert.Equal(MessageAuthenticatorStatus.Valid, RadiusAuthenticator.CheckMessageAuthenticator(signed, authenticator, Secret));

        var twice = new byte[64];
        var w2 = new RadiusPacketWriter(twice, RadiusCode.AccessAccept, 5);
        int ma1 = w2.WriteMessageAuthenticator();
        w2.WriteMessageAuthenticator();
        var doubled = w2.Complete();
        RadiusAuthenticator.SignResponse(doubled, authenticator, Secret, ma1);
        Assert.Equal(MessageAuthenticatorStatus.Malformed, RadiusAuthenticator.CheckMessageAuthenticator(doubled, authenticator, Secret));
        Assert.Equal(MessageAuthenticatorStatus.Absent, RadiusAuthenticator.CheckMessageAuthenticator(Rfc2865Accept, authenticator, Secret));
    }

    [Fact]
    public void Accounting_request_authenticator_is_computed_and_checked_per_RFC2866()
    {
        var buffer = new byte[4096];
        var request = new RadiusAccountingRequest(AcctStatusType.Stop, "0000002A")
        {
            UserName = "bob",
            SessionTimeSeconds = 61,
            InputOctets = (3UL << 32) + 5,
            OutputOctets = 7,
            InputPackets = ulong.MaxValue,
            TerminateCause = AcctTerminateCause.SessionTimeout,
        };
        int length = RadiusRequestEncoder.EncodeAccountingRequest(buffer, 77, Secret, request, RadiusNasIdentity.Default, 4);
        var packet = buffer.AsSpan(0, length);
        Assert.True(RadiusAuthenticator.VerifyRequestAuthenticator(packet, Secret));
        Assert.False(RadiusAuthenticator.VerifyRequestAuthenticator(packet, "xyzzy5460"u8));

        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(packet, out var parsed));
        Assert.Equal(RadiusCode.AccountingRequest, parsed.Code);
        Assert.Equal(5u, ReadUInt32(parsed, RadiusAttributeType.AcctInputOctets));
        Assert.Equal(3u, ReadUInt32(parsed, RadiusAttributeType.AcctInputGigawords));
        Assert.Equal(0u, ReadUInt32(parsed, RadiusAttributeType.AcctOutputGigawords));
        Assert.Equal(uint.MaxValue, ReadUInt32(parsed, RadiusAttributeType.AcctInputPackets));
        Assert.Equal(4u, ReadUInt32(parsed, RadiusAttributeType.AcctDelayTime));
        Assert.Equal(61u, ReadUInt32(parsed, RadiusAttributeType.AcctSessionTime));
        Assert.Equal((uint)AcctTerminateCause.SessionTimeout, ReadUInt32(parsed, RadiusAttributeType.AcctTerminateCause));

        packet[^1] ^= 1;
        Assert.False(RadiusAuthenticator.VerifyRequestAuthenticator(packet, Secret));
    }

    [Fact]
    public void Access_requests_carry_each_credentials_kind_as_RFC2865_and_RFC2548_lay_it_out()
    {
        var auth = new byte[16];
        var buffer = new byte[4096];
        var chap = new ChapCredentials(7, Enumerable.Range(0, 16).Select(i => (byte)i).ToArray(), Enumerable.Repeat((byte)0xAB, 16).ToArray());
        int n = RadiusRequestEncoder.EncodeAccessRequest(buffer, 1, auth, Secret, new RadiusAccessRequest("u", chap) { NasPort = 9 },
            new RadiusNasIdentity(IPAddress.Parse("198.18.0.1"), null), false);
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(buffer.AsSpan(0, n), out var p));
        Assert.True(p.TryGetAttribute(RadiusAttributeType.ChapPassword, out var chapPassword));
        Assert.Equal(17, chapPassword.Length);
        Assert.Equal(7, chapPassword[0]);
        Assert.True(p.TryGetAttribute(RadiusAttributeType.ChapChallenge, out var chapChallenge));
        Assert.Equal(chap.Challenge.ToArray(), chapChallenge.ToArray());
        Assert.Equal(9u, ReadUInt32(p, RadiusAttributeType.NasPort));
        Assert.Equal((uint)RadiusNasPortType.Virtual, ReadUInt32(p, RadiusAttributeType.NasPortType));
        Assert.Equal((uint)RadiusServiceType.Framed, ReadUInt32(p, RadiusAttributeType.ServiceType));
        Assert.Equal((uint)RadiusFramedProtocol.Ppp, ReadUInt32(p, RadiusAttributeType.FramedProtocol));
        Assert.Equal(1u, ReadUInt32(p, RadiusAttributeType.TunnelType));
        Assert.Equal(1u, ReadUInt32(p, RadiusAttributeType.TunnelMediumType));
        Assert.False(p.TryGetAttribute(RadiusAttributeType.NasIdentifier, out _));
        Assert.False(p.TryGetAttribute(RadiusAttributeType.MessageAuthenticator, out _));

        var v2 = new MsChapV2Credentials(3, new byte[16], Enumerable.Repeat((byte)0x55, 16).ToArray(), Enumerable.Repeat((byte)0x66, 24).ToArray());
        n = RadiusRequestEncoder.EncodeAccessRequest(buffer, 2, auth, Secret, new RadiusAccessRequest("u", v2), RadiusNasIdentity.Default, true);
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(buffer.AsSpan(0, n), out p));
        Assert.True(p.TryGetMicrosoftAttribute(MicrosoftAttributeType.MsChap2Response, out var response));
        Assert.Equal(50, response.Length);
        Assert.Equal(3, response[0]);
        Assert.Equal(0x55, response[2]);
        Assert.Equal(new byte[8], response.Slice(18, 8).ToArray()); // Reserved
        Assert.Equal(0x66, response[26]);
        Assert.True(p.TryGetMicrosoftAttribute(MicrosoftAttributeType.MsChapChallenge, out var challenge));
        Assert.Equal(16, challenge.Length);

        var v1 = new MsChapV1Credentials(4, new byte[8], new byte[24], Enumerable.Repeat((byte)0x77, 24).ToArray());
        n = RadiusRequestEncoder.EncodeAccessRequest(buffer, 3, auth, Secret, new RadiusAccessRequest("u", v1), RadiusNasIdentity.Default, true);
        Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(buffer.AsSpan(0, n), out p));
        Assert.True(p.TryGetMicrosoftAttribute(MicrosoftAttributeType.MsChapResponse, out response));
        Assert.Equal(4, response[0]);
        Assert.Equal(1, response[1]); // use the NT-Response
        Assert.Equal(0x77, response[49]);
    }

    [Fact]
    public void Mppe_key_attributes_round_trip_and_report_bad_lengths()
    {
        var auth = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        var key = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
        var wire = new byte[RadiusAuthenticator.EncryptedMppeKeyLength(16)];
        Assert.Equal(34, wire.Length); // as FreeRADIUS sends them (README: 2-octet salt + 32)
        Assert.True(RadiusAuthenticator.TryEncryptMppeKey(key, 0x1234, Secret, auth, wire, out _));
        Assert.Equal(0x92, wire[0]); // RFC 2548 §2.4.2: the salt's high bit is set
        var back = new byte[32];
        Assert.Equal(RadiusCipherError.None, RadiusAuthenticator.TryDecryptMppeKey(wire, Secret, auth, back, out int length));
        Assert.Equal(key, back[..length]);
        Assert.Equal(RadiusCipherError.BadLength, RadiusAuthenticator.TryDecryptMppeKey(wire.AsSpan(0, 33), Secret, auth, back, out _));
        Assert.Equal(RadiusCipherError.DestinationTooSmall, RadiusAuthenticator.TryDecryptMppeKey(wire, Secret, auth, new byte[8], out _));

        var lm = Enumerable.Range(7, 8).Select(i => (byte)i).ToArray();
        var nt = Enumerable.Range(50, 16).Select(i => (byte)i).ToArray();
        var keys = new byte[32];
        Assert.True(RadiusAuthenticator.TryEncryptMsChapMppeKeys(lm, nt, Secret, auth, keys));
        var lmBack = new byte[8];
        var ntBack = new byte[16];
        Assert.Equal(RadiusCipherError.None, RadiusAuthenticator.TryDecryptMsChapMppeKeys(keys, Secret, auth, lmBack, ntBack));
        Assert.Equal(lm, lmBack);
        Assert.Equal(nt, ntBack);
        Assert.Equal(RadiusCipherError.BadLength, RadiusAuthenticator.TryDecryptMsChapMppeKeys(keys.AsSpan(0, 16), Secret, auth, lmBack, ntBack));
    }

    [Fact]
    public void Property_hidden_passwords_and_keys_round_trip()
    {
        Gen.Select(Gen.Byte.Array[1, 128], Gen.Byte.Array[1, 64], Gen.Byte.Array[16]).Sample((password, secret, auth) =>
        {
            if (password[^1] == 0)
                password[^1] = 1; // trailing NULs are padding by definition (RFC 2865 §5.2)
            var hidden = new byte[128];
            Assert.True(RadiusAuthenticator.TryHidePassword(password, secret, auth, hidden, out int written));
            var back = new byte[128];
            Assert.Equal(RadiusCipherError.None, RadiusAuthenticator.TryRevealPassword(hidden.AsSpan(0, written), secret, auth, back, out int length));
            Assert.Equal(password, back[..length]);

            var wire = new byte[RadiusAuthenticator.EncryptedMppeKeyLength(password.Length)];
            Assert.True(RadiusAuthenticator.TryEncryptMppeKey(password, 7, secret, auth, wire, out _));
            Assert.Equal(RadiusCipherError.None, RadiusAuthenticator.TryDecryptMppeKey(wire, secret, auth, back, out length));
            Assert.Equal(password, back[..length]);
        }, iter: 300);
    }

    [Fact]
    public void Property_parsing_arbitrary_datagrams_never_throws()
    {
        Gen.Byte.Array[0, 300].Sample(bytes =>
        {
            var error = RadiusPacket.TryParse(bytes, out var packet);
            if (error != RadiusPacketError.None)
                return;
            int count = 0;
            foreach (var attribute in packet.Attributes)
            {
                count++;
                RadiusVendorSpecific.TryParse(attribute.Value, out _, out var subs);
                foreach (var sub in subs)
                    _ = sub.Value.Length;
            }
            Assert.True(count <= (packet.Length - 20) / 2);
            _ = RadiusAuthenticator.CheckMessageAuthenticator(packet.Raw, new byte[16], Secret);
            _ = RadiusAccessResult.FromReply(packet, new byte[16], Secret, null);
        }, iter: 2000);
    }

    [Fact]
    public void Property_well_framed_replies_with_random_attributes_never_throw()
    {
        // Valid framing, hostile content: Microsoft VSAs of random types and lengths, including the key attributes.
        var genAttribute = Gen.Select(Gen.Byte[1, 30], Gen.Byte.Array[0, 60]);
        Gen.Select(genAttribute.Array[0, 12], Gen.Bool).Sample((attributes, accept) =>
        {
            var buffer = new byte[4096];
            var w = new RadiusPacketWriter(buffer, accept ? RadiusCode.AccessAccept : RadiusCode.AccessReject, 1);
            foreach (var (type, value) in attributes)
            {
                if (type % 3 == 0)
                    w.WriteVendor(RadiusVendor.Microsoft, (byte)(type % 27), value);
                else
                    w.Write((RadiusAttributeType)type, value);
            }
            var packet = w.Complete();
            Assert.Equal(RadiusPacketError.None, RadiusPacket.TryParse(packet, out var parsed));
            var result = RadiusAccessResult.FromReply(parsed, new byte[16], Secret, null);
            Assert.Equal(accept ? RadiusAccessOutcome.Accept : RadiusAccessOutcome.Reject, result.Outcome);
        }, iter: 1000);
    }

    private static uint ReadUInt32(RadiusPacket packet, RadiusAttributeType type)
    {
        Assert.True(packet.TryGetAttribute(type, out var value), $"{type} missing");
        return BinaryPrimitives.ReadUInt32BigEndian(value);
    }
}
