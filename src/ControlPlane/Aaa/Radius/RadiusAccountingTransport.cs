using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// Sends the records of an <see cref="AccountingQueue"/> to the RADIUS servers of one group (RFC 2866) and matches
/// their Accounting-Responses. Accounting has sockets of its own (a record may hold Identifiers for hours while a server
/// is down; Access-Requests must not wait for them): per server, one source port per 128 records in flight, each port
/// with the full Identifier space. Every transmission takes a fresh Identifier (Acct-Delay-Time changed, RFC 2866 §5.2)
/// and the record keeps the Identifiers of its earlier transmissions, so an answer to any of them still acknowledges it
/// (a server slower than the timeout); only when a port's 256 Identifiers are all taken is the oldest transmission of
/// that server forgotten. Replies are checked before they are believed: source address and port, Identifier, Code and
/// Response Authenticator (RFC 2865 §3); anything else is counted and ignored.
/// </summary>
public sealed class RadiusAccountingTransport : IAccountingTransport
{
    /// <summary>Records in flight per source port; twice as many Identifiers leave room for late answers.</summary>
    public const int RecordsPerPort = 128;

    /// <summary>Receive buffer asked for each accounting socket (SO_RCVBUF).</summary>
    public const int ReceiveBufferBytes = 4 << 20;

    private readonly Lock _lock = new();
    private readonly string _group;
    private readonly Server[] _servers;
    private readonly GatewayLog? _log;
    private readonly CancellationTokenSource _lifetime = new();
    private IAccountingAcknowledgementSink? _sink;
    private int _disposed;

    /// <param name="maxInFlightPerServer">The queue's window per server (ports = ⌈window / 128⌉).</param>
    /// <param name="localAddress">Source address of the sockets; null: any.</param>
    /// <exception cref="ArgumentException">The group is not RADIUS, has no hosts, or a host has no key.</exception>
    public RadiusAccountingTransport(AaaServerGroup group, int maxInFlightPerServer = 64, IPAddress? localAddress = null, GatewayLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Protocol != AaaProtocol.Radius)
            throw new ArgumentException($"aaa-server {group.Name} is not a RADIUS group.", nameof(group));
        if (group.Hosts.IsDefaultOrEmpty)
            throw new ArgumentException($"aaa-server {group.Name} has no hosts.", nameof(group));
        _group = group.Name;
        _log = log;
        int ports = Math.Max(1, (maxInFlightPerServer + RecordsPerPort - 1) / RecordsPerPort);
        var servers = new List<Server>();
        try
        {
            foreach (AaaServerHost host in group.Hosts)
            {
                if (string.IsNullOrEmpty(host.Key))
                    throw new ArgumentException($"aaa-server {group.Name} host {host.Address} has no key; RADIUS needs a shared secret (RFC 2865 §3).", nameof(group));
                servers.Add(new Server(this, servers.Count, host, ports, localAddress));
            }
        }
        catch
        {
            foreach (Server s in servers)
                s.Dispose();
            throw;
        }
        _servers = [.. servers];
        foreach (Server s in _servers)
            s.StartReceiving(_lifetime.Token);
    }

    /// <summary>Counters.</summary>
    public RadiusAccountingStatistics Statistics { get; } = new();

    /// <inheritdoc/>
    public AccountingIgnoredReplies IgnoredReplies => new(Statistics.DroppedMalformed, Statistics.DroppedWrongSource,
        Statistics.DroppedUnknownIdentifier, Statistics.DroppedUnexpectedCode, Statistics.DroppedBadAuthenticator);

    /// <inheritdoc/>
    public int ServerCount => _servers.Length;

    /// <summary>Source ports per server.</summary>
    public int PortsPerServer => _servers[0].Sockets.Length;

    /// <summary>The local end points of server <paramref name="server"/>'s sockets (diagnostics, tests).</summary>
    public IEnumerable<EndPoint?> LocalEndPoints(int server) => _servers[server].Sockets.Select(s => s.Socket.LocalEndPoint);

    /// <inheritdoc/>
    public string ServerName(int server) => _servers[server].EndPoint.ToString();

    /// <inheritdoc/>
    public TimeSpan ServerTimeout(int server) => TimeSpan.FromSeconds(Math.Max(1, _servers[server].Host.TimeoutSeconds));

    /// <inheritdoc/>
    public void Attach(IAccountingAcknowledgementSink sink) => _sink = sink ?? throw new ArgumentNullException(nameof(sink));

    /// <inheritdoc/>
    public void Transmit(AccountingRecord record, int server, uint delaySeconds)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (Volatile.Read(ref _disposed) != 0)
            return;
        Server s = _servers[server];
        byte[] packet = (byte[])record.Payload.Clone();
        Port port;
        lock (_lock)
        {
            if (record.TransportClosed)
                return;
            (port, byte id) = s.Acquire();
            if (!RadiusAccountingFormat.PrepareTransmission(packet, id, delaySeconds, s.Secret))
            {
                _log?.Write(PixSeverity.Error, $"RADIUS accounting {record}: not an Accounting-Request payload; not sent");
                return;
            }
            var t = new Transmission(record, port, id, packet.AsSpan(RadiusPacket.AuthenticatorOffset, RadiusPacket.AuthenticatorLength).ToArray());
            port.Slots[id] = t;
            t.Node = s.Order.AddLast(t);
            var list = (List<Transmission>?)record.TransportState ?? [];
            list.Add(t);
            record.TransportState = list;
        }
        Interlocked.Increment(ref Statistics.transmissions);
        if (_log?.IsEnabled(DebugClasses.PppUauth) == true)
            _log.Debug(DebugClasses.PppUauth, string.Create(CultureInfo.InvariantCulture,
                $"radius: send Accounting-Request {record.Kind} id {packet[1]} to {s.EndPoint} from port {((IPEndPoint)port.Socket.LocalEndPoint!).Port} session {record.SessionKey} delay {delaySeconds} s"));
        try
        {
            port.Socket.SendTo(packet, SocketFlags.None, s.EndPoint);
        }
        catch (SocketException ex)
        {
            _log?.Debug(DebugClasses.PppUauth, $"radius: send to {s.EndPoint} failed: {ex.SocketErrorCode}");
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <inheritdoc/>
    public void Forget(AccountingRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_lock)
        {
            record.TransportClosed = true;
            if (record.TransportState is List<Transmission> list)
            {
                foreach (Transmission t in list)
                    Release(t);
                list.Clear();
            }
            record.TransportState = null;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _lifetime.CancelAsync().ConfigureAwait(false);
        foreach (Server s in _servers)
            s.Dispose();
        foreach (Server s in _servers)
        {
            foreach (Port p in s.Sockets)
                await p.ReceiveLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _lifetime.Dispose();
    }

    /// <summary>Under _lock: frees a transmission's Identifier.</summary>
    private void Release(Transmission t)
    {
        if (ReferenceEquals(t.Port.Slots[t.Identifier], t))
            t.Port.Slots[t.Identifier] = null;
        if (t.Node is { List: not null } node)
            node.List.Remove(node);
        t.Node = null;
    }

    private void OnDatagram(Server server, Port port, ReadOnlySpan<byte> datagram, IPEndPoint from)
    {
        RadiusAccountingStatistics stats = Statistics;
        if (RadiusPacket.TryParse(datagram, out RadiusPacket packet) != RadiusPacketError.None)
        {
            Interlocked.Increment(ref stats.malformed);
            return;
        }
        if (!from.Address.Equals(server.EndPoint.Address) || from.Port != server.EndPoint.Port)
        {
            Interlocked.Increment(ref stats.wrongSource);
            _log?.Debug(DebugClasses.PppUauth, $"radius: dropped {packet.Code} id {packet.Identifier} from {from}: accounting goes to {server.EndPoint}");
            return;
        }
        if (packet.Code != RadiusCode.AccountingResponse)
        {
            Interlocked.Increment(ref stats.unexpectedCode);
            return;
        }
        AccountingRecord record;
        bool late;
        lock (_lock)
        {
            Transmission? t = port.Slots[packet.Identifier];
            if (t is null)
            {
                Interlocked.Increment(ref stats.unknownIdentifier);
                _log?.Debug(DebugClasses.PppUauth, $"radius: dropped Accounting-Response id {packet.Identifier} from {from}: no request outstanding");
                return;
            }
            if (!RadiusAuthenticator.VerifyResponseAuthenticator(packet.Raw, t.RequestAuthenticator, server.Secret))
            {
                Interlocked.Increment(ref stats.badAuthenticator);
                _log?.Debug(DebugClasses.PppUauth, $"radius: dropped Accounting-Response id {packet.Identifier} from {from}: bad Response Authenticator (wrong key?)");
                return;
            }
            record = t.Record;
            late = record.TransportState is List<Transmission> list && list.Count > 0 && !ReferenceEquals(list[^1], t);
        }
        Interlocked.Increment(ref stats.responses);
        if (late)
            Interlocked.Increment(ref stats.lateResponses);
        _log?.Debug(DebugClasses.PppUauth, $"radius: rcvd Accounting-Response id {packet.Identifier} from {from} for {record}{(late ? " (to an earlier transmission)" : "")}");
        _sink?.Acknowledged(record, server.Index, late);
    }

    private sealed class Transmission(AccountingRecord record, Port port, byte identifier, byte[] requestAuthenticator)
    {
        public AccountingRecord Record { get; } = record;
        public Port Port { get; } = port;
        public byte Identifier { get; } = identifier;
        public byte[] RequestAuthenticator { get; } = requestAuthenticator;
        public LinkedListNode<Transmission>? Node { get; set; }
    }

    private sealed class Port(Socket socket)
    {
        public Socket Socket { get; } = socket;
        public Transmission?[] Slots { get; } = new Transmission?[256];
        public int Next = Random.Shared.Next(256);
        public Task ReceiveLoop { get; set; } = Task.CompletedTask;
    }

    private sealed class Server : IDisposable
    {
        private readonly RadiusAccountingTransport _owner;
        private int _nextPort;

        public Server(RadiusAccountingTransport owner, int index, AaaServerHost host, int ports, IPAddress? localAddress)
        {
            _owner = owner;
            Index = index;
            Host = host;
            Secret = Encoding.UTF8.GetBytes(host.Key!);
            EndPoint = new IPEndPoint(host.Address, host.AccountingPort);
            var sockets = new List<Port>();
            try
            {
                for (int i = 0; i < ports; i++)
                {
                    var socket = new Socket(host.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                    sockets.Add(new Port(socket));
                    // A returning server answers a whole window at once while this side is still sending; the default
                    // buffer (212,992 octets on Debian) drops a burst of them, and each lost answer costs a retransmission.
                    // The kernel caps the request at net.core.rmem_max.
                    socket.ReceiveBufferSize = ReceiveBufferBytes;
                    var bind = localAddress is not null && localAddress.AddressFamily == host.Address.AddressFamily
                        ? localAddress
                        : host.Address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
                    socket.Bind(new IPEndPoint(bind, 0));
                }
            }
            catch
            {
                foreach (Port p in sockets)
                    p.Socket.Dispose();
                throw;
            }
            Sockets = [.. sockets];
        }

        public int Index { get; }
        public AaaServerHost Host { get; }
        public byte[] Secret { get; }
        public IPEndPoint EndPoint { get; }
        public Port[] Sockets { get; }
        public LinkedList<Transmission> Order { get; } = new();

        /// <summary>Under the owner's lock: a free Identifier on the least used port; the server's oldest transmission gives its up when none is free.</summary>
        public (Port Port, byte Identifier) Acquire()
        {
            for (int n = 0; n < Sockets.Length; n++)
            {
                Port p = Sockets[(_nextPort + n) % Sockets.Length];
                for (int i = 0; i < 256; i++)
                {
                    int id = (p.Next + i) & 0xFF;
                    if (p.Slots[id] is null)
                    {
                        p.Next = id + 1;
                        _nextPort = (_nextPort + n + 1) % Sockets.Length;
                        return (p, (byte)id);
                    }
                }
            }
            // Every Identifier of every port is taken: forget the oldest transmission (an answer to it no longer counts;
            // its record has newer ones or gets one at its next retransmission).
            Transmission oldest = Order.First!.Value;
            if (oldest.Record.TransportState is List<Transmission> list)
                list.Remove(oldest);
            _owner.Release(oldest);
            Interlocked.Increment(ref _owner.Statistics.evicted);
            return (oldest.Port, oldest.Identifier);
        }

        public void StartReceiving(CancellationToken ct)
        {
            foreach (Port p in Sockets)
                p.ReceiveLoop = Task.Run(() => ReceiveAsync(p, ct), CancellationToken.None);
        }

        private async Task ReceiveAsync(Port port, CancellationToken ct)
        {
            var buffer = new byte[RadiusPacket.MaxLength + 1];
            EndPoint any = Host.Address.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await port.Socket.ReceiveFromAsync(buffer, SocketFlags.None, any, ct).ConfigureAwait(false);
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
                    continue; // ICMP port unreachable from a dead server surfaces here; the queue's back-off handles it
                }
                _owner.OnDatagram(this, port, buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint);
            }
        }

        public void Dispose()
        {
            foreach (Port p in Sockets)
                p.Socket.Dispose();
        }
    }
}
