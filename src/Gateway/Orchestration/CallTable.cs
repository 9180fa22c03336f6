using System.Collections.Concurrent;
using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;
using PptpGw.ControlPlane.Pptp.Connection;
using PptpGw.Dataplane.Control;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Gateway.Orchestration;

/// <summary>
/// What the orchestration pieces share: the live calls (by PPTP tunnel and Call ID, and by dataplane handle), the
/// admission counters (live calls, PIX virtual interface numbers), the stopping flag, and the late-bound dataplane and
/// listener. It decides nothing; <see cref="CallLifecycle"/> admits and releases, the others read.
/// </summary>
internal sealed class CallTable(CallOrchestratorOptions options, GatewayLog log, TimeProvider time)
{
    private readonly ConcurrentDictionary<(uint Tunnel, ushort Call), GatewayCall> _calls = new();
    private readonly ConcurrentDictionary<SessionHandle, GatewayCall> _byHandle = new();
    private readonly Lock _gate = new();
    private readonly PriorityQueue<int, int> _freeInterfaces = new();
    private int _nextInterface = 1;
    private int _live;
    private bool _stopping;
    private bool _draining;
    private IDataplaneControl? _dataplane;
    private PptpListener? _listener;

    private volatile CallOrchestratorOptions _options = options;

    /// <summary>The options; a reload replaces the configuration and group in them (<see cref="Reconfigure"/>).</summary>
    public CallOrchestratorOptions Options => _options;
    public GatewayConfig Config => _options.Config;
    public VpdnGroupConfig Group => _options.Group;

    /// <summary>A reload: new calls are admitted and negotiated under <paramref name="config"/> and its dial-in <paramref name="group"/>.</summary>
    public void Reconfigure(GatewayConfig config, VpdnGroupConfig group) => _options = _options with { Config = config, Group = group };
    public GatewayLog Log { get; } = log;
    public TimeProvider Time { get; } = time;

    /// <summary>Tunnels that logged 603104 (a call came up): only these log 603105 when they close.</summary>
    public ConcurrentDictionary<uint, byte> AnnouncedTunnels { get; } = new();

    /// <summary>
    /// Adds (true) or removes (false) the host route of a client address outside the pool; returns a failure text or
    /// null. Set by the host once the dataplane's inside device is known; null: no per-call routes.
    /// </summary>
    public Func<uint, bool, string?>? HostRoute { get; set; }

    /// <summary>The dataplane (after <see cref="AttachDataplane"/>).</summary>
    public IDataplaneControl Dataplane => _dataplane ?? throw new InvalidOperationException("no dataplane attached");

    /// <summary>The dataplane, or null before it is attached.</summary>
    public IDataplaneControl? DataplaneOrNull => Volatile.Read(ref _dataplane);

    /// <summary>The listener, or null before it is attached.</summary>
    public PptpListener? Listener => Volatile.Read(ref _listener);

    public void AttachDataplane(IDataplaneControl dataplane)
    {
        ArgumentNullException.ThrowIfNull(dataplane);
        if (Interlocked.CompareExchange(ref _dataplane, dataplane, null) is not null)
            throw new InvalidOperationException("a dataplane is already attached");
    }

    public void AttachListener(PptpListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        if (Interlocked.CompareExchange(ref _listener, listener, null) is not null)
            throw new InvalidOperationException("a listener is already attached");
    }

    /// <summary>Calls admitted and not yet released.</summary>
    public int LiveCalls
    {
        get { lock (_gate) return _live; }
    }

    public bool Stopping
    {
        get { lock (_gate) return _stopping; }
    }

    /// <summary><c>shutdown soft</c>: from now on <see cref="TryAdmit"/> refuses new calls; the live ones run on.</summary>
    public void BeginDrain()
    {
        lock (_gate)
            _draining = true;
    }

    /// <summary><c>shutdown cancel</c>: <see cref="TryAdmit"/> admits again (unless the gateway is stopping).</summary>
    public void EndDrain()
    {
        lock (_gate)
            _draining = false;
    }

    /// <summary>From now on <see cref="TryAdmit"/> refuses; returns nothing, the caller marks the calls.</summary>
    public void BeginStop()
    {
        lock (_gate)
            _stopping = true;
    }

    private readonly Lock _users = new();

    /// <summary>
    /// <c>single-session</c>: claims <paramref name="user"/> for <paramref name="call"/> at its link-up. With
    /// <paramref name="deny"/>, false when another live call holds the name; otherwise true, and
    /// <paramref name="older"/> lists the live calls that hold it (for replace). One lock, so two sessions of a
    /// user coming up at once cannot both pass a deny.
    /// </summary>
    public bool TryClaimUser(GatewayCall call, string user, bool deny, out GatewayCall[] older)
    {
        lock (_users)
        {
            older = [.. _calls.Values.Where(c => !ReferenceEquals(c, call) && !c.IsCleared && string.Equals(c.ClaimedUser, user, StringComparison.Ordinal))];
            if (deny && older.Length > 0)
                return false;
            call.ClaimedUser = user;
            return true;
        }
    }

    /// <summary>Every live call.</summary>
    public ICollection<GatewayCall> All => _calls.Values;

    public bool TryGet(uint tunnelId, ushort callId, out GatewayCall? call) => _calls.TryGetValue((tunnelId, callId), out call);

    public bool TryGet(SessionHandle handle, out GatewayCall? call) => _byHandle.TryGetValue(handle, out call);

    /// <summary>Publishes an admitted call (after its dataplane session exists).</summary>
    public void Add(GatewayCall call)
    {
        _calls[(call.TunnelId, call.CallId)] = call;
        _byHandle[call.Handle] = call;
    }

    /// <summary>Unpublishes <paramref name="call"/>; true once, for the caller that releases it.</summary>
    public bool TryRemove(GatewayCall call)
    {
        if (!_calls.TryRemove(new KeyValuePair<(uint, ushort), GatewayCall>((call.TunnelId, call.CallId), call)))
            return false;
        _byHandle.TryRemove(new KeyValuePair<SessionHandle, GatewayCall>(call.Handle, call));
        return true;
    }

    /// <summary>
    /// Counts a new call against the limits under one lock and gives it a virtual interface number, or says which limit
    /// refused it. <paramref name="poolFull"/> is asked only when the session limit admits.
    /// </summary>
    public AdmissionVerdict TryAdmit(Func<int, bool> poolFull, out int virtualInterface)
    {
        lock (_gate)
        {
            virtualInterface = 0;
            if (_stopping || _draining)
                return AdmissionVerdict.Stopping;
            if (_live >= Config.Gateway.MaxSessions)
                return AdmissionVerdict.MaxSessions;
            int ifc = _freeInterfaces.TryDequeue(out int id, out _) ? id : _nextInterface++;
            if (poolFull(_live))
            {
                _freeInterfaces.Enqueue(ifc, ifc);
                virtualInterface = ifc; // for the log line only
                return AdmissionVerdict.PoolExhausted;
            }
            _live++;
            virtualInterface = ifc;
            return AdmissionVerdict.Admitted;
        }
    }

    /// <summary>Gives back what <see cref="TryAdmit"/> counted.</summary>
    public void Unadmit(int virtualInterface)
    {
        lock (_gate)
        {
            _live--;
            _freeInterfaces.Enqueue(virtualInterface, virtualInterface);
        }
    }
}
