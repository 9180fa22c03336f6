using System.Buffers.Binary;
using System.Text;
using CsCheck;
using PptpGw.ControlPlane.Aaa.Tacacs;

namespace PptpGw.Tests.ControlPlane.Aaa.Tacacs;

/// <summary>The RFC 8907 codec: header, obfuscation, bodies, and that readers never throw on peer input.</summary>
public class TacacsCodecTests
{
    [Fact]
    public void Header_layout_is_RFC8907_section_4_1()
    {
        var header = new TacacsHeader(TacacsVersion.One, TacacsPacketType.Authentication, 1, TacacsHeaderFlags.SingleConnect, 0xDEADBEEF, 0x0102);
        byte[] wire = new byte[TacacsHeader.Size];
        Assert.True(header.TryWrite(wire));
        Assert.Equal(new byte[] { 0xC1, 0x01, 0x01, 0x04, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x00, 0x01, 0x02 }, wire);
        Assert.Equal(TacacsError.None, TacacsHeader.TryParse(wire, out TacacsHeader parsed));
        Assert.Equal(header, parsed);
        Assert.Equal(0xC, parsed.MajorVersion);
        Assert.Equal(1, parsed.MinorVersion);
        Assert.True(parsed.IsSingleConnect);
        Assert.False(parsed.IsUnencrypted);
    }

    [Theory]
    [InlineData(new byte[] { 0xC0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 0 }, TacacsError.TooShort)]
    [InlineData(new byte[] { 0xB0, 1, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, TacacsError.BadMajorVersion)]
    [InlineData(new byte[] { 0xC0, 4, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, TacacsError.BadType)]
    [InlineData(new byte[] { 0xC0, 1, 2, 0, 0, 0, 0, 1, 0, 1, 0, 1 }, TacacsError.BodyTooLong)]
    public void Header_errors_are_precise(byte[] wire, TacacsError expected) =>
        Assert.Equal(expected, TacacsHeader.TryParse(wire, out _));

    /// <summary>
    /// RFC 8907 publishes no test vector for §4.5, so the pad is checked two ways: against octets computed outside .NET
    /// (Python's hashlib.md5 over session_id 0x7a3e19c4 big-endian, key "tac_plus-key", version 0xc1, seq_no 1, then
    /// chained with the previous hash, truncated to 40), and against the formula written out by hand in the stand-in server.
    /// 40 octets need three MD5 blocks, so the chaining is exercised.
    /// </summary>
    [Fact]
    public void Obfuscation_pad_matches_the_RFC_formula()
    {
        byte[] key = Encoding.ASCII.GetBytes("tac_plus-key");
        byte[] body = new byte[40];
        TacacsObfuscation.Apply(body, 0x7A3E19C4, key, 0xC1, 1);
        Assert.Equal(Convert.FromHexString("094F23C75DF24EEB6F1158635A8A6DC67D6B88053C3A8ECF2E80354AA8C42CDC3360E8CE9FB16E1F"), body);
        Assert.Equal(StandInTacacsServer.Pad(0x7A3E19C4, key, 0xC1, 1, 40), body);
    }

    [Fact]
    public void Obfuscation_round_trips_and_depends_on_every_input()
    {
        Gen.Select(Gen.Byte.Array[0, 300], Gen.UInt, Gen.Byte.Array[0, 40], Gen.Byte, Gen.Byte).Sample((plain, session, key, version, seq) =>
        {
            byte[] body = (byte[])plain.Clone();
            TacacsObfuscation.Apply(body, session, key, version, seq);
            Assert.Equal(StandInTacacsServer.Pad(session, key, version, seq, plain.Length).Zip(plain, (p, d) => (byte)(p ^ d)), body);
            TacacsObfuscation.Apply(body, session, key, version, seq);
            Assert.Equal(plain, body);
        }, iter: 200);
    }

    [Fact]
    public void Wrong_key_garbles_a_reply_into_a_length_error()
    {
        byte[] message = Encoding.ASCII.GetBytes("welcome");
        var reply = new TacacsAuthenReply { Status = TacacsAuthenStatus.Pass, ServerMessage = message };
        byte[] body = new byte[reply.Length];
        Assert.True(reply.TryWrite(body, out _));
        TacacsObfuscation.Apply(body, 0x11223344, Encoding.ASCII.GetBytes("right"), TacacsVersion.One, 2);
        TacacsObfuscation.Apply(body, 0x11223344, Encoding.ASCII.GetBytes("wrong"), TacacsVersion.One, 2);
        TacacsError error = TacacsAuthenReply.TryParse(body, out _);
        Assert.True(error is TacacsError.FieldLengthsExceedBody or TacacsError.FieldLengthsShortOfBody, error.ToString());
    }

    [Fact]
    public void Start_layout_is_RFC8907_section_5_1()
    {
        var start = new TacacsAuthenStart
        {
            Action = TacacsAuthenAction.Login,
            PrivilegeLevel = 1,
            AuthenType = TacacsAuthenType.Pap,
            Service = TacacsAuthenService.Ppp,
            User = "bob"u8,
            Port = "pptp"u8,
            RemoteAddress = "10.1.1.1"u8,
            Data = "secret"u8,
        };
        byte[] body = new byte[start.Length];
        Assert.True(start.TryWrite(body, out int written));
        Assert.Equal(body.Length, written);
        Assert.Equal(new byte[] { 1, 1, 2, 3, 3, 4, 8, 6 }, body[..8]);
        Assert.Equal("bobpptp10.1.1.1secret", Encoding.ASCII.GetString(body, 8, body.Length - 8));
        Assert.Equal(TacacsError.None, TacacsAuthenStart.TryParse(body, out TacacsAuthenStart parsed));
        Assert.Equal("secret", Encoding.ASCII.GetString(parsed.Data));
        Assert.Equal("10.1.1.1", Encoding.ASCII.GetString(parsed.RemoteAddress));
    }

    [Fact]
    public void Start_refuses_fields_longer_than_255_octets()
    {
        var start = new TacacsAuthenStart { User = new byte[256] };
        Assert.False(start.TryWrite(new byte[1024], out _));
    }

    [Fact]
    public void Authorization_response_layout_is_RFC8907_section_6_2()
    {
        // status PASS_ADD, arg_cnt 1, server_msg_len 2, data_len 1, arg length 16, "hi", "d", "addr=198.19.0.7"
        byte[] body = [0x01, 0x01, 0x00, 0x02, 0x00, 0x01, 15, (byte)'h', (byte)'i', (byte)'d', .. "addr=198.19.0.7"u8];
        Assert.Equal(TacacsError.None, TacacsAuthorResponse.TryParse(body, out TacacsAuthorResponse response));
        Assert.Equal(TacacsAuthorStatus.PassAdd, response.Status);
        Assert.Equal("hi", Encoding.ASCII.GetString(response.ServerMessage));
        Assert.Equal("d", Encoding.ASCII.GetString(response.Data));
        Assert.Equal(["addr=198.19.0.7"], response.Arguments.ToStrings());
        Assert.True(TacacsArgumentList.TrySplit(response.Arguments[0], out var name, out var value, out bool mandatory));
        Assert.Equal("addr", Encoding.ASCII.GetString(name));
        Assert.Equal("198.19.0.7", Encoding.ASCII.GetString(value));
        Assert.True(mandatory);
        Assert.True(TacacsArgumentList.TrySplit("inacl*101"u8, out _, out _, out bool optional));
        Assert.False(optional);
    }

    [Fact]
    public void Accounting_request_layout_is_RFC8907_section_7_1()
    {
        var request = new TacacsAcctRequest
        {
            Flags = TacacsAcctFlags.Start,
            AuthenMethod = TacacsAuthenMethod.TacacsPlus,
            PrivilegeLevel = 1,
            AuthenType = TacacsAuthenType.MsChap,
            Service = TacacsAuthenService.Ppp,
            User = "u"u8,
        };
        byte[] body = new byte[64];
        Assert.True(request.TryWrite(body, ["task_id=7", "service=ppp"], out int written));
        Assert.Equal(new byte[] { 0x02, 0x06, 0x01, 0x05, 0x03, 1, 0, 0, 2, 9, 11, (byte)'u' }, body[..12]);
        Assert.Equal("task_id=7service=ppp", Encoding.ASCII.GetString(body, 12, written - 12));
        Assert.Equal(TacacsError.None, TacacsAcctRequest.TryParse(body.AsSpan(0, written), out TacacsAcctRequest parsed));
        Assert.Equal(["task_id=7", "service=ppp"], parsed.Arguments.ToStrings());
        Assert.Equal(TacacsAcctFlags.Start, parsed.Flags);
    }

    [Fact]
    public void Reply_bodies_refuse_unknown_status_and_inconsistent_lengths()
    {
        Assert.Equal(TacacsError.UnknownStatus, TacacsAuthenReply.TryParse([0x08, 0, 0, 0, 0, 0], out _));
        Assert.Equal(TacacsError.UnknownStatus, TacacsAuthorResponse.TryParse([0x03, 0, 0, 0, 0, 0], out _));
        Assert.Equal(TacacsError.UnknownStatus, TacacsAcctReply.TryParse([0, 0, 0, 0, 0x03], out _));
        Assert.Equal(TacacsError.FieldLengthsShortOfBody, TacacsAcctReply.TryParse([0, 0, 0, 0, 0x01, 0x41], out _));
        Assert.Equal(TacacsError.FieldLengthsExceedBody, TacacsAuthenReply.TryParse([0x01, 0, 0, 5, 0, 0, 0x41], out _));
        Assert.Equal(TacacsError.FieldLengthsExceedBody, TacacsAuthorResponse.TryParse([0x01, 9, 0, 0, 0, 0, 1], out _));
        Assert.Equal(TacacsError.TooShort, TacacsAuthenContinue.TryParse([0, 0, 0, 0], out _));
    }

    [Fact]
    public void Bodies_round_trip()
    {
        var text = Gen.Char['a', 'z'].Array[0, 40].Select(c => new string(c));
        Gen.Select(Gen.Byte.Array[0, 255], Gen.Byte.Array[0, 300], text.Array[0, 12], Gen.Int[0, 7]).Sample((field, longField, args, pick) =>
        {
            string[] arguments = [.. args.Select(a => "x=" + a)];
            byte[] buffer = new byte[8192];
            var start = new TacacsAuthenStart { Action = TacacsAuthenAction.Login, AuthenType = (TacacsAuthenType)pick, User = field, Data = field[..(field.Length / 2)] };
            Assert.True(start.TryWrite(buffer, out int n));
            Assert.Equal(TacacsError.None, TacacsAuthenStart.TryParse(buffer.AsSpan(0, n), out var s));
            Assert.Equal(field, s.User.ToArray());

            var reply = new TacacsAuthenReply { Status = TacacsAuthenStatus.GetPass, ServerMessage = longField, Data = field };
            Assert.True(reply.TryWrite(buffer, out n));
            Assert.Equal(TacacsError.None, TacacsAuthenReply.TryParse(buffer.AsSpan(0, n), out var r));
            Assert.Equal(longField, r.ServerMessage.ToArray());
            Assert.Equal(field, r.Data.ToArray());

            var author = new TacacsAuthorRequest { AuthenMethod = TacacsAuthenMethod.TacacsPlus, Port = field, RemoteAddress = field };
            Assert.True(author.TryWrite(buffer, arguments, out n));
            Assert.Equal(TacacsError.None, TacacsAuthorRequest.TryParse(buffer.AsSpan(0, n), out var a));
            Assert.Equal(arguments, a.Arguments.ToStrings());
            Assert.Equal(field, a.Port.ToArray());

            var response = new TacacsAuthorResponse { Status = TacacsAuthorStatus.PassReplace, Data = longField };
            Assert.True(response.TryWrite(buffer, arguments, out n));
            Assert.Equal(TacacsError.None, TacacsAuthorResponse.TryParse(buffer.AsSpan(0, n), out var p));
            Assert.Equal(arguments, p.Arguments.ToStrings());
            int i = 0;
            foreach (ReadOnlySpan<byte> arg in p.Arguments)
                Assert.Equal(arguments[i++], Encoding.ASCII.GetString(arg));

            var acct = new TacacsAcctRequest { Flags = TacacsAcctFlags.Stop, User = field };
            Assert.True(acct.TryWrite(buffer, arguments, out n));
            Assert.Equal(TacacsError.None, TacacsAcctRequest.TryParse(buffer.AsSpan(0, n), out var q));
            Assert.Equal(arguments, q.Arguments.ToStrings());

            var acctReply = new TacacsAcctReply { Status = TacacsAcctStatus.Success, ServerMessage = field };
            Assert.True(acctReply.TryWrite(buffer, out n));
            Assert.Equal(TacacsError.None, TacacsAcctReply.TryParse(buffer.AsSpan(0, n), out var ar));
            Assert.Equal(field, ar.ServerMessage.ToArray());

            var cont = new TacacsAuthenContinue { Flags = TacacsAuthenContinueFlags.Abort, UserMessage = longField };
            Assert.True(cont.TryWrite(buffer, out n));
            Assert.Equal(TacacsError.None, TacacsAuthenContinue.TryParse(buffer.AsSpan(0, n), out var c));
            Assert.Equal(longField, c.UserMessage.ToArray());
        }, iter: 200);
    }

    /// <summary>Every reader over arbitrary octets: never throws, and a success has fields that exactly fill the body.</summary>
    [Fact]
    public void Readers_never_throw_on_random_input()
    {
        Gen.Byte.Array[0, 400].Sample(input =>
        {
            if (TacacsHeader.TryParse(input, out TacacsHeader h) == TacacsError.None)
                Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(input.AsSpan(8)), h.Length);
            if (TacacsAuthenReply.TryParse(input, out var r) == TacacsError.None)
                Assert.Equal(input.Length, r.Length);
            if (TacacsAuthenStart.TryParse(input, out var s) == TacacsError.None)
                Assert.Equal(input.Length, s.Length);
            if (TacacsAuthenContinue.TryParse(input, out var c) == TacacsError.None)
                Assert.Equal(input.Length, c.Length);
            if (TacacsAcctReply.TryParse(input, out var a) == TacacsError.None)
                Assert.Equal(input.Length, a.Length);
            if (TacacsAuthorResponse.TryParse(input, out var p) == TacacsError.None)
                Assert.Equal(p.Arguments.Count, p.Arguments.ToStrings().Length);
            if (TacacsAuthorRequest.TryParse(input, out var q) == TacacsError.None)
                Assert.Equal(q.Arguments.Count, q.Arguments.ToStrings().Length);
            if (TacacsAcctRequest.TryParse(input, out var t) == TacacsError.None)
                Assert.Equal(t.Arguments.Count, t.Arguments.ToStrings().Length);
        }, iter: 5000);
    }
}
