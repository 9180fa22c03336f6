using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Tacacs;

/// <summary>
/// A TACACS+ client (RFC 8907) for one <c>aaa-server NAME protocol tacacs+</c> group. Each call is one TACACS+
/// session: a request (seq_no 1) and its reply (seq_no 2). Servers are tried in the order of their lines; the next is
/// tried when one refuses the connection, does not answer within its <c>timeout</c>, sends a malformed or mis-keyed
/// reply, or answers ERROR (§4.4: "behave as if the server could not be connected to"). Bodies are obfuscated with the
/// server's key (§4.5); a server without a key gets clear bodies with TAC_PLUS_UNENCRYPTED_FLAG (logged, as §4.5 says
/// that MUST NOT be used in production), and a clear reply to an obfuscated request is refused.
/// Single Connection Mode (§4.3): each new connection asks for it; when the server's first reply has the flag set the
/// connection is kept and reused for later sessions, one at a time (concurrent sessions open further connections). A
/// kept connection the server has since closed is noticed and replaced once. Thread-safe.
/// </summary>
public sealed class TacacsPlusClient : IDisposable
{
    private readonly Server[] _servers;
    private readonly GatewayLog? _log;
    private readonly TacacsPlusClientOptions _options;
    private readonly TimeProvider _time;
    private int _disposed;

    /// <summary>A client for <paramref name="group"/>, which must be a TACACS+ group with at least one server.</summary>
    public TacacsPlusClient(AaaServerGroup group, GatewayLog? log = null, TacacsPlusClientOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (group.Protocol != AaaProtocol.TacacsPlus)
            throw new ArgumentException($"aaa-server group '{group.Name}' is {group.Protocol}, not TACACS+", nameof(group));
        if (group.Hosts.IsDefaultOrEmpty)
            throw new ArgumentException($"aaa-server group '{group.Name}' has no host", nameof(group));
        GroupName = group.Name;
        _log = log;
        _options = options ?? new TacacsPlusClientOptions();
        _time = timeProvider ?? TimeProvider.System;
        _servers = [.. group.Hosts.Select(h => new Server(h, _options))];
        foreach (Server s in _servers.Where(s => s.Key.Length == 0))
        {
            _log?.Write(PixSeverity.Warning,
                $"aaa-server {GroupName} host {s.Name}: no key, so TACACS+ bodies (passwords included) travel in clear with "
                + "TAC_PLUS_UNENCRYPTED_FLAG (RFC 8907 §4.5: MUST NOT be used in production)");
        }
    }

    /// <summary>The <c>aaa-server</c> group name.</summary>
    public string GroupName { get; }

    /// <summary>Connections opened so far (all servers); tests use it to see Single Connection Mode reuse.</summary>
    public int ConnectionsOpened => _servers.Sum(s => Volatile.Read(ref s.Opened));

    /// <summary>
    /// Runs an authentication session: START, then REPLY. A REPLY asking for more (GETDATA/GETUSER/GETPASS) is
    /// returned as is after the session is ended with CONTINUE + ABORT (§5.4.3): a PPP login is one START and one REPLY.
    /// Throws <see cref="TacacsUnavailableException"/> when no server answered.
    /// </summary>
    public async ValueTask<TacacsAuthenticationReply> AuthenticateAsync(TacacsAuthenticationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] body = EncodeStart(request);
        try
        {
            // §5.4.1: PAP, CHAP and MS-CHAP logins use minor version 1, ASCII login 0.
            byte version = request.AuthenType == TacacsAuthenType.Ascii ? TacacsVersion.Default : TacacsVersion.One;
            return await RunAsync(TacacsPacketType.Authentication, version, body, InterpretAuthenReply, "authentication", cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(body); // it holds the password or the response
        }
    }

    /// <summary>Runs an authorization session (REQUEST, RESPONSE; §6). Throws <see cref="TacacsUnavailableException"/> when no server answered.</summary>
    public ValueTask<TacacsAuthorizationReply> AuthorizeAsync(TacacsAuthorizationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] body = EncodeAuthor(request);
        return RunAsync(TacacsPacketType.Authorization, TacacsVersion.Default, body, InterpretAuthorResponse, "authorization", cancellationToken);
    }

    /// <summary>Runs an accounting session (REQUEST, REPLY; §7). Throws <see cref="TacacsUnavailableException"/> when no server stored the record.</summary>
    public ValueTask<TacacsAccountingReply> AccountAsync(TacacsAccountingRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] body = EncodeAcct(request);
        return RunAsync(TacacsPacketType.Accounting, TacacsVersion.Default, body, InterpretAcctReply, "accounting", cancellationToken);
    }

    /// <summary>
    /// Runs an accounting session with a REQUEST body already encoded (<see cref="EncodeAccountingBody"/>): the durable
    /// accounting queue keeps the body and sends it again until a server stores it. Throws
    /// <see cref="TacacsUnavailableException"/> when no server stored the record.
    /// </summary>
    public ValueTask<TacacsAccountingReply> AccountAsync(byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync(TacacsPacketType.Accounting, TacacsVersion.Default, body, InterpretAcctReply, "accounting", cancellationToken);
    }

    /// <summary>The accounting REQUEST body of <paramref name="request"/> (RFC 8907 §7.1).</summary>
    /// <exception cref="ArgumentException">A field is longer than 255 octets or not printable US-ASCII.</exception>
    public static byte[] EncodeAccountingBody(TacacsAccountingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return EncodeAcct(request);
    }

    /// <summary>Closes the kept connections.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        foreach (Server s in _servers)
            s.CloseIdle();
    }

    // ---- encoding (programmer input: the callers validate what peers control) ----

    private static byte[] Ascii(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text, what);
        foreach (char c in text)
        {
            if (c < 0x20 || c > 0x7E)
                throw new ArgumentException($"{what} must be printable US-ASCII (RFC 8907 §3.7)", what);
        }
        return Encoding.ASCII.GetBytes(text);
    }

    private static byte[] EncodeStart(TacacsAuthenticationRequest r)
    {
        var start = new TacacsAuthenStart
        {
            Action = r.Action,
            PrivilegeLevel = r.PrivilegeLevel,
            AuthenType = r.AuthenType,
            Service = r.Service,
            User = Encoding.UTF8.GetBytes(r.User),
            Port = Ascii(r.Port, nameof(r.Port)),
            RemoteAddress = Ascii(r.RemoteAddress, nameof(r.RemoteAddress)),
            Data = r.Data,
        };
        byte[] body = new byte[start.Length];
        if (!start.TryWrite(body, out _))
            throw new ArgumentException("a START field is longer than 255 octets", nameof(r));
        return body;
    }

    private static byte[] EncodeAuthor(TacacsAuthorizationRequest r)
    {
        TacacsAuthorRequest request = AuthorFields(r.AuthenMethod, r.PrivilegeLevel, r.AuthenType, r.Service, r.User, r.Port, r.RemoteAddress);
        byte[] body = new byte[request.GetLength(r.Arguments.AsSpan())];
        if (!request.TryWrite(body, r.Arguments.AsSpan(), out _))
            throw new ArgumentException("a REQUEST field is longer than 255 octets or an argument is not printable US-ASCII", nameof(r));
        return body;
    }

    private static byte[] EncodeAcct(TacacsAccountingRequest r)
    {
        var request = new TacacsAcctRequest(r.Flags,
            AuthorFields(r.AuthenMethod, r.PrivilegeLevel, r.AuthenType, r.Service, r.User, r.Port, r.RemoteAddress));
        byte[] body = new byte[request.GetLength(r.Arguments.AsSpan())];
        if (!request.TryWrite(body, r.Arguments.AsSpan(), out _))
            throw new ArgumentException("a REQUEST field is longer than 255 octets or an argument is not printable US-ASCII", nameof(r));
        return body;
    }

    // The fields an authorization REQUEST and an accounting REQUEST share (RFC 8907 §6.1, §7.1).
    private static TacacsAuthorRequest AuthorFields(TacacsAuthenMethod authenMethod, byte privilegeLevel, TacacsAuthenType authenType,
        TacacsAuthenService service, string user, string port, string remoteAddress) => new()
    {
        AuthenMethod = authenMethod,
        PrivilegeLevel = privilegeLevel,
        AuthenType = authenType,
        Service = service,
        User = Encoding.UTF8.GetBytes(user),
        Port = Ascii(port, nameof(TacacsAuthorizationRequest.Port)),
        RemoteAddress = Ascii(remoteAddress, nameof(TacacsAuthorizationRequest.RemoteAddress)),
    };

    // ---- interpreting replies (synchronous, over spans) ----

    /// <summary>What one server's reply means: a final <see cref="Result"/>, or a <see cref="Failure"/> (try the next server).</summary>
    private readonly record struct Verdict<T>(T? Result, string? Failure, bool Abort = false) where T : class;

    private delegate Verdict<T> Interpreter<T>(ReadOnlySpan<byte> body, Server server) where T : class;

    private static string Text(ReadOnlySpan<byte> octets) => Encoding.ASCII.GetString(octets);

    private static string Malformed(string what, TacacsError error) =>
        error is TacacsError.FieldLengthsExceedBody or TacacsError.FieldLengthsShortOfBody
            ? $"malformed {what} ({error}; a wrong key garbles the body this way, RFC 8907 §4.5)"
            : $"malformed {what} ({error})";

    private static Verdict<TacacsAuthenticationReply> InterpretAuthenReply(ReadOnlySpan<byte> body, Server server)
    {
        TacacsError error = TacacsAuthenReply.TryParse(body, out TacacsAuthenReply reply);
        if (error != TacacsError.None)
            return new(null, Malformed("authentication REPLY", error));
        if (reply.Status == TacacsAuthenStatus.Error)
            return new(null, $"ERROR \"{Text(reply.ServerMessage)}\"");
        bool wantsMore = reply.Status is TacacsAuthenStatus.GetData or TacacsAuthenStatus.GetUser or TacacsAuthenStatus.GetPass;
        return new(new TacacsAuthenticationReply(reply.Status, reply.Flags, Text(reply.ServerMessage), reply.Data.ToArray(), server.Name), null, wantsMore);
    }

    private static Verdict<TacacsAuthorizationReply> InterpretAuthorResponse(ReadOnlySpan<byte> body, Server server)
    {
        TacacsError error = TacacsAuthorResponse.TryParse(body, out TacacsAuthorResponse response);
        if (error != TacacsError.None)
            return new(null, Malformed("authorization RESPONSE", error));
        if (response.Status == TacacsAuthorStatus.Error)
            return new(null, $"ERROR \"{Text(response.ServerMessage)}\"");
        return new(new TacacsAuthorizationReply(response.Status, Text(response.ServerMessage), Text(response.Data),
            [.. response.Arguments.ToStrings()], server.Name), null);
    }

    private static Verdict<TacacsAccountingReply> InterpretAcctReply(ReadOnlySpan<byte> body, Server server)
    {
        TacacsError error = TacacsAcctReply.TryParse(body, out TacacsAcctReply reply);
        if (error != TacacsError.None)
            return new(null, Malformed("accounting REPLY", error));
        // §7.2: only SUCCESS means the record was stored; FOLLOW is deprecated and handled like ERROR.
        if (reply.Status != TacacsAcctStatus.Success)
            return new(null, $"{reply.Status.ToString().ToUpperInvariant()} \"{Text(reply.ServerMessage)}\"");
        return new(new TacacsAccountingReply(reply.Status, Text(reply.ServerMessage), Text(reply.Data), server.Name), null);
    }

    // ---- sessions over TCP ----

    private async ValueTask<T> RunAsync<T>(TacacsPacketType type, byte version, byte[] body, Interpreter<T> interpret, string what,
        CancellationToken cancellationToken) where T : class
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var failures = new List<string>(_servers.Length);
        for (int i = 0; i < _servers.Length; i++)
        {
            Server server = _servers[i];
            Verdict<T> verdict = await ExchangeAsync(server, type, version, body, interpret, cancellationToken).ConfigureAwait(false);
            if (verdict.Result is not null)
                return verdict.Result;
            failures.Add($"{server.Name}: {verdict.Failure}");
            _log?.Write(PixSeverity.Warning,
                $"aaa-server {GroupName} host {server.Name}: TACACS+ {what} failed: {verdict.Failure}"
                + (i + 1 < _servers.Length ? $"; trying {_servers[i + 1].Name}" : "; no server left"));
        }
        throw new TacacsUnavailableException($"no TACACS+ server of group '{GroupName}' answered the {what} request: {string.Join("; ", failures)}");
    }

    private async ValueTask<Verdict<T>> ExchangeAsync<T>(Server server, TacacsPacketType type, byte version, byte[] body,
        Interpreter<T> interpret, CancellationToken cancellationToken) where T : class
    {
        TimeSpan timeout = _options.Timeout ?? TimeSpan.FromSeconds(Math.Max(1, server.Config.TimeoutSeconds));
        // One retry, on a fresh connection, when a kept connection turns out to have been closed by the server (§4.3).
        for (int attempt = 0; ; attempt++)
        {
            Connection? connection = server.TakeIdle();
            bool reused = connection is not null;
            using var timer = new CancellationTokenSource(timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            CancellationToken token = linked.Token;
            bool keep = false;
            try
            {
                if (connection is null)
                {
                    connection = await Connection.OpenAsync(server.EndPoint, token).ConfigureAwait(false);
                    Interlocked.Increment(ref server.Opened);
                }
                uint sessionId = NewSessionId();
                var flags = server.Key.Length == 0 ? TacacsHeaderFlags.Unencrypted : TacacsHeaderFlags.None;
                // §4.3: the flag matters only in the first two packets of a connection.
                bool askSingle = !reused && _options.SingleConnection;
                if (askSingle)
                    flags |= TacacsHeaderFlags.SingleConnect;
                var header = new TacacsHeader(version, type, 1, flags, sessionId, (uint)body.Length);
                await connection.Stream.WriteAsync(BuildPacket(header, body, server.Key), token).ConfigureAwait(false);

                (TacacsHeader replyHeader, byte[] replyBody, string? failure) =
                    await ReadReplyAsync(connection, header, server, token).ConfigureAwait(false);
                if (failure is not null)
                    return new(null, failure);
                _log?.Debug(DebugClasses.PppUauth,
                    $"TACACS+ {type} session 0x{sessionId:x8} with {server.Name}: reply of {replyHeader.Length} octets{(reused ? " (kept connection)" : "")}");
                if (askSingle)
                    connection.SingleConnect = replyHeader.IsSingleConnect;
                Verdict<T> verdict = interpret(replyBody, server);
                if (verdict.Result is not null && verdict.Abort)
                {
                    await SendAbortAsync(connection, header, server, token).ConfigureAwait(false);
                    return verdict; // the connection is closed below: the aborted session's tail is not worth reading
                }
                keep = verdict.Result is not null && connection.SingleConnect;
                return verdict;
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return new(null, $"no answer within {timeout.TotalSeconds:0.###} s");
            }
            catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
            {
                if (reused && attempt == 0)
                {
                    _log?.Debug(DebugClasses.PppUauth, $"TACACS+ {server.Name}: kept connection closed by the server ({e.Message}); reconnecting");
                    connection?.Dispose();
                    connection = null;
                    continue;
                }
                return new(null, e is SocketException se ? $"{se.SocketErrorCode}" : e.Message);
            }
            finally
            {
                if (connection is not null)
                {
                    if (keep && Volatile.Read(ref _disposed) == 0)
                        server.ReturnIdle(connection);
                    else
                        connection.Dispose();
                }
            }
        }
    }

    private async ValueTask<(TacacsHeader Header, byte[] Body, string? Failure)> ReadReplyAsync(Connection connection, TacacsHeader request,
        Server server, CancellationToken token)
    {
        byte[] head = new byte[TacacsHeader.Size];
        await connection.Stream.ReadExactlyAsync(head, token).ConfigureAwait(false);
        TacacsError error = TacacsHeader.TryParse(head, out TacacsHeader header, _options.MaxBodyLength);
        if (error != TacacsError.None)
            return (default, [], $"malformed reply header ({error})");
        // §4.1: the reply belongs to our session, is of our type, and carries the next (even) seq_no.
        if (header.SessionId != request.SessionId)
            return (header, [], $"reply for session 0x{header.SessionId:x8}, expected 0x{request.SessionId:x8}");
        if (header.Type != request.Type)
            return (header, [], $"reply of type {header.Type} to a {request.Type} request");
        if (header.SequenceNumber != request.SequenceNumber + 1)
            return (header, [], $"reply seq_no {header.SequenceNumber}, expected {request.SequenceNumber + 1}");
        byte[] body = new byte[header.Length];
        await connection.Stream.ReadExactlyAsync(body, token).ConfigureAwait(false);
        if (header.IsUnencrypted)
        {
            if (server.Key.Length != 0)
            {
                _log?.Write(PixSeverity.Warning,
                    $"aaa-server {GroupName} host {server.Name}: refused a TACACS+ reply with TAC_PLUS_UNENCRYPTED_FLAG while a key is configured (RFC 8907 §4.5)");
                return (header, [], "unobfuscated reply refused: a key is configured");
            }
        }
        else
        {
            TacacsObfuscation.Apply(body, header, server.Key);
        }
        return (header, body, null);
    }

    private static async ValueTask SendAbortAsync(Connection connection, TacacsHeader start, Server server, CancellationToken token)
    {
        byte[] reason = Encoding.ASCII.GetBytes("PPP authentication is one START and one REPLY (RFC 8907 §5.4.2)");
        var abort = new TacacsAuthenContinue { Flags = TacacsAuthenContinueFlags.Abort, Data = reason };
        byte[] body = new byte[abort.Length];
        abort.TryWrite(body, out _);
        var header = start with { SequenceNumber = 3, Flags = start.Flags & TacacsHeaderFlags.Unencrypted, Length = (uint)body.Length };
        await connection.Stream.WriteAsync(BuildPacket(header, body, server.Key), token).ConfigureAwait(false);
    }

    private static byte[] BuildPacket(TacacsHeader header, ReadOnlySpan<byte> body, ReadOnlySpan<byte> key)
    {
        byte[] packet = new byte[TacacsHeader.Size + body.Length];
        header.TryWrite(packet);
        body.CopyTo(packet.AsSpan(TacacsHeader.Size));
        if (!header.IsUnencrypted)
            TacacsObfuscation.Apply(packet.AsSpan(TacacsHeader.Size), header, key);
        return packet;
    }

    private static uint NewSessionId()
    {
        // §4.1: "MUST be generated by a cryptographically strong random number generation method".
        Span<byte> random = stackalloc byte[4];
        RandomNumberGenerator.Fill(random);
        return BinaryPrimitives.ReadUInt32BigEndian(random);
    }

    private sealed class Server
    {
        private readonly Lock _lock = new();
        private readonly Stack<Connection> _idle = new();
        private readonly int _maxIdle;
        public int Opened;

        public Server(AaaServerHost config, TacacsPlusClientOptions options)
        {
            Config = config;
            EndPoint = new IPEndPoint(config.Address, config.AuthenticationPort);
            Name = EndPoint.ToString();
            Key = Encoding.UTF8.GetBytes(config.Key ?? "");
            _maxIdle = options.SingleConnection ? Math.Max(0, options.MaxIdleConnectionsPerServer) : 0;
        }

        public AaaServerHost Config { get; }
        public IPEndPoint EndPoint { get; }
        public string Name { get; }
        public byte[] Key { get; }

        public Connection? TakeIdle()
        {
            lock (_lock)
                return _idle.Count > 0 ? _idle.Pop() : null;
        }

        public void ReturnIdle(Connection connection)
        {
            lock (_lock)
            {
                if (_idle.Count < _maxIdle)
                {
                    _idle.Push(connection);
                    return;
                }
            }
            connection.Dispose();
        }

        public void CloseIdle()
        {
            lock (_lock)
            {
                while (_idle.Count > 0)
                    _idle.Pop().Dispose();
            }
        }
    }

    private sealed class Connection : IDisposable
    {
        private readonly Socket _socket;

        private Connection(Socket socket)
        {
            _socket = socket;
            Stream = new NetworkStream(socket, ownsSocket: true);
        }

        public NetworkStream Stream { get; }

        /// <summary>Single Connection Mode was agreed in the first two packets (§4.3).</summary>
        public bool SingleConnect { get; set; }

        public static async ValueTask<Connection> OpenAsync(IPEndPoint endPoint, CancellationToken token)
        {
            var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endPoint, token).ConfigureAwait(false);
                return new Connection(socket);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Stream.Dispose();
            _socket.Dispose();
        }
    }
}
