using System.Text;
using PptpGw.ControlPlane.Aaa.Tacacs;

namespace PptpGw.Fuzz;

/// <summary>
/// A reply from a TACACS+ server (RFC 8907) as TacacsPlusClient reads it: the 12-octet header, the body de-obfuscated
/// with the key (§4.5) unless the unencrypted flag is set, then the authentication REPLY (§5.2), authorization RESPONSE
/// (§6.2, with its argument list split into attribute=value / attribute*value) or accounting REPLY (§7.2) by type. The
/// body is also parsed as it stands, so the fuzzer reaches the parsers without getting through MD5.
/// </summary>
public static class TacacsTarget
{
    public static FuzzTarget Target { get; } = new("tacacs",
        "TacacsHeader.TryParse, TacacsObfuscation, TacacsAuthenReply/TacacsAuthorResponse/TacacsAcctReply.TryParse, TacacsArgumentList (TrySplit, ToStrings); the request parsers too",
        Run, Seeds);

    private static readonly byte[] Key = "tac_plus-key"u8.ToArray();

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (TacacsHeader.TryParse(input, out TacacsHeader header) != TacacsError.None)
        {
            Body(input, TacacsPacketType.Authorization);
            return;
        }
        _ = header.MajorVersion + header.MinorVersion + (header.IsSingleConnect ? 1 : 0);
        ReadOnlySpan<byte> rest = input[TacacsHeader.Size..];
        byte[] body = rest[..(int)Math.Min(header.Length, (uint)rest.Length)].ToArray();
        Body(body, header.Type);
        if (!header.IsUnencrypted)
        {
            TacacsObfuscation.Apply(body, header, Key);
            Body(body, header.Type);
        }
    }

    private static void Body(ReadOnlySpan<byte> body, TacacsPacketType type)
    {
        switch (type)
        {
            case TacacsPacketType.Authentication:
                if (TacacsAuthenReply.TryParse(body, out TacacsAuthenReply reply) == TacacsError.None)
                    _ = Text(reply.ServerMessage) + reply.Data.Length + (int)reply.Status + (int)reply.Flags;
                if (TacacsAuthenStart.TryParse(body, out TacacsAuthenStart start) == TacacsError.None)
                    _ = Text(start.User) + Text(start.Port) + Text(start.RemoteAddress) + start.Data.Length;
                if (TacacsAuthenContinue.TryParse(body, out TacacsAuthenContinue cont) == TacacsError.None)
                    _ = cont.UserMessage.Length + cont.Data.Length + (int)cont.Flags;
                break;
            case TacacsPacketType.Authorization:
                if (TacacsAuthorResponse.TryParse(body, out TacacsAuthorResponse response) == TacacsError.None)
                {
                    _ = Text(response.ServerMessage) + Text(response.Data) + (int)response.Status;
                    Arguments(response.Arguments);
                }
                if (TacacsAuthorRequest.TryParse(body, out TacacsAuthorRequest request) == TacacsError.None)
                    Arguments(request.Arguments);
                break;
            default:
                if (TacacsAcctReply.TryParse(body, out TacacsAcctReply acct) == TacacsError.None)
                    _ = Text(acct.ServerMessage) + Text(acct.Data) + (int)acct.Status;
                if (TacacsAcctRequest.TryParse(body, out TacacsAcctRequest acctRequest) == TacacsError.None)
                    _ = Text(acctRequest.User) + (int)acctRequest.Flags;
                break;
        }
    }

    private static void Arguments(TacacsArgumentList arguments)
    {
        for (int i = 0; i < arguments.Count; i++)
        {
            if (TacacsArgumentList.TrySplit(arguments[i], out ReadOnlySpan<byte> attribute, out ReadOnlySpan<byte> value, out bool mandatory))
                _ = Text(attribute) + Text(value) + mandatory;
        }
        foreach (ReadOnlySpan<byte> argument in arguments)
            _ = argument.Length;
        _ = arguments.ToStrings();
    }

    private static string Text(ReadOnlySpan<byte> octets) => Encoding.ASCII.GetString(octets);

    private static IEnumerable<byte[]> Seeds()
    {
        byte[] buffer = new byte[1024];
        new TacacsAuthenReply { Status = TacacsAuthenStatus.Pass, ServerMessage = "welcome"u8, Data = default }.TryWrite(buffer, out int n);
        yield return Packet(TacacsPacketType.Authentication, buffer[..n], obfuscate: false);
        yield return Packet(TacacsPacketType.Authentication, buffer[..n], obfuscate: true);
        new TacacsAuthorResponse { Status = TacacsAuthorStatus.PassAdd, ServerMessage = "ok"u8, Data = default }
            .TryWrite(buffer, ["service=ppp", "protocol=ip", "addr=198.19.0.10", "mppe-keys*required", "timeout=60"], out n);
        yield return Packet(TacacsPacketType.Authorization, buffer[..n], obfuscate: false);
        yield return Packet(TacacsPacketType.Authorization, buffer[..n], obfuscate: true);
        new TacacsAcctReply { Status = TacacsAcctStatus.Success, ServerMessage = "stored"u8, Data = default }.TryWrite(buffer, out n);
        yield return Packet(TacacsPacketType.Accounting, buffer[..n], obfuscate: false);
    }

    private static byte[] Packet(TacacsPacketType type, byte[] body, bool obfuscate)
    {
        var header = new TacacsHeader(0xC0, type, 2, obfuscate ? TacacsHeaderFlags.None : TacacsHeaderFlags.Unencrypted, 0x7A3E19C4, (uint)body.Length);
        byte[] packet = new byte[TacacsHeader.Size + body.Length];
        header.TryWrite(packet);
        body.CopyTo(packet, TacacsHeader.Size);
        if (obfuscate)
            TacacsObfuscation.Apply(packet.AsSpan(TacacsHeader.Size), header, Key);
        return packet;
    }
}
