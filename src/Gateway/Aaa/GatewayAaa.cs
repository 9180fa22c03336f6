using System.Globalization;
using System.Net;
using System.Net.Sockets;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Aaa.Radius;
using PptpGw.ControlPlane.Aaa.Tacacs;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.ControlPlane.Ppp.Auth;
using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Gateway.Hosting;

namespace PptpGw.Gateway.Aaa;

/// <summary>
/// The AAA of the dial-in vpdn group, built from the configuration: the RADIUS or TACACS+ client of
/// <c>client authentication aaa NAME</c> (one per-call authenticator per call, with the call's port and address),
/// accounting for <c>client accounting NAME</c> through one durable <see cref="AccountingService"/> whatever the protocol
/// (RADIUS Start/Interim-Update/Stop and Accounting-On/Off, RFC 2866; TACACS+ START/WATCHDOG/STOP, RFC 8907 §7),
/// Session-Timeout, and the RFC 5176 Dynamic Authorization Server when clients are configured. Owns the clients and
/// sockets; <see cref="DisposeAsync"/> queues the Stops and the Accounting-Off, waits (bounded) for them, and closes.
/// </summary>
public sealed class GatewayAaa : IAsyncDisposable
{
    private readonly VpdnGroupConfig _group;
    private readonly GatewayLog _log;
    private readonly TimeProvider _time;
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IDisposable> _ownedSync = [];
    private readonly AaaAuthenticatorFactory? _factory;
    private readonly List<object> _retired = [];
    private readonly Lock _retiredLock = new();
    private AuthenticationBackends _backends;
    private readonly AccountingService? _accounting;
    private DynamicAuthorizationServer? _dynamicAuthorization;

    private GatewayAaa(GatewayConfig config, VpdnGroupConfig group, GatewayLog log, TimeProvider time, AaaAuthenticatorFactory? factory)
    {
        _group = group;
        _log = log;
        _time = time;
        _factory = factory;
        AaaServerGroup? authenticationGroup = Authenticators.Validate(config, group);
        AccountingGroup = group.AccountingServerGroup is { } acct
            ? config.Aaa.FindGroup(acct) ?? throw new GatewayStartupException($"vpdn group {group.Name} client accounting {acct}: no such aaa-server group")
            : null;

        RadiusClient? radius = null;
        TacacsPlusClient? tacacs = null;
        RadiusNasIdentity? nas = null;
        RadiusNasIdentity Nas(AaaServerGroup g) => nas ??= NasIdentity(config, g);
        RadiusClient Radius(AaaServerGroup g)
        {
            if (radius is not null && radius.Group.Name == g.Name)
                return radius;
            var client = new RadiusClient(g, new RadiusClientOptions { Nas = Nas(g) }, log, time);
            _owned.Add(client);
            return radius ??= client;
        }
        TacacsPlusClient Tacacs(AaaServerGroup g)
        {
            if (tacacs is not null && tacacs.GroupName == g.Name)
                return tacacs;
            var client = new TacacsPlusClient(g, log, timeProvider: time);
            _ownedSync.Add(client);
            return tacacs ??= client;
        }

        try
        {
            IPppAuthenticator? custom = authenticationGroup is { } authGroup ? factory?.Invoke(config, authGroup, log) : null;
            _backends = authenticationGroup switch
            {
                not null when custom is not null => new AuthenticationBackends(authenticationGroup, custom, null, null, null, null),
                { Protocol: AaaProtocol.Radius } g => new AuthenticationBackends(g, null, new RadiusPppAuthenticator(Radius(g), log), null, null, null),
                { Protocol: AaaProtocol.TacacsPlus } g => new AuthenticationBackends(g, null, null,
                    new TacacsPlusAuthenticator(Tacacs(g), log, new TacacsPlusAuthenticatorOptions { Mppe = group.Mppe }), null, null),
                _ => new AuthenticationBackends(null, new LocalPppAuthenticator(new VpdnUserCredentialStore(config.Users), group.StripDomain), null, null, null, null),
            };
            TimeSpan? interim = group.AccountingInterimSeconds is int s and > 0 ? TimeSpan.FromSeconds(s) : null;
            AccountingQueueOptions queueOptions = QueueOptions(config.Accounting);
            switch (AccountingGroup)
            {
                case { Protocol: AaaProtocol.Radius } g:
                    _accounting = AccountingService.Open(g.Name, new RadiusAccountingTransport(g, queueOptions.MaxInFlightPerServer, null, log),
                        new RadiusAccountingFormat(Nas(g)), queueOptions, interim, log, time);
                    break;
                case { Protocol: AaaProtocol.TacacsPlus } g:
                    _accounting = AccountingService.Open(g.Name, new TacacsAccountingTransport(Tacacs(g), g, log),
                        new TacacsAccountingFormat(), queueOptions, interim, log, time);
                    break;
            }
            InterimInterval = interim;
        }
        catch (ArgumentException ex)
        {
            // A group the clients cannot serve (no host, no key): the operator must fix the configuration.
            _accounting?.ShutdownAsync();
            DisposeOwnedSynchronously();
            throw new GatewayStartupException($"vpdn group {group.Name}: {ex.Message}", ex);
        }
    }

    /// <summary>The <c>client authentication aaa</c> group, or null for local users (the current one: a reload may change it).</summary>
    public AaaServerGroup? AuthenticationGroup => Volatile.Read(ref _backends).Group;

    /// <summary>The <c>client accounting</c> group, or null.</summary>
    public AaaServerGroup? AccountingGroup { get; }

    /// <summary>The configured <c>accounting interim</c>, or null.</summary>
    public TimeSpan? InterimInterval { get; }

    /// <summary>The RFC 5176 listener, once <see cref="StartDynamicAuthorization"/> ran with clients configured.</summary>
    public DynamicAuthorizationServer? DynamicAuthorization => _dynamicAuthorization;

    /// <summary>The authenticator that serves every call the same way (local users, or the AAA group without per-call data).</summary>
    public IPppAuthenticator Authenticator => Volatile.Read(ref _backends).Authenticator;

    /// <summary>Builds the AAA of <paramref name="group"/>; throws <see cref="GatewayStartupException"/> for an unusable group.</summary>
    /// <param name="factory">Replaces the built-in RADIUS/TACACS+ authenticator (tests); null or a null result: built in.</param>
    public static GatewayAaa Create(GatewayConfig config, VpdnGroupConfig group, GatewayLog log, TimeProvider? timeProvider = null,
        AaaAuthenticatorFactory? factory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(log);
        return new GatewayAaa(config, group, log, timeProvider ?? TimeProvider.System, factory);
    }

    /// <summary>
    /// Opens the RFC 5176 listener on <paramref name="address"/> and the configured port when
    /// <c>radius-dynamic-authorization client</c> lines exist; its requests act on <paramref name="sessions"/>.
    /// </summary>
    public void StartDynamicAuthorization(GatewayConfig config, IPAddress address, IAaaSessionDirectory sessions)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(sessions);
        if (config.Aaa.DynamicAuthorizationClients.IsEmpty || _dynamicAuthorization is not null)
            return;
        try
        {
            _dynamicAuthorization = DynamicAuthorizationServer.FromConfig(config.Aaa, address, new DynamicAuthorizationHandler(sessions, _log),
                log: _log, timeProvider: _time);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            throw new GatewayStartupException(
                $"cannot listen for RADIUS dynamic authorization on {address}:{config.Aaa.DynamicAuthorizationPort}: {ex.Message}", ex);
        }
        _dynamicAuthorization.Start();
        _log.Write(PixSeverity.Informational, $"RADIUS dynamic authorization (RFC 5176) on {_dynamicAuthorization.LocalEndPoint}");
    }

    /// <summary>
    /// The AAA side of one call: its authenticator (NAS-Port = call id, Calling-Station-Id = <paramref name="peer"/>; TACACS+
    /// port "pptp/ID" and rem_addr), accounting and Session-Timeout. <paramref name="disconnect"/> ends the call (a
    /// Session-Timeout expired, or a Disconnect-Request); it must not block.
    /// </summary>
    public AaaCall BeginCall(ushort callId, IPAddress peer, IPAddress? local, Action<AcctTerminateCause, string> disconnect)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(disconnect);
        string peerText = peer.ToString();
        string port = string.Create(CultureInfo.InvariantCulture, $"pptp/{callId}");
        AuthenticationBackends backends = Volatile.Read(ref _backends);
        RadiusPppAuthenticator? radius = backends.Radius?.ForCall(callId, peerText, local?.ToString());
        IPppAuthenticator authenticator = radius ?? (IPppAuthenticator?)backends.Tacacs?.ForCall(port, peerText) ?? backends.Authenticator;
        return new AaaCall(this, callId, peer, local, port, authenticator, radius, disconnect);
    }

    /// <summary>The session options of a call: TACACS+ cannot return MPPE keys (<see cref="TacacsPlusMppePolicy.Apply"/>).</summary>
    public PppSessionOptions AdjustSessionOptions(PppSessionOptions options) => TacacsPlusMppePolicy.Apply(options, AuthenticationGroup);

    /// <summary>
    /// A reload: new calls authenticate against <paramref name="config"/>'s users (local) or its <c>client
    /// authentication aaa</c> group, with <paramref name="group"/>'s strip-domain and MPPE. Calls that already
    /// authenticated keep going; an old RADIUS/TACACS+ client is closed after <see cref="RetireDelay"/>, by when any
    /// request it still had in flight has timed out. Returns null when applied, else why not (nothing changed).
    /// </summary>
    public string? ReconfigureAuthentication(GatewayConfig config, VpdnGroupConfig group)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(group);
        AaaServerGroup? authenticationGroup;
        try
        {
            authenticationGroup = Authenticators.Validate(config, group);
        }
        catch (GatewayStartupException ex)
        {
            return ex.Message;
        }
        AuthenticationBackends next;
        try
        {
            IPppAuthenticator? custom = authenticationGroup is { } authGroup ? _factory?.Invoke(config, authGroup, _log) : null;
            next = authenticationGroup switch
            {
                not null when custom is not null => new AuthenticationBackends(authenticationGroup, custom, null, null, null, null),
                { Protocol: AaaProtocol.Radius } g => RadiusBackends(config, g),
                { Protocol: AaaProtocol.TacacsPlus } g => TacacsBackends(g, group),
                _ => new AuthenticationBackends(null, new LocalPppAuthenticator(new VpdnUserCredentialStore(config.Users), group.StripDomain), null, null, null, null),
            };
        }
        catch (ArgumentException ex)
        {
            return $"vpdn group {group.Name}: {ex.Message}";
        }
        AuthenticationBackends previous = Interlocked.Exchange(ref _backends, next);
        Retire(previous);
        return null;
    }

    /// <summary>How long a replaced RADIUS/TACACS+ client stays open for the requests it still has in flight.</summary>
    public static TimeSpan RetireDelay { get; } = TimeSpan.FromMinutes(2);

    private AuthenticationBackends RadiusBackends(GatewayConfig config, AaaServerGroup g)
    {
        var client = new RadiusClient(g, new RadiusClientOptions { Nas = NasIdentity(config, g) }, _log, _time);
        return new AuthenticationBackends(g, null, new RadiusPppAuthenticator(client, _log), null, client, null);
    }

    private AuthenticationBackends TacacsBackends(AaaServerGroup g, VpdnGroupConfig group)
    {
        var client = new TacacsPlusClient(g, _log, timeProvider: _time);
        return new AuthenticationBackends(g, null, null, new TacacsPlusAuthenticator(client, _log, new TacacsPlusAuthenticatorOptions { Mppe = group.Mppe }), null, client);
    }

    /// <summary>Closes the clients a replaced set owns after <see cref="RetireDelay"/> (the first set's clients are owned by this object).</summary>
    private void Retire(AuthenticationBackends previous)
    {
        object[] clients = [.. new object?[] { previous.RadiusClient, previous.TacacsClient }.OfType<object>()];
        if (clients.Length == 0)
            return;
        lock (_retiredLock)
            _retired.AddRange(clients);
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            foreach (object client in clients)
                _ = CloseRetiredAsync(client);
            timer?.Dispose();
        }, null, RetireDelay, Timeout.InfiniteTimeSpan);
    }

    private async Task CloseRetiredAsync(object client)
    {
        lock (_retiredLock)
        {
            if (!_retired.Remove(client))
                return;
        }
        switch (client)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>The accounting of <c>client accounting NAME</c> (RADIUS or TACACS+), or null.</summary>
    public AccountingService? Accounting => _accounting;

    /// <summary>The accounting queue per server now (for <c>show aaa-server</c> and metrics); null without accounting.</summary>
    public AccountingQueueSnapshot? AccountingSnapshot() => _accounting?.Queue.Snapshot();

    internal GatewayLog Log => _log;
    internal TimeProvider Time => _time;
    internal VpdnGroupConfig Group => _group;

    /// <summary>The queue's options from the <c>accounting ...</c> lines.</summary>
    public static AccountingQueueOptions QueueOptions(AccountingConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new AccountingQueueOptions
        {
            SpoolDirectory = config.SpoolDirectory,
            SpoolMaximumBytes = (long)config.SpoolSizeMegabytes << 20,
            SpoolSyncInterval = TimeSpan.FromMilliseconds(config.SpoolSyncMilliseconds),
            RetransmitInitial = TimeSpan.FromSeconds(config.RetransmitInitialSeconds),
            RetransmitMaximum = TimeSpan.FromSeconds(config.RetransmitMaximumSeconds),
            MaximumAge = TimeSpan.FromSeconds(config.MaximumAgeSeconds),
            MaxInFlightPerServer = config.MaxInFlightPerServer,
            ShutdownWait = TimeSpan.FromSeconds(config.ShutdownWaitSeconds),
        };
    }

    /// <summary>
    /// NAS-Identifier: <c>aaa-server radius-nas-identifier</c>, else the <c>hostname</c>, else "pptpgw"; NAS-IP-Address:
    /// <c>aaa-server radius-nas-ip-address</c>, else the address requests to the group's first server leave from.
    /// </summary>
    internal static RadiusNasIdentity NasIdentity(GatewayConfig config, AaaServerGroup group)
    {
        string identifier = config.Aaa.Nas.NasIdentifier ?? config.Hostname ?? RadiusNasIdentity.Default.NasIdentifier!;
        IPAddress? address = config.Aaa.Nas.NasIpAddress ?? (group.Hosts.IsDefaultOrEmpty ? null : SourceAddressFor(group.Hosts[0].Address));
        return new RadiusNasIdentity(address, identifier);
    }

    /// <summary>The local address the kernel picks to reach <paramref name="server"/> (a connected UDP socket sends nothing).</summary>
    internal static IPAddress? SourceAddressFor(IPAddress server)
    {
        if (server.AddressFamily != AddressFamily.InterNetwork)
            return null;
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(server, 9));
            return probe.LocalEndPoint is IPEndPoint { Address: var a } && !a.Equals(IPAddress.Any) ? a : null;
        }
        catch (SocketException)
        {
            return null; // no route yet: the servers see the source address, the request no NAS-IP-Address
        }
    }

    /// <summary>
    /// Queues the Stops of what still runs (Admin-Reboot, RFC 2866 §5.10) and the Accounting-Off, waits up to
    /// <c>accounting shutdown-wait</c> for them (what is left stays in the spool, logged), then closes the listener and
    /// the clients.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_dynamicAuthorization is not null)
            await _dynamicAuthorization.DisposeAsync().ConfigureAwait(false);
        if (_accounting is not null)
            await _accounting.ShutdownAsync().ConfigureAwait(false);
        foreach (IAsyncDisposable owned in _owned)
            await owned.DisposeAsync().ConfigureAwait(false);
        DisposeOwnedSynchronously();
        object[] retired;
        lock (_retiredLock)
            retired = [.. _retired];
        foreach (object client in retired)
            await CloseRetiredAsync(client).ConfigureAwait(false);
        AuthenticationBackends current = Volatile.Read(ref _backends);
        if (current.RadiusClient is not null)
            await current.RadiusClient.DisposeAsync().ConfigureAwait(false);
        current.TacacsClient?.Dispose();
    }

    private void DisposeOwnedSynchronously()
    {
        foreach (IDisposable owned in _ownedSync)
            owned.Dispose();
        _ownedSync.Clear();
    }

    /// <summary>The peer address in host order, or null.</summary>
    internal static IPAddress? AddressOf(uint address) => address == 0 ? null : Ipv4.ToIPAddress(address);
}
