using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Aaa.Accounting;

/// <summary>One Accounting-Request as the fake server saw it.</summary>
internal sealed record SeenAccountingRequest(byte Identifier, AcctStatusType StatusType, string SessionId, uint DelayTime, uint? EventTimestamp,
    byte[] Datagram, IPEndPoint From, DateTime ReceivedAt)
{
    public bool Has(RadiusAttributeType type) => RadiusPacket.TryParse(Datagram, out RadiusPacket p) == RadiusPacketError.None && p.TryGetAttribute(type, out _);

    public string? Text(RadiusAttributeType type) =>
        RadiusPacket.TryParse(Datagram, out RadiusPacket p) == RadiusPacketError.None && p.TryGetAttribute(type, out ReadOnlySpan<byte> v) ? Encoding.UTF8.GetString(v) : null;

    public uint? Number(RadiusAttributeType type) =>
        RadiusPacket.TryParse(Datagram, out RadiusPacket p) == RadiusPacketError.None && p.TryGetAttribute(type, out ReadOnlySpan<byte> v) && v.Length == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(v) : null;
}

/// <summary>
/// A FAKE RADIUS accounting server (not FreeRADIUS: it is scripted to fail on purpose) on loopback UDP: it logs every
/// Accounting-Request it receives and answers it with a correctly signed Accounting-Response, unless told to be
/// <see cref="Silent"/> (drops everything, like a server that is down) or to <see cref="Hold"/> requests (keeps them
/// unanswered until the test answers chosen ones with <see cref="Answer"/>, like a server slower than the timeout).
/// </summary>
internal sealed class ScriptedRadiusAccountingServer : IDisposable
{
    public const string Key = "fake-acct-secret";
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes(Key);

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ScriptedRadiusAccountingServer()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.ReceiveBufferSize = 8 << 20;
        _loop = Task.Run(ReceiveAsync);
    }

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    /// <summary>Drop every request (it is still logged in <see cref="Dropped"/>).</summary>
    public volatile bool Silent;

    /// <summary>Log requests but do not answer them; <see cref="Answer"/> answers.</summary>
    public volatile bool Hold;

    /// <summary>Sign answers with another shared secret (a misconfigured server: its answers fail RFC 2865 §3's check).</summary>
    public volatile bool WrongKey;

    /// <summary>Requests answered (or held).</summary>
    public ConcurrentQueue<SeenAccountingRequest> Requests { get; } = new();

    /// <summary>Requests dropped while silent.</summary>
    public ConcurrentQueue<SeenAccountingRequest> Dropped { get; } = new();

    /// <summary>Every request received, answered or not, in order.</summary>
    public ConcurrentQueue<SeenAccountingRequest> All { get; } = new();

    public long Answered;

    public AaaServerGroup Group(string name = "FakeAcct", int timeoutSeconds = 5) =>
        new(name, AaaProtocol.Radius, [new AaaServerHost("inside", IPAddress.Loopback, Key, timeoutSeconds, Port, Port)], false);

    /// <summary>Answers <paramref name="request"/> now (whatever the mode).</summary>
    public void Answer(SeenAccountingRequest request)
    {
        byte[] buffer = new byte[64];
        var w = new RadiusPacketWriter(buffer, RadiusCode.AccountingResponse, request.Identifier);
        Span<byte> packet = w.Complete();
        RadiusAuthenticator.SignResponse(packet, request.Datagram.AsSpan(4, 16), WrongKey ? Encoding.UTF8.GetBytes("not-" + Key) : Secret, -1);
        _socket.SendTo(packet, SocketFlags.None, request.From);
        Interlocked.Increment(ref Answered);
    }

    public async Task<SeenAccountingRequest> WaitForAsync(Func<SeenAccountingRequest, bool> match, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (All.FirstOrDefault(match) is { } found)
                return found;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"the fake accounting server saw no {what} in {timeout.TotalSeconds} s; it saw: "
                    + string.Join("; ", All.Select(r => $"{r.StatusType} {r.SessionId} id {r.Identifier} delay {r.DelayTime}")));
            await Task.Delay(10);
        }
    }

    private async Task ReceiveAsync()
    {
        byte[] buffer = new byte[4096];
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try
            {
                r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            byte[] datagram = buffer[..r.ReceivedBytes];
            if (RadiusPacket.TryParse(datagram, out RadiusPacket p) != RadiusPacketError.None || p.Code != RadiusCode.AccountingRequest
                || !RadiusAuthenticator.VerifyRequestAuthenticator(datagram, Secret))
                continue;
            uint Number(RadiusPacket packet, RadiusAttributeType type) =>
                packet.TryGetAttribute(type, out ReadOnlySpan<byte> v) && v.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(v) : uint.MaxValue;
            string session = p.TryGetAttribute(RadiusAttributeType.AcctSessionId, out ReadOnlySpan<byte> id) ? Encoding.UTF8.GetString(id) : "";
            uint ts = Number(p, RadiusAttributeType.EventTimestamp);
            var seen = new SeenAccountingRequest(p.Identifier, (AcctStatusType)Number(p, RadiusAttributeType.AcctStatusType), session,
                Number(p, RadiusAttributeType.AcctDelayTime), ts == uint.MaxValue ? null : ts, datagram, (IPEndPoint)r.RemoteEndPoint, DateTime.UtcNow);
            All.Enqueue(seen);
            if (Silent)
            {
                Dropped.Enqueue(seen);
                continue;
            }
            Requests.Enqueue(seen);
            if (!Hold)
                Answer(seen);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
