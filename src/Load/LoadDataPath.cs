using PptpGw.ControlPlane.Ppp.Session;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Sessions;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Load;

/// <summary>
/// The load tool's data path: the project's <see cref="DataplaneHost"/> in the client role
/// (<see cref="DataplaneRole.Client"/>), one worker for every PAC. Each call is a session of its table keyed (our
/// address, our call id); the worker does the GRE numbering and acknowledgments (RFC 2637 §4), MPPE and the
/// per-packet work; PPP control frames (LCP, authentication, IPCP, CCP) come up its exception path to the call's
/// <see cref="PppSession"/> and go down as control-frame commands, as on the gateway. Data comes from and goes to the
/// <see cref="TrafficGenerator"/> on the inside port.
/// </summary>
internal sealed class LoadDataPath : IControlFrameSink, IDisposable
{
    private readonly DataplaneHost _host;
    private readonly LoadPortFactory? _ports;
    private readonly DpdkLoadPortFactory? _dpdk; // --dpdk-port: the DPDK transport instead of the raw socket
    private readonly LoadCall?[] _calls; // by slot: who a control frame is for
    private long _unclaimedFrames, _installFailures;

    /// <exception cref="PptpGw.Dataplane.Ports.PortSetupException">No raw socket.</exception>
    public LoadDataPath(uint serverAddress, int sessions, TrafficSettings? traffic, DpdkLoadSettings? dpdk = null)
    {
        int capacity = sessions + Math.Max(1024, sessions / 8); // reopened calls leave slots waiting for quiescence
        IDataplanePortFactory factory = dpdk is null
            ? _ports = new LoadPortFactory(serverAddress, ringCapacity: 16_384)
            : _dpdk = new DpdkLoadPortFactory(dpdk, serverAddress, ringCapacity: 16_384);
        _host = new DataplaneHost(new DataplaneOptions
        {
            BufferSize = dpdk is null ? PptpGw.Dataplane.Buffers.PacketPool.DefaultBufferSize : PptpGw.Dataplane.Ports.Dpdk.DpdkPortOptions.BufferSize,
            SessionCapacity = capacity,
            PoolCapacity = 32_768,
            ControlRingCapacity = 32_768,
            CommandRingCapacity = 32_768,
        }, factory, this);
        _calls = new LoadCall?[capacity];
        Traffic = new TrafficGenerator(_host.Pool, (_ports?.PeerInside ?? _dpdk!.PeerInside)!, capacity, traffic ?? new TrafficSettings(0, 64));
        _host.Start();
    }

    public TrafficGenerator Traffic { get; }

    /// <summary>The worker's view: GRE packets in and out, drops by reason (for the report).</summary>
    public DataplaneCounters Counters => _host.GetCounters();

    /// <summary>The raw-socket outside port (null with the DPDK transport: <see cref="DpdkPorts"/>).</summary>
    public ClientGrePort? Outside => _ports?.Outside;

    /// <summary>The DPDK transport's ports, or null.</summary>
    public DpdkLoadPorts? DpdkPorts => _dpdk?.Ports;

    /// <summary>Control frames for no current call (late frames of a closed call), and installs the table refused.</summary>
    public (long UnclaimedFrames, long InstallFailures) Diagnostics => (Interlocked.Read(ref _unclaimedFrames), Interlocked.Read(ref _installFailures));

    /// <summary>Is (address, call id) taken?</summary>
    public bool IsTaken(uint localAddress, ushort callId) => _host.Sessions.TryLookupOutside(localAddress, callId, out _);

    /// <summary>Installs the call (before its Outgoing-Call-Request, with the gateway's call id if known, else 0).</summary>
    public bool TryOpen(LoadCall call, ushort peerCallId, ushort peerReceiveWindow, ushort ourReceiveWindow, out SessionHandle handle)
    {
        SessionInstallError error = _host.TryOpen(new DataplaneSessionSpec(call.LocalAddress, call.CallId, peerCallId, ourReceiveWindow, peerReceiveWindow),
            out handle);
        if (error != SessionInstallError.None)
        {
            Interlocked.Increment(ref _installFailures);
            return false;
        }
        Volatile.Write(ref _calls[handle.Slot], call);
        return true;
    }

    /// <summary>Removes the call's session (its slot may then go to another call).</summary>
    public void Close(SessionHandle handle)
    {
        if (!_host.Close(handle))
            return;
        Traffic.Remove(handle);
    }

    public bool SendControlFrame(SessionHandle handle, ReadOnlySpan<byte> frame) => _host.SendControlFrame(handle, frame);

    /// <summary>IPCP (and CCP) opened: the address and framing, then the MPPE keys, as the gateway installs its side (PppCallBridge).</summary>
    public bool InstallNetwork(SessionHandle handle, PppLinkResult result, bool requireEncryption)
    {
        if (!_host.SetNetwork(handle, result.LocalAddress, result.TransmitAddressControlFieldCompression, result.TransmitProtocolFieldCompression,
                requireEncryption))
            return false;
        if (result.Mppe is { } keys
            && !_host.SetMppe(handle, new MppeParameters(keys.Strength, keys.Stateless, keys.SendStartKey, keys.ReceiveStartKey)))
            return false;
        return true;
    }

    /// <summary>The gateway sent a CCP Reset-Request (RFC 3078 §8): our next packet is flushed.</summary>
    public void PeerResetRequest(SessionHandle handle) => _host.OnPeerResetRequest(handle);

    /// <summary>A renegotiation started: data stops until <see cref="InstallNetwork"/> again.</summary>
    public void NetworkDown(SessionHandle handle) => _host.SetNetworkDown(handle);

    void IControlFrameSink.OnControlFrame(SessionHandle session, ReadOnlySpan<byte> pppFrame)
    {
        LoadCall? call = Volatile.Read(ref _calls[session.Slot]);
        if (call is null || !call.Owns(session))
        {
            Interlocked.Increment(ref _unclaimedFrames);
            return;
        }
        call.ReceivePpp(pppFrame);
    }

    void IControlFrameSink.OnResetRequestNeeded(SessionHandle session)
    {
        // Stateful MPPE lost synchronisation (RFC 3078 §8): the call's CCP sends a Reset-Request.
        LoadCall? call = Volatile.Read(ref _calls[session.Slot]);
        if (call is not null && call.Owns(session))
            call.RequestCcpReset();
    }

    public void Dispose()
    {
        Traffic.Dispose(); // its thread and cache first: the host frees the pool
        _host.Dispose();
    }
}
