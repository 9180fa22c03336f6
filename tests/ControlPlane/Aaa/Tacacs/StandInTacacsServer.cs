using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Tests.ControlPlane.Aaa.Tacacs;

/// <summary>One request the stand-in server received, decoded by hand from RFC 8907 §4.1, §5.1, §5.3, §6.1, §7.1.</summary>
internal sealed record ReceivedPacket(
    byte Version,
    byte Type,
    byte SequenceNumber,
    byte HeaderFlags,
    uint SessionId,
    int Connection,
    byte Action,          // START: action; ACCT: flags; CONTINUE: flags
    byte AuthenMethod,    // AUTHOR/ACCT
    byte PrivilegeLevel,
    byte AuthenType,
    byte Service,
    string User,
    string Port,
    string RemoteAddress,
    byte[] Data,
    string[] Arguments);

/// <summary>
/// A STAND-IN for a real TACACS+ server: no TACACS+ server is packaged for Debian, so the client is tested against this
/// small server written directly from RFC 8907 (header §4.1, obfuscation §4.5, single connection §4.3, START/REPLY/
/// CONTINUE §5, authorization §6, accounting §7), with its own byte offsets and its own MD5 pad so that it does not share
/// the client's codec. It verifies PAP passwords, CHAP-MD5 (RFC 1994 hash computed here), MS-CHAPv1 NT-Responses and
/// MS-CHAPv2 NT-Responses (with the Auth/ crypto) against its user table. Listens on 127.0.0.1 with an ephemeral port.
/// </summary>
internal sealed class StandInTacacsServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly byte[] _key;
    private readonly Dictionary<string, string> _users;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public StandInTacacsServer(string key, Dictionary<string, string> users)
    {
        _key = Encoding.ASCII.GetBytes(key);
        _users = users;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionsAccepted => Volatile.Read(ref _connections);

    /// <summary>Every request received, in order.</summary>
    public ConcurrentQueue<ReceivedPacket> Received { get; } = new();

    /// <summary>Agree to Single Connection Mode when the client asks (§4.3).</summary>
    public bool AllowSingleConnect { get; set; } = true;

    /// <summary>Close the connection after each session even when Single Connection Mode was agreed (§4.3 allows it).</summary>
    public bool CloseAfterEachSession { get; set; }

    /// <summary>Put "S=" + 40 hex digits in the REPLY data of an MS-CHAPv2 PASS (RFC 8907 §5.4.2.5 defines none).</summary>
    public bool ReturnMsChapV2AuthenticatorResponse { get; set; }

    /// <summary>Answer authentication with this status instead of checking the proof.</summary>
    public byte? ForcedAuthenStatus { get; set; }

    /// <summary>Authorization status (§6.2) and arguments per user; users not listed get PASS_ADD with no arguments.</summary>
    public Dictionary<string, (byte Status, string[] Args)> Authorization { get; } = [];

    /// <summary>When set, replaces the whole reply (header and body, as sent) to each request.</summary>
    public Func<byte[], byte[]>? RawReply { get; set; }

    /// <summary>Send bodies in clear with TAC_PLUS_UNENCRYPTED_FLAG even when the request was obfuscated.</summary>
    public bool ReplyUnencrypted { get; set; }

    public AaaServerHost Host(int timeoutSeconds = 5) =>
        new("inside", IPAddress.Loopback, Encoding.ASCII.GetString(_key), timeoutSeconds, Port, Port);

    /// <summary>RFC 8907 §4.5, written out: MD5_1 = MD5{session_id, key, version, seq_no}, MD5_n = MD5{..., MD5_n-1}.</summary>
    public static byte[] Pad(uint sessionId, byte[] key, byte version, byte seqNo, int length)
    {
        byte[] id = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(id, sessionId); // network order, as in the header
        byte[] prefix = [.. id, .. key, version, seqNo];
        var pad = new List<byte>();
        byte[] previous = [];
        while (pad.Count < length)
        {
            previous = MD5.HashData([.. prefix, .. previous]);
            pad.AddRange(previous);
        }
        return [.. pad.Take(length)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            int id = Interlocked.Increment(ref _connections);
            _ = Task.Run(() => ServeAsync(client, id));
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                bool single = false;
                for (int packetNo = 0; ; packetNo++)
                {
                    byte[] head = new byte[12];
                    await stream.ReadExactlyAsync(head, _stop.Token);
                    int length = (int)BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(8));
                    byte[] body = new byte[length];
                    await stream.ReadExactlyAsync(body, _stop.Token);
                    byte version = head[0], type = head[1], seq = head[2], flags = head[3];
                    uint session = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4));
                    bool clear = (flags & 0x01) != 0;
                    if (!clear)
                    {
                        byte[] pad = Pad(session, _key, version, seq, length);
                        for (int i = 0; i < length; i++)
                            body[i] ^= pad[i];
                    }
                    if (packetNo == 0)
                        single = AllowSingleConnect && (flags & 0x04) != 0;

                    if (RawReply is { } raw)
                    {
                        await stream.WriteAsync(raw([.. head, .. body]), _stop.Token);
                        if (!single)
                            return;
                        continue;
                    }

                    ReceivedPacket? packet = Decode(head, body, connection);
                    byte[] reply;
                    if (packet is null)
                    {
                        // §4.5: secrets that do not match make the body inconsistent; the server MUST return ERROR.
                        reply = type switch
                        {
                            2 => [0x11, 0, 0, 0, 0, 0],
                            3 => [0, 0, 0, 0, 0x02],
                            _ => [0x07, 0, 0, 0, 0, 0],
                        };
                    }
                    else
                    {
                        Received.Enqueue(packet);
                        if (type == 1 && packet.SequenceNumber == 3)
                            return; // CONTINUE (abort): the session is over
                        reply = type switch
                        {
                            1 => Authenticate(packet),
                            2 => Authorize(packet),
                            _ => [0, 0, 0, 0, 0x01], // accounting SUCCESS: server_msg_len 0, data_len 0, status 1
                        };
                    }
                    byte replyFlags = (byte)((packetNo == 0 && single ? 0x04 : 0) | (clear || ReplyUnencrypted ? 0x01 : 0));
                    byte[] replyHead = [version, type, (byte)(seq + 1), replyFlags, head[4], head[5], head[6], head[7], 0, 0, 0, 0];
                    BinaryPrimitives.WriteUInt32BigEndian(replyHead.AsSpan(8), (uint)reply.Length);
                    if ((replyFlags & 0x01) == 0)
                    {
                        byte[] pad = Pad(session, _key, version, (byte)(seq + 1), reply.Length);
                        for (int i = 0; i < reply.Length; i++)
                            reply[i] ^= pad[i];
                    }
                    byte[] packetOut = [.. replyHead, .. reply];
                    await stream.WriteAsync(packetOut, _stop.Token);
                    bool wantsMore = type == 1 && reply.Length > 0 && packet is not null && ForcedAuthenStatus is 3 or 4 or 5;
                    if (wantsMore)
                        continue; // wait for the CONTINUE
                    if (!single || CloseAfterEachSession)
                        return; // §4.3: without Single Connection Mode the connection closes after the session
                }
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Decodes a request body by hand; null when the lengths do not add up (wrong key).</summary>
    private static ReceivedPacket? Decode(byte[] head, byte[] b, int connection)
    {
        byte type = head[1], seq = head[2];
        uint session = BinaryPrimitives.ReadUInt32BigEndian(head.AsSpan(4));
        string Utf8(int o, int n) => Encoding.UTF8.GetString(b, o, n);
        if (type == 1 && seq == 3)
        {
            // CONTINUE §5.3: user_msg_len(2) data_len(2) flags user_msg data
            if (b.Length < 5)
                return null;
            int um = BinaryPrimitives.ReadUInt16BigEndian(b), dl = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2));
            if (5 + um + dl != b.Length)
                return null;
            return new ReceivedPacket(head[0], type, seq, head[3], session, connection, b[4], 0, 0, 0, 0, "", "", "", b[(5 + um)..], []);
        }
        if (type == 1)
        {
            // START §5.1: action priv_lvl authen_type authen_service user_len port_len rem_addr_len data_len, then the fields
            if (b.Length < 8 || 8 + b[4] + b[5] + b[6] + b[7] != b.Length)
                return null;
            int o = 8;
            string user = Utf8(o, b[4]);
            string port = Utf8(o += b[4], b[5]);
            string rem = Utf8(o += b[5], b[6]);
            byte[] data = b[(o + b[6])..];
            return new ReceivedPacket(head[0], type, seq, head[3], session, connection, b[0], 0, b[1], b[2], b[3], user, port, rem, data, []);
        }
        // AUTHOR §6.1 / ACCT §7.1 (ACCT has a leading flags octet)
        int s = type == 3 ? 1 : 0;
        if (b.Length < 8 + s)
            return null;
        int userLen = b[s + 4], portLen = b[s + 5], remLen = b[s + 6], count = b[s + 7];
        int p = 8 + s + count;
        if (b.Length < p)
            return null;
        int argsTotal = 0;
        for (int i = 0; i < count; i++)
            argsTotal += b[8 + s + i];
        if (p + userLen + portLen + remLen + argsTotal != b.Length)
            return null;
        string u = Utf8(p, userLen);
        string pt = Utf8(p += userLen, portLen);
        string r = Utf8(p += portLen, remLen);
        p += remLen;
        var args = new string[count];
        for (int i = 0; i < count; i++)
        {
            args[i] = Encoding.ASCII.GetString(b, p, b[8 + s + i]);
            p += b[8 + s + i];
        }
        return new ReceivedPacket(head[0], type, seq, head[3], session, connection, s == 1 ? b[0] : (byte)0, b[s], b[s + 1], b[s + 2], b[s + 3],
            u, pt, r, [], args);
    }

    private byte[] Authenticate(ReceivedPacket start)
    {
        byte status;
        byte[] data = [];
        if (ForcedAuthenStatus is { } forced)
            status = forced;
        else
            status = Verify(start, out data) ? (byte)1 : (byte)2;
        byte[] message = Encoding.ASCII.GetBytes(status == 1 ? "welcome" : "denied");
        // REPLY §5.2: status flags server_msg_len(2) data_len(2) server_msg data
        byte[] reply = [status, 0, 0, 0, 0, 0, .. message, .. data];
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(2), (ushort)message.Length);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(4), (ushort)data.Length);
        return reply;
    }

    private bool Verify(ReceivedPacket start, out byte[] replyData)
    {
        replyData = [];
        if (!_users.TryGetValue(start.User, out string? password))
            return false;
        byte[] data = start.Data;
        switch (start.AuthenType)
        {
            case 2: // PAP §5.4.2.2: the password
                return data.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(password));
            case 3: // CHAP §5.4.2.3: id, challenge, response (16); RFC 1994: MD5(id | secret | challenge)
            {
                if (data.Length < 1 + 16)
                    return false;
                byte[] expected = MD5.HashData([data[0], .. Encoding.UTF8.GetBytes(password), .. data[1..^16]]);
                return expected.AsSpan().SequenceEqual(data.AsSpan(data.Length - 16));
            }
            case 5: // MS-CHAPv1 §5.4.2.4: id, challenge (8), response (49: LM 24, NT 24, flags)
            {
                if (data.Length != 1 + 8 + 49 || data[^1] != 1)
                    return false;
                byte[] expected = new byte[24];
                MsChapV1.NtChallengeResponse(data.AsSpan(1, 8), password, expected);
                return expected.AsSpan().SequenceEqual(data.AsSpan(1 + 8 + 24, 24));
            }
            case 6: // MS-CHAPv2 §5.4.2.5: id, challenge (16), response (49: peer challenge 16, reserved 8, NT 24, flags)
            {
                if (data.Length != 1 + 16 + 49)
                    return false;
                byte[] challenge = data[1..17], peer = data[17..33], nt = data[41..65];
                byte[] name = Encoding.UTF8.GetBytes(start.User);
                byte[] expected = new byte[24];
                MsChapV2.GenerateNtResponse(challenge, peer, name, password, expected);
                if (!expected.AsSpan().SequenceEqual(nt))
                    return false;
                if (ReturnMsChapV2AuthenticatorResponse)
                {
                    byte[] digest = new byte[20];
                    MsChapV2.GenerateAuthenticatorResponse(password, nt, peer, challenge, name, digest);
                    replyData = Encoding.ASCII.GetBytes(MsChapV2.FormatAuthenticatorResponse(digest));
                }
                return true;
            }
            default:
                return false;
        }
    }

    private byte[] Authorize(ReceivedPacket request)
    {
        (byte status, string[] args) = Authorization.TryGetValue(request.User, out var configured) ? configured : ((byte)0x01, []);
        // RESPONSE §6.2: status arg_cnt server_msg_len(2) data_len(2) arg lengths server_msg data args
        var reply = new List<byte> { status, (byte)args.Length, 0, 0, 0, 0 };
        reply.AddRange(args.Select(a => (byte)a.Length));
        foreach (string a in args)
            reply.AddRange(Encoding.ASCII.GetBytes(a));
        return [.. reply];
    }
}
