using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// The Dynamic Authorization Server of RFC 5176 (the gateway's side): a UDP listener, port 3799 by default, that
/// accepts Disconnect-Request and CoA-Request from configured clients (<c>radius-dynamic-authorization client</c>),
/// checks their Request Authenticator (RFC 5176 §2.3) and Message-Authenticator, finds the session through
/// <see cref="IDynamicAuthorizationHandler"/>, and answers ACK or NAK with an Error-Cause (RFC 5176 §3.5).
/// Requests from unknown sources or with a bad authenticator are dropped silently and counted. Supported changes
/// in a CoA: Session-Timeout and Idle-Timeout (<see cref="AuthorizationChange"/>). Retransmissions (same source, Identifier and authenticator within 30 s) get the
/// cached answer again without acting twice.
/// </summary>
public sealed class DynamicAuthorizationServer : IAsyncDisposable
{
    private static readonly TimeSpan DuplicateWindow = TimeSpan.FromSeconds(30);

    private readonly Dictionary<IPAddress, byte[]> _clients = [];
    private readonly IDynamicAuthorizationHandler _handler;
    private readonly RadiusNasIdentity _nas;
    private readonly GatewayLog? _log;
    private readonly TimeProvider _time;
    private readonly Socket _socket;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Dictionary<(IPEndPoint Source, byte Identifier), (byte[] Authenticator, byte[] Response, DateTimeOffset Expires)> _recent = [];
    private Task _loop = Task.CompletedTask;

    /// <summary>Binds the listener; call <see cref="Start"/> to begin answering.</summary>
    /// <param name="nas">This gateway's NAS-IP-Address / NAS-Identifier; a request naming another NAS gets NAK 403.</param>
    public DynamicAuthorizationServer(IPEndPoint listen, IEnumerable<DynamicAuthorizationClient> clients, IDynamicAuthorizationHandler handler,
        RadiusNasIdentity? nas = null, GatewayLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(handler);
        foreach (var c in clients)
            _clients[Normalize(c.Address)] = Encoding.UTF8.GetBytes(c.Key);
        _handler = handler;
        _nas = nas ?? RadiusNasIdentity.Default;
        _log = log;
        _time = timeProvider ?? TimeProvider.System;
        _socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.Bind(listen);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <summary>A listener on <paramref name="address"/> and the configured port, for the configured clients.</summary>
    public static DynamicAuthorizationServer FromConfig(AaaConfig config, IPAddress address, IDynamicAuthorizationHandler handler,
        RadiusNasIdentity? nas = null, GatewayLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new DynamicAuthorizationServer(new IPEndPoint(address, config.DynamicAuthorizationPort), config.DynamicAuthorizationClients,
            handler, nas, log, timeProvider);
    }

    /// <summary>Where the listener is bound (the port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Counters.</summary>
    public DynamicAuthorizationStatistics Statistics { get; } = new();

    /// <summary>Starts the receive loop.</summary>
    public void Start() => _loop = Task.Run(() => ReceiveAsync(_lifetime.Token), CancellationToken.None);

    private async Task ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[RadiusPacket.MaxLength + 1];
        EndPoint any = new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var from = (IPEndPoint)received.RemoteEndPoint;
            byte[]? response;
            try
            {
                response = await HandleAsync(buffer.AsMemory(0, received.ReceivedBytes), from, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (response is null)
                continue;
            try
            {
                await _socket.SendToAsync(response, SocketFlags.None, from, ct).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                _log?.Debug(DebugClasses.PppUauth, $"radius dynauth: send to {from} failed: {ex.SocketErrorCode}");
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Checks one datagram and produces the reply to send, or null to drop it.</summary>
    internal async Task<byte[]?> HandleAsync(ReadOnlyMemory<byte> datagram, IPEndPoint from, CancellationToken ct)
    {
        var stats = Statistics;
        Interlocked.Increment(ref stats.received);
        if (!_clients.TryGetValue(Normalize(from.Address), out var secret))
        {
            Interlocked.Increment(ref stats.unknownClient);
            _log?.Write(PixSeverity.Warning, $"RADIUS dynamic authorization request from unknown client {from} dropped");
            return null;
        }
        var check = Check(datagram.Span, secret, out var request);
        if (check is not null)
        {
            if (check == CheckResult.Malformed)
                Interlocked.Increment(ref stats.malformed);
            else if (check == CheckResult.UnsupportedCode)
                Interlocked.Increment(ref stats.unsupportedCode);
            else
                Interlocked.Increment(ref stats.badAuthenticator);
            _log?.Write(PixSeverity.Warning, $"RADIUS dynamic authorization request from {from} dropped: {check}");
            return null;
        }

        var now = _time.GetUtcNow();
        var key = (from, request.Identifier);
        lock (_recent)
        {
            if (_recent.TryGetValue(key, out var cached) && cached.Expires > now && cached.Authenticator.AsSpan().SequenceEqual(request.Authenticator))
            {
                Interlocked.Increment(ref stats.duplicates);
                return cached.Response;
            }
        }

        RadiusErrorCause? cause = request.Error;
        string verb = request.Code == RadiusCode.DisconnectRequest ? "Disconnect" : "CoA";
        if (cause is null)
        {
            try
            {
                bool found = request.Code == RadiusCode.DisconnectRequest
                    ? await _handler.DisconnectAsync(request.Match!, ct).ConfigureAwait(false)
                    : await _handler.ApplyAsync(request.Match!, new AuthorizationChange(request.SessionTimeout, request.IdleTimeout), ct).ConfigureAwait(false);
                if (!found)
                    cause = RadiusErrorCause.SessionContextNotFound;
            }
            catch (OperationCanceledException)
            {
                throw;
            }
#pragma warning disable CA1031 // a handler failure becomes a NAK, not a dead listener
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _log?.Write(PixSeverity.Error, $"RADIUS {verb} from {from} failed in the handler: {ex.Message}");
                cause = RadiusErrorCause.ResourcesUnavailable;
            }
        }

        var response = BuildResponse(request, secret, cause);
        if (cause is null)
            Interlocked.Increment(ref stats.acks);
        else
            Interlocked.Increment(ref stats.naks);
        _log?.Write(PixSeverity.Informational,
            $"RADIUS {verb}-Request id {request.Identifier} from {from} for {Describe(request.Match)}: {(cause is null ? "ACK" : $"NAK {(uint)cause} {cause}")}");
        lock (_recent)
        {
            if (_recent.Count > 1024)
            {
                foreach (var stale in _recent.Where(r => r.Value.Expires <= now).Select(r => r.Key).ToList())
                    _recent.Remove(stale);
            }
            _recent[key] = (request.Authenticator, response, now + DuplicateWindow);
        }
        return response;
    }

    private enum CheckResult
    {
        Malformed,
        UnsupportedCode,
        BadRequestAuthenticator,
        BadMessageAuthenticator,
    }

    /// <summary>The parts of a request the answer needs (copied out of the datagram).</summary>
    private sealed class Request
    {
        public RadiusCode Code { get; init; }
        public byte Identifier { get; init; }
        public byte[] Authenticator { get; init; } = [];
        public bool HadMessageAuthenticator { get; init; }
        public SessionMatch? Match { get; set; }
        public uint? SessionTimeout { get; set; }
        public uint? IdleTimeout { get; set; }
        public RadiusErrorCause? Error { get; set; }
        public List<byte[]> ProxyStates { get; } = [];
    }

    private CheckResult? Check(ReadOnlySpan<byte> datagram, byte[] secret, out Request request)
    {
        request = null!;
        if (RadiusPacket.TryParse(datagram, out var packet) != RadiusPacketError.None)
            return CheckResult.Malformed;
        if (packet.Code is not (RadiusCode.DisconnectRequest or RadiusCode.CoaRequest))
            return CheckResult.UnsupportedCode;
        if (!RadiusAuthenticator.VerifyRequestAuthenticator(packet.Raw, secret))
            return CheckResult.BadRequestAuthenticator;
        Span<byte> zero = stackalloc byte[RadiusPacket.AuthenticatorLength];
        zero.Clear();
        var ma = RadiusAuthenticator.CheckMessageAuthenticator(packet.Raw, zero, secret);
        if (ma is MessageAuthenticatorStatus.Invalid or MessageAuthenticatorStatus.Malformed)
            return CheckResult.BadMessageAuthenticator;

        request = new Request
        {
            Code = packet.Code,
            Identifier = packet.Identifier,
            Authenticator = packet.Authenticator.ToArray(),
            HadMessageAuthenticator = ma == MessageAuthenticatorStatus.Valid,
        };
        string? sessionId = null, user = null, calling = null;
        IPAddress? framed = null;
        uint? nasPort = null, sessionTimeout = null, idleTimeout = null;
        RadiusErrorCause? error = null;
        foreach (var attribute in packet.Attributes)
        {
            var v = attribute.Value;
            switch (attribute.Type)
            {
                case RadiusAttributeType.AcctSessionId:
                    sessionId = Encoding.UTF8.GetString(v);
                    break;
                case RadiusAttributeType.UserName:
                    user = Encoding.UTF8.GetString(v);
                    break;
                case RadiusAttributeType.CallingStationId:
                    calling = Encoding.UTF8.GetString(v);
                    break;
                case RadiusAttributeType.FramedIpAddress:
                    if (v.Length == 4)
                        framed = new IPAddress(v);
                    else
                        error ??= RadiusErrorCause.InvalidAttributeValue;
                    break;
                case RadiusAttributeType.NasPort:
                    if (v.Length == 4)
                        nasPort = BinaryPrimitives.ReadUInt32BigEndian(v);
                    else
                        error ??= RadiusErrorCause.InvalidAttributeValue;
                    break;
                case RadiusAttributeType.SessionTimeout when packet.Code == RadiusCode.CoaRequest:
                    if (v.Length == 4)
                        sessionTimeout = BinaryPrimitives.ReadUInt32BigEndian(v);
                    else
                        error ??= RadiusErrorCause.InvalidAttributeValue;
                    break;
                case RadiusAttributeType.IdleTimeout when packet.Code == RadiusCode.CoaRequest:
                    if (v.Length == 4)
                        idleTimeout = BinaryPrimitives.ReadUInt32BigEndian(v);
                    else
                        error ??= RadiusErrorCause.InvalidAttributeValue;
                    break;
                case RadiusAttributeType.NasIpAddress:
                    // RFC 5176 §3: NAS identification that does not name this NAS → NAK 403.
                    if (v.Length != 4 || _nas.NasIpAddress is null || !new IPAddress(v).Equals(_nas.NasIpAddress))
                        error ??= RadiusErrorCause.NasIdentificationMismatch;
                    break;
                case RadiusAttributeType.NasIdentifier:
                    if (_nas.NasIdentifier is null || Encoding.UTF8.GetString(v) != _nas.NasIdentifier)
                        error ??= RadiusErrorCause.NasIdentificationMismatch;
                    break;
                case RadiusAttributeType.ServiceType:
                    if (v.Length != 4 || BinaryPrimitives.ReadUInt32BigEndian(v) != (uint)RadiusServiceType.Framed)
                        error ??= RadiusErrorCause.UnsupportedService;
                    break;
                case RadiusAttributeType.ProxyState:
                    request.ProxyStates.Add(v.ToArray());
                    break;
                case RadiusAttributeType.MessageAuthenticator:
                case RadiusAttributeType.EventTimestamp:
                case RadiusAttributeType.NasPortType:
                    break;
                default:
                    // RFC 5176 §3.5: 401 Unsupported Attribute for anything the NAS cannot act on.
                    error ??= RadiusErrorCause.UnsupportedAttribute;
                    break;
            }
        }
        if (error is null && sessionId is null && user is null && framed is null && nasPort is null && calling is null)
            error = RadiusErrorCause.MissingAttribute;
        if (error is null && packet.Code == RadiusCode.CoaRequest && sessionTimeout is null && idleTimeout is null)
            error = RadiusErrorCause.InvalidRequest; // nothing this NAS can change was asked for
        request.Match = new SessionMatch(sessionId, user, framed, nasPort, calling);
        request.SessionTimeout = sessionTimeout;
        request.IdleTimeout = idleTimeout;
        request.Error = error;
        return null;
    }

    private static byte[] BuildResponse(Request request, byte[] secret, RadiusErrorCause? cause)
    {
        var code = (request.Code, cause is null) switch
        {
            (RadiusCode.DisconnectRequest, true) => RadiusCode.DisconnectAck,
            (RadiusCode.DisconnectRequest, false) => RadiusCode.DisconnectNak,
            (_, true) => RadiusCode.CoaAck,
            _ => RadiusCode.CoaNak,
        };
        Span<byte> buffer = stackalloc byte[RadiusPacket.MaxLength];
        var w = new RadiusPacketWriter(buffer, code, request.Identifier);
        int ma = request.HadMessageAuthenticator ? w.WriteMessageAuthenticator() : -1;
        if (cause is { } c)
            w.WriteUInt32(RadiusAttributeType.ErrorCause, (uint)c);
        // RFC 5176 §3.1 / RFC 2865 §5.33: Proxy-State is copied unmodified and in order into the response.
        foreach (var state in request.ProxyStates)
            w.Write(RadiusAttributeType.ProxyState, state);
        var packet = w.Complete();
        RadiusAuthenticator.SignResponse(packet, request.Authenticator, secret, ma);
        return packet.ToArray();
    }

    private static string Describe(SessionMatch? m) => m is null ? "?" :
        string.Join(' ', new[]
        {
            m.AcctSessionId is null ? null : $"Acct-Session-Id={m.AcctSessionId}",
            m.UserName is null ? null : $"User-Name={m.UserName}",
            m.FramedIpAddress is null ? null : $"Framed-IP-Address={m.FramedIpAddress}",
            m.NasPort is null ? null : $"NAS-Port={m.NasPort}",
            m.CallingStationId is null ? null : $"Calling-Station-Id={m.CallingStationId}",
        }.Where(s => s is not null));

    private static IPAddress Normalize(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_lifetime.IsCancellationRequested)
            return;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _lifetime.Dispose();
    }
}
