using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.ControlPlane.Ppp.Ipcp;

/// <summary>
/// The IPCP half of the automaton (RFC 1332) for both roles. Server: asks for its own address, Naks the peer's
/// IP-Address with <see cref="PeerAddress"/> until the peer takes it, Naks DNS/NBNS requests with the configured values
/// (Rejects them when none is configured), Rejects IP-Compression-Protocol (no VJ) and anything unknown. Client: asks for
/// 0.0.0.0 (and DNS), takes the Nak'd values, acknowledges the server's own address. Called under the session lock.
/// </summary>
public sealed class IpcpLayer : IPppFsmLayer
{
    private readonly PppRole _role;
    private readonly IpcpLayerOptions _options;
    private readonly IPppLayerEvents _events;

    // Our request (index by RFC 1877 type - 129 for the four server options).
    private uint _requestAddress;
    private bool _addressRejected;
    private readonly uint[] _requestServers = new uint[4];
    private readonly bool[] _serverRequested = new bool[4];

    public IpcpLayer(PppRole role, IpcpLayerOptions options, IPppLayerEvents events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);
        _role = role;
        _options = options;
        _events = events;
        Reset();
    }

    /// <summary>
    /// Server: the address the peer must take (from the pool or RADIUS), set before the automaton opens. Client: the
    /// address the server assigned us, once acknowledged.
    /// </summary>
    public uint PeerAddress { get; set; }

    /// <summary>Server: <see cref="IpcpLayerOptions.LocalAddress"/>. Client: the address we were given (valid at tlu).</summary>
    public uint LocalAddress => _role == PppRole.Server ? _options.LocalAddress : _requestAddress;

    /// <summary>Client: the server's own address from its request (0 when it sent none). Server: the peer's address.</summary>
    public uint RemoteAddress { get; private set; }

    /// <summary>The DNS and NBNS servers the client ended up with (server: what it offered), 0 for none.</summary>
    public uint PrimaryDns => Server(0);
    public uint PrimaryNbns => Server(1);
    public uint SecondaryDns => Server(2);
    public uint SecondaryNbns => Server(3);

    private uint Server(int index) => _role == PppRole.Server
        ? ConfiguredServer(index)
        : (_serverRequested[index] ? _requestServers[index] : 0);

    private uint ConfiguredServer(int index) => index switch
    {
        0 => _options.PrimaryDns,
        1 => _options.PrimaryNbns,
        2 => _options.SecondaryDns,
        _ => _options.SecondaryNbns,
    };

    private void Reset()
    {
        _requestAddress = _options.LocalAddress;
        _addressRejected = false;
        for (int i = 0; i < 4; i++)
        {
            _requestServers[i] = 0;
            bool dns = i is 0 or 2;
            _serverRequested[i] = _role == PppRole.Client && (dns ? _options.RequestDns : _options.RequestNbns);
        }
    }

    public int WriteConfigureRequest(Span<byte> options)
    {
        var writer = new ConfigurationOptionWriter(options);
        bool ok = true;
        // Server without an address of its own sends none: the peer then does not learn ours, which RFC 1332 §3.3 allows.
        if (!_addressRejected && (_role == PppRole.Client || _requestAddress != 0))
            ok &= writer.TryWriteIpAddress(_requestAddress);
        if (_role == PppRole.Client)
        {
            for (int i = 0; i < 4; i++)
            {
                if (_serverRequested[i])
                    ok &= writer.TryWriteAddress((IpcpOptionType)(129 + i), _requestServers[i]);
            }
        }
        return ok ? writer.BytesWritten : -1;
    }

    public void ReceiveConfigureAck(ReadOnlySpan<byte> options) { }

    public bool ReceiveConfigureNak(ReadOnlySpan<byte> options)
    {
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None
                || IpcpOption.TryDecode(raw, out IpcpOption option) != IpcpOptionError.None)
                return false;
            if (_role == PppRole.Server)
                continue; // our own address is configuration, not negotiable: resend it (the peer may then Reject it)
            if (option.Type == IpcpOptionType.IpAddress)
                _requestAddress = option.Address;
            else if (option.IsAddress)
            {
                int index = (int)option.Type - 129;
                _requestServers[index] = option.Address;
                _serverRequested[index] = true;
            }
        }
        return true;
    }

    public bool ReceiveConfigureReject(ReadOnlySpan<byte> options)
    {
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None)
                return false;
            var type = (IpcpOptionType)raw.Type;
            if (type == IpcpOptionType.IpAddress)
                _addressRejected = true;
            else if (IpcpOption.IsAddressType(type))
                _serverRequested[(int)type - 129] = false;
        }
        return true;
    }

    public ConfigureVerdict JudgeConfigureRequest(ReadOnlySpan<byte> options, Span<byte> response, out int responseLength)
    {
        responseLength = 0;
        var rejects = new ConfigurationOptionWriter(response);
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None)
                return ConfigureVerdict.Discard;
            if (!IsAcceptable(raw))
                rejects.TryWriteRaw(raw);
        }
        if (rejects.BytesWritten > 0)
        {
            responseLength = rejects.BytesWritten;
            return ConfigureVerdict.Reject;
        }

        var naks = new ConfigurationOptionWriter(response);
        bool sawAddress = false;
        uint peerAddress = 0;
        reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            reader.TryReadNext(out ConfigurationOption raw);
            IpcpOption.TryDecode(raw, out IpcpOption option);
            if (option.Type == IpcpOptionType.IpAddress)
            {
                sawAddress = true;
                peerAddress = option.Address;
                // Server: RFC 1332 §3.3, the peer asks for 0.0.0.0 (or an address of its choosing): Nak with the one it gets.
                if (_role == PppRole.Server && option.Address != PeerAddress)
                    naks.TryWriteIpAddress(PeerAddress);
            }
            else if (_role == PppRole.Server)
            {
                // RFC 1877: the peer asks for a server address; Nak with ours unless it already has it.
                uint configured = ConfiguredServer((int)option.Type - 129);
                if (option.Address != configured)
                    naks.TryWriteAddress(option.Type, configured);
            }
        }
        // RFC 1661 §5.3: a Nak may add options the peer did not send. A server insists on the peer taking an address.
        if (_role == PppRole.Server && !sawAddress && PeerAddress != 0)
            naks.TryWriteIpAddress(PeerAddress);
        if (naks.BytesWritten > 0)
        {
            responseLength = naks.BytesWritten;
            return ConfigureVerdict.Nak;
        }
        RemoteAddress = _role == PppRole.Server ? PeerAddress : peerAddress;
        if (_role == PppRole.Client)
            PeerAddress = peerAddress;
        return ConfigureVerdict.Ack;
    }

    private bool IsAcceptable(ConfigurationOption raw)
    {
        if (IpcpOption.TryDecode(raw, out IpcpOption option) != IpcpOptionError.None)
            return false;
        switch (option.Type)
        {
            case IpcpOptionType.IpAddress:
                // Client: the server must tell us its own address, not ask us for one (0.0.0.0): we have none to give.
                return _role == PppRole.Server || option.Address != 0;
            case IpcpOptionType.PrimaryDnsServerAddress:
            case IpcpOptionType.PrimaryNbnsServerAddress:
            case IpcpOptionType.SecondaryDnsServerAddress:
            case IpcpOptionType.SecondaryNbnsServerAddress:
                // RFC 1877 §1: reject when we have no such server to give (and a client never gives any).
                return _role == PppRole.Server && ConfiguredServer((int)option.Type - 129) != 0;
            default:
                // IP-Compression-Protocol (VJ, RFC 1332 §3.2): the dataplane does not do it. IP-Addresses, Mobile-IPv4, unknown.
                return false;
        }
    }

    public void ThisLayerUp()
    {
        _events.Log(PppLayerKind.Ipcp, $"opened: local {Pools.Ipv4.Format(LocalAddress)}, peer {Pools.Ipv4.Format(_role == PppRole.Server ? PeerAddress : RemoteAddress)}");
        _events.LayerUp(PppLayerKind.Ipcp);
    }

    public void ThisLayerDown() => _events.LayerDown(PppLayerKind.Ipcp);

    public void ThisLayerStarted() { }

    public void ThisLayerFinished()
    {
        Reset();
        _events.LayerFinished(PppLayerKind.Ipcp);
    }
}
