using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// The RADIUS client of one <c>aaa-server</c> group (RFC 2865, RFC 2866). One UDP socket per server, an Identifier
/// space per socket, retransmission after the host's <c>timeout</c>, fail-over to the next host in configuration
/// order, and dead-server marking. At most <see cref="RadiusClientOptions.MaxInFlightPerServer"/> requests are
/// outstanding at one server; the next ones wait in a bounded queue, and beyond it a request is shed (counted). Replies are checked before they are believed: source address and port,
/// Identifier, Code, Response Authenticator (RFC 2865 §3), Message-Authenticator (RFC 3579 §3.2), and the
/// BlastRADIUS rule; anything else is counted, logged at debug level and ignored (the request keeps waiting).
/// Thread-safe; every operation is asynchronous and honours cancellation.
/// </summary>
public sealed class RadiusClient : IAsyncDisposable
{
    private const int IdentifierSpace = 256;

    private readonly AaaServerGroup _group;
    private readonly RadiusClientOptions _options;
    private readonly GatewayLog? _log;
    private readonly TimeProvider _time;
    private readonly Server[] _servers;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly bool _requireMessageAuthenticator;
    private int _disposed;

    /// <summary>Opens one socket per host of <paramref name="group"/> and starts listening for replies.</summary>
    /// <exception cref="ArgumentException">The group is not RADIUS, has no hosts, or a host has no key.</exception>
    public RadiusClient(AaaServerGroup group, RadiusClientOptions? options = null, GatewayLog? log = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Protocol != AaaProtocol.Radius)
            throw new ArgumentException($"aaa-server {group.Name} is not a RADIUS group.", nameof(group));
        if (group.Hosts.IsDefaultOrEmpty)
            throw new ArgumentException($"aaa-server {group.Name} has no hosts.", nameof(group));
        _group = group;
        _options = options ?? new RadiusClientOptions();
        if (_options.Transmissions < 1)
            throw new ArgumentException("Transmissions must be at least 1.", nameof(options));
        if (_options.MaxInFlightPerServer is < 1 or > IdentifierSpace)
            throw new ArgumentException($"MaxInFlightPerServer must be 1-{IdentifierSpace}.", nameof(options));
        if (_options.MaxQueuedPerServer < 0)
            throw new ArgumentException("MaxQueuedPerServer must not be negative.", nameof(options));
        _log = log;
        _time = timeProvider ?? TimeProvider.System;
        _requireMessageAuthenticator = _options.RequireMessageAuthenticator ?? group.RequireMessageAuthenticator;
        var servers = new Server[group.Hosts.Length];
        try
        {
            for (int i = 0; i < servers.Length; i++)
            {
                var host = group.Hosts[i];
                if (string.IsNullOrEmpty(host.Key))
                    throw new ArgumentException($"aaa-server {group.Name} host {host.Address} has no key; RADIUS needs a shared secret (RFC 2865 §3).", nameof(group));
                servers[i] = new Server(this, host, _options.LocalAddress, _options.MaxInFlightPerServer);
            }
        }
        catch
        {
            foreach (var s in servers)
                s?.Dispose();
            throw;
        }
        _servers = servers;
        foreach (var s in _servers)
            s.StartReceiving(_lifetime.Token);
    }

    /// <summary>The group this client serves.</summary>
    public AaaServerGroup Group => _group;

    /// <summary>Counters.</summary>
    public RadiusClientStatistics Statistics { get; } = new();

    /// <summary>Whether the client drops Access replies without a Message-Authenticator.</summary>
    public bool RequiresMessageAuthenticator => _requireMessageAuthenticator;

    /// <summary>The local endpoint of the socket used for host <paramref name="index"/> (for diagnostics and tests).</summary>
    public EndPoint? GetLocalEndPoint(int index) => _servers[index].Socket.LocalEndPoint;

    /// <summary>Requests outstanding at host <paramref name="index"/> now (at most <see cref="RadiusClientOptions.MaxInFlightPerServer"/>).</summary>
    public int GetInFlight(int index) => _servers[index].InFlight;

    /// <summary>True while host <paramref name="index"/> is marked dead.</summary>
    public bool IsMarkedDead(int index) => _servers[index].IsDead(_time.GetUtcNow());

    /// <summary>
    /// Sends an Access-Request through the group: each host in order (skipping dead ones while another is alive),
    /// <see cref="RadiusClientOptions.Transmissions"/> times each with the host's timeout. Never throws on what
    /// servers send; throws <see cref="OperationCanceledException"/> on cancellation or disposal.
    /// </summary>
    public async Task<RadiusAccessResult> AuthenticateAsync(RadiusAccessRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        bool ma = _options.SendMessageAuthenticator;
        var nas = _options.Nas;
        var exchange = await ExchangeAsync(RadiusCode.AccessRequest, request.UserName,
            (Span<byte> buffer, byte id, ReadOnlySpan<byte> secret, Span<byte> authenticator, uint _) =>
            {
                RadiusAuthenticator.FillRequestAuthenticator(authenticator);
                return RadiusRequestEncoder.EncodeAccessRequest(buffer, id, authenticator, secret, request, nas, ma);
            }, null, cancellationToken).ConfigureAwait(false);
        if (exchange is not { } e)
            return RadiusAccessResult.Timeout;
        RadiusPacket.TryParse(e.Reply, out var reply);
        var result = RadiusAccessResult.FromReply(reply, e.RequestAuthenticator, e.Server.Secret, e.Server.Host);
        if (result.Outcome == RadiusAccessOutcome.Accept)
            Interlocked.Increment(ref Statistics.accepts);
        else
            Interlocked.Increment(ref Statistics.rejects);
        if (reply.Code == RadiusCode.AccessChallenge)
            _log?.Debug(DebugClasses.PppUauth, $"radius: Access-Challenge from {e.Server.Host.Address} for user {request.UserName}: PPP cannot relay it, treated as a reject");
        return result;
    }

    private delegate int Encoder(Span<byte> buffer, byte identifier, ReadOnlySpan<byte> secret, Span<byte> requestAuthenticator, uint delaySeconds);

    private readonly record struct Exchange(byte[] Reply, byte[] RequestAuthenticator, Server Server);

    private async Task<Exchange?> ExchangeAsync(RadiusCode code, string? user, Encoder encode, DateTimeOffset? eventTime, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Interlocked.Increment(ref Statistics.requests);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.Token);
        var ct = linked.Token;
        bool accounting = code == RadiusCode.AccountingRequest;
        var start = eventTime ?? _time.GetUtcNow();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(RadiusPacket.MaxLength);
        try
        {
            bool shed = false;
            foreach (var server in Candidates())
            {
                var endpoint = new IPEndPoint(server.Host.Address, accounting ? server.Host.AccountingPort : server.Host.AuthenticationPort);
                var timeout = TimeSpan.FromSeconds(Math.Max(1, server.Host.TimeoutSeconds));
                Pending? pending = null;
                int length = 0;
                bool shedHere = false;
                try
                {
                    for (int attempt = 0; attempt < _options.Transmissions; attempt++)
                    {
                        if (pending is null || accounting)
                        {
                            // Accounting: a changed Acct-Delay-Time is a new packet, so it takes a new Identifier (RFC 2866 §5.2).
                            if (pending is not null)
                                server.Release(pending);
                            pending = null;
                            var fresh = await server.AcquireAsync(code, endpoint.Port, _options.MaxQueuedPerServer, ct).ConfigureAwait(false);
                            if (fresh is null)
                            {
                                // Its places and its queue are full: shed here, not the server's fault (it is not marked dead).
                                _log?.Debug(DebugClasses.PppUauth, $"radius: {code} for user {user} shed at {endpoint}: {_options.MaxInFlightPerServer} in flight, {_options.MaxQueuedPerServer} queued");
                                shedHere = true;
                                break;
                            }
                            pending = fresh;
                            uint delay = (uint)Math.Max(0, (_time.GetUtcNow() - start).TotalSeconds);
                            length = encode(buffer, fresh.Identifier, server.Secret, fresh.RequestAuthenticator, delay);
                            if (length == 0)
                            {
                                _log?.Write(PixSeverity.Error, $"RADIUS {code} for user {user} does not fit in {RadiusPacket.MaxLength} octets; not sent");
                                return null;
                            }
                        }
                        if (attempt > 0)
                            Interlocked.Increment(ref Statistics.retransmissions);
                        _log?.Debug(DebugClasses.PppUauth,
                            $"radius: send {code} id {pending.Identifier} to {endpoint} user {user} (try {attempt + 1}/{_options.Transmissions})");
                        try
                        {
                            await server.Socket.SendToAsync(buffer.AsMemory(0, length), SocketFlags.None, endpoint, ct).ConfigureAwait(false);
                        }
                        catch (SocketException ex)
                        {
                            _log?.Debug(DebugClasses.PppUauth, $"radius: send to {endpoint} failed: {ex.SocketErrorCode}");
                        }
                        try
                        {
                            var reply = await pending.Reply.Task.WaitAsync(timeout, _time, ct).ConfigureAwait(false);
                            server.MarkAlive(_group.Name, _log);
                            return new Exchange(reply, pending.RequestAuthenticator, server);
                        }
                        catch (TimeoutException)
                        {
                            _log?.Debug(DebugClasses.PppUauth, $"radius: no answer from {endpoint} to id {pending.Identifier} in {timeout.TotalSeconds:0} s");
                        }
                    }
                }
                finally
                {
                    if (pending is not null)
                        server.Release(pending);
                }
                if (shedHere)
                {
                    shed = true;
                    continue;
                }
                server.MarkDead(_time.GetUtcNow() + _options.DeadTime, _group.Name, _log);
            }
            if (shed)
            {
                Interlocked.Increment(ref Statistics.shed);
                return null;
            }
            Interlocked.Increment(ref Statistics.timeouts);
            _log?.Write(PixSeverity.Warning, $"RADIUS {code} for user {user}: no server of aaa-server group {_group.Name} answered");
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Alive hosts in configuration order; when every host is dead, all of them (one may have come back).</summary>
    private List<Server> Candidates()
    {
        var now = _time.GetUtcNow();
        var alive = new List<Server>(_servers.Length);
        foreach (var s in _servers)
        {
            if (!s.IsDead(now))
                alive.Add(s);
        }
        return alive.Count > 0 ? alive : [.. _servers];
    }

    /// <summary>Checks a datagram that arrived on <paramref name="server"/>'s socket and completes the request it answers.</summary>
    private void OnDatagram(Server server, ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        var stats = Statistics;
        var error = RadiusPacket.TryParse(datagram, out var packet);
        if (error != RadiusPacketError.None)
        {
            Interlocked.Increment(ref stats.malformed);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped datagram from {from}: {error}");
            return;
        }
        var pending = server.Lookup(packet.Identifier);
        if (pending is null)
        {
            Interlocked.Increment(ref stats.unknownIdentifier);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped {packet.Code} id {packet.Identifier} from {from}: no request outstanding");
            return;
        }
        if (!from.Address.Equals(server.Host.Address) || from.Port != pending.Port)
        {
            Interlocked.Increment(ref stats.wrongSource);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped {packet.Code} id {packet.Identifier} from {from}: request went to {server.Host.Address}:{pending.Port}");
            return;
        }
        bool codeOk = pending.Code switch
        {
            RadiusCode.AccessRequest => packet.Code is RadiusCode.AccessAccept or RadiusCode.AccessReject or RadiusCode.AccessChallenge,
            RadiusCode.AccountingRequest => packet.Code == RadiusCode.AccountingResponse,
            _ => false,
        };
        if (!codeOk)
        {
            Interlocked.Increment(ref stats.unexpectedCode);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped {packet.Code} id {packet.Identifier} from {from}: does not answer {pending.Code}");
            return;
        }
        if (!RadiusAuthenticator.VerifyResponseAuthenticator(packet.Raw, pending.RequestAuthenticator, server.Secret))
        {
            // RFC 2865 §3: "If the Response Authenticator is invalid, the packet is silently discarded."
            Interlocked.Increment(ref stats.badAuthenticator);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped {packet.Code} id {packet.Identifier} from {from}: bad Response Authenticator (wrong key?)");
            return;
        }
        var ma = RadiusAuthenticator.CheckMessageAuthenticator(packet.Raw, pending.RequestAuthenticator, server.Secret);
        if (ma is MessageAuthenticatorStatus.Invalid or MessageAuthenticatorStatus.Malformed)
        {
            Interlocked.Increment(ref stats.badMessageAuthenticator);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped {packet.Code} id {packet.Identifier} from {from}: Message-Authenticator {ma}");
            return;
        }
        if (ma == MessageAuthenticatorStatus.Absent && _requireMessageAuthenticator && pending.Code == RadiusCode.AccessRequest)
        {
            // BlastRADIUS (CVE-2024-3596): a forged reply cannot carry a valid Message-Authenticator.
            Interlocked.Increment(ref stats.missingMessageAuthenticator);
            _log?.Write(PixSeverity.Warning,
                $"RADIUS {packet.Code} id {packet.Identifier} from {from} dropped: no Message-Authenticator and aaa-server group {_group.Name} requires one");
            return;
        }
        _log?.Debug(DebugClasses.PppUauth, $"radius: rcvd {packet.Code} id {packet.Identifier} from {from} length {packet.Length}");
        pending.Reply.TrySetResult(packet.Raw.ToArray());
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        foreach (var s in _servers)
            s.Dispose();
        foreach (var s in _servers)
            await s.ReceiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _lifetime.Dispose();
    }

    /// <summary>One outstanding request: what its reply must match.</summary>
    private sealed class Pending(byte identifier, RadiusCode code, int port)
    {
        public byte Identifier { get; } = identifier;
        public RadiusCode Code { get; } = code;
        public int Port { get; } = port;
        public byte[] RequestAuthenticator { get; } = new byte[RadiusPacket.AuthenticatorLength];
        public TaskCompletionSource<byte[]> Reply { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One host: its socket, its Identifier space and its dead/alive state.</summary>
    private sealed class Server : IDisposable
    {
        private readonly RadiusClient _owner;
        private readonly Pending?[] _slots = new Pending?[IdentifierSpace];
        private readonly SemaphoreSlim _free;
        private readonly int _capacity;
        private int _queued;
        private readonly Lock _lock = new();
        private int _next = Random.Shared.Next(IdentifierSpace);
        private long _deadUntilTicks;

        public Server(RadiusClient owner, AaaServerHost host, IPAddress? localAddress, int maxInFlight)
        {
            _owner = owner;
            _capacity = maxInFlight;
            _free = new SemaphoreSlim(maxInFlight, maxInFlight);
            Host = host;
            Secret = Encoding.UTF8.GetBytes(host.Key!);
            Socket = new Socket(host.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                var bind = localAddress is not null && localAddress.AddressFamily == host.Address.AddressFamily
                    ? localAddress
                    : host.Address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
                Socket.Bind(new IPEndPoint(bind, 0));
            }
            catch
            {
                Socket.Dispose();
                throw;
            }
        }

        public AaaServerHost Host { get; }
        public byte[] Secret { get; }
        public Socket Socket { get; }
        public Task ReceiveLoop { get; private set; } = Task.CompletedTask;

        public void StartReceiving(CancellationToken ct) => ReceiveLoop = Task.Run(() => ReceiveAsync(ct), CancellationToken.None);

        public bool IsDead(DateTimeOffset now) => Interlocked.Read(ref _deadUntilTicks) > now.UtcTicks;

        public void MarkDead(DateTimeOffset until, string group, GatewayLog? log)
        {
            Interlocked.Exchange(ref _deadUntilTicks, until.UtcTicks);
            log?.Write(PixSeverity.Warning, $"AAA Marking RADIUS server {Host.Address} in aaa-server group {group} as FAILED");
        }

        public void MarkAlive(string group, GatewayLog? log)
        {
            if (Interlocked.Exchange(ref _deadUntilTicks, 0) != 0)
                log?.Write(PixSeverity.Notification, $"AAA Marking RADIUS server {Host.Address} in aaa-server group {group} as ACTIVE");
        }

        /// <summary>Requests holding an Identifier (in flight) now.</summary>
        public int InFlight => _capacity - _free.CurrentCount;

        /// <summary>An in-flight place with its Identifier; waits in the queue when all are taken, null (shed) when the
        /// queue holds <paramref name="maxQueued"/> already.</summary>
        public async Task<Pending?> AcquireAsync(RadiusCode code, int port, int maxQueued, CancellationToken ct)
        {
            if (!_free.Wait(0, CancellationToken.None))
            {
                if (Interlocked.Increment(ref _queued) > maxQueued)
                {
                    Interlocked.Decrement(ref _queued);
                    return null;
                }
                try
                {
                    await _free.WaitAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _queued);
                }
            }
            lock (_lock)
            {
                for (int i = 0; i < IdentifierSpace; i++)
                {
                    int id = (_next + i) & 0xFF;
                    if (_slots[id] is null)
                    {
                        _next = id + 1;
                        var pending = new Pending((byte)id, code, port);
                        _slots[id] = pending;
                        return pending;
                    }
                }
            }
            _free.Release();
            throw new InvalidOperationException("RADIUS identifier space accounting is inconsistent.");
        }

        public void Release(Pending pending)
        {
            lock (_lock)
            {
                if (!ReferenceEquals(_slots[pending.Identifier], pending))
                    return;
                _slots[pending.Identifier] = null;
            }
            _free.Release();
        }

        public Pending? Lookup(byte identifier)
        {
            lock (_lock)
            {
                return _slots[identifier];
            }
        }

        private async Task ReceiveAsync(CancellationToken ct)
        {
            var buffer = new byte[RadiusPacket.MaxLength + 1];
            EndPoint any = Host.Address.AddressFamily == AddressFamily.InterNetworkV6
                ? new IPEndPoint(IPAddress.IPv6Any, 0)
                : new IPEndPoint(IPAddress.Any, 0);
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await Socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
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
                    // ICMP port unreachable from a dead server surfaces here on some stacks; the request's timeout handles it.
                    continue;
                }
                _owner.OnDatagram(this, buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint);
            }
        }

        public void Dispose()
        {
            // _free is not disposed: a request being cancelled may still release its Identifier into it.
            Socket.Dispose();
        }
    }
}
