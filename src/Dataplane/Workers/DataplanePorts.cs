using System.Net;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Sessions;

namespace PptpGw.Dataplane.Workers;

/// <summary>What a packet on the outside port starts with.</summary>
public enum OutsideFraming
{
    /// <summary>
    /// The GRE header; the peer's address travels in <see cref="PacketBuffer.PeerAddress"/> (the kernel's raw socket
    /// strips and builds the IPv4 header itself: <see cref="RawGreSocket"/>).
    /// </summary>
    Gre = 0,

    /// <summary>
    /// The outer IPv4 header (RFC 791): the worker classifies it (protocol 47, not a fragment, source = peer) and
    /// builds it on transmit from <see cref="DataplanePortPair.LocalAddress"/>. For ports below the IP layer.
    /// </summary>
    Ipv4,
}

/// <summary>The two ports one worker polls, and how to wait on them when idle.</summary>
public sealed class DataplanePortPair : IDisposable
{
    private readonly Func<int, bool>? _waitReadable;
    private readonly IDisposable? _owner;

    /// <summary>Creates a pair.</summary>
    /// <param name="outside">GRE to and from the PPTP clients.</param>
    /// <param name="inside">IPv4 to and from the inside network.</param>
    /// <param name="framing">What outside packets start with.</param>
    /// <param name="localAddress">The gateway's outside address (host order): the source of outer IPv4 headers with <see cref="OutsideFraming.Ipv4"/>.</param>
    /// <param name="waitReadable">Waits up to the given milliseconds until either port may have packets (poll(2)); null = sleep.</param>
    /// <param name="owner">Disposed with the pair (e.g. the <see cref="KernelPort"/> that owns both ports).</param>
    /// <param name="insideDeviceName">The kernel interface behind the inside port (a TUN device), if any: where the host routes the address pool.</param>
    public DataplanePortPair(IPacketPort outside, IPacketPort inside, OutsideFraming framing = OutsideFraming.Gre,
        uint localAddress = 0, Func<int, bool>? waitReadable = null, IDisposable? owner = null, string? insideDeviceName = null)
    {
        InsideDeviceName = insideDeviceName;
        ArgumentNullException.ThrowIfNull(outside);
        ArgumentNullException.ThrowIfNull(inside);
        Outside = outside;
        Inside = inside;
        Framing = framing;
        LocalAddress = localAddress;
        _waitReadable = waitReadable;
        _owner = owner;
    }

    /// <summary>The outside port.</summary>
    public IPacketPort Outside { get; }

    /// <summary>The inside port.</summary>
    public IPacketPort Inside { get; }

    /// <summary>What outside packets start with.</summary>
    public OutsideFraming Framing { get; }

    /// <summary>Source address of the outer IPv4 headers the worker builds (host order).</summary>
    public uint LocalAddress { get; }

    /// <summary>The kernel interface behind the inside port (e.g. "pptpgw0"), or null for in-process ports.</summary>
    public string? InsideDeviceName { get; }

    /// <summary>
    /// Which end of the calls the worker is (<see cref="DataplaneRole.Client"/>: the load tool's PACs; then
    /// <see cref="LocalAddress"/> is the server's address and <see cref="Framing"/> must be <see cref="OutsideFraming.Ipv4"/>).
    /// </summary>
    public DataplaneRole Role { get; init; }

    /// <summary>
    /// Called once on the worker's own thread before its first loop, and <see cref="OnWorkerThreadExit"/> after its
    /// last: a backend registers the thread with its runtime there (DPDK: <c>rte_thread_register</c>, so the thread has
    /// an lcore id and mempool caches work).
    /// </summary>
    public Action? OnWorkerThreadStart { get; init; }

    /// <summary>See <see cref="OnWorkerThreadStart"/>.</summary>
    public Action? OnWorkerThreadExit { get; init; }

    /// <summary>What the pair disposes with itself (the backend's set of devices, e.g. the DPDK ports), for views of its counters.</summary>
    public IDisposable? Owner => _owner;

    /// <summary>
    /// Idle turns an idle worker spins (a short pause, then another look at the ports) before it waits in
    /// <see cref="Wait"/>: a burst may be just behind. Each turn costs the ports' receive calls (on the kernel port two
    /// system calls that find nothing), so a port whose look is dear spins less (<see cref="KernelPortFactory"/>).
    /// </summary>
    public int IdleSpinTurns { get; init; } = DefaultIdleSpinTurns;

    /// <summary>The spin before waiting that the memory and DPDK ports keep (their look at the ports is a memory read).</summary>
    public const int DefaultIdleSpinTurns = 64;

    /// <summary>True when the ports offer a blocking wait (poll) for idle workers.</summary>
    public bool CanWait => _waitReadable is not null;

    /// <summary>Waits until a port may be readable or the timeout passes; without a wait function, sleeps.</summary>
    public void Wait(int timeoutMilliseconds)
    {
        if (_waitReadable is not null)
            _ = _waitReadable(timeoutMilliseconds);
        else
            Thread.Sleep(timeoutMilliseconds);
    }

    /// <summary>Disposes the owner, if any (memory ports need nothing).</summary>
    public void Dispose() => _owner?.Dispose();
}

/// <summary>Creates each worker's ports when the dataplane is built.</summary>
public interface IDataplanePortFactory
{
    /// <summary>Most workers this backend can feed (a single shared kernel socket feeds one).</summary>
    int MaxWorkers { get; }

    /// <summary>Creates the ports of worker <paramref name="worker"/>; their packets come from <paramref name="pool"/>.</summary>
    DataplanePortPair Create(PacketPool pool, int worker);

    /// <summary>
    /// Buffers the pool must set aside for the backend's own free list (<see cref="PacketPool.ExternalCount"/>; the DPDK
    /// port's mbufs), on top of <see cref="DataplaneOptions.PoolCapacity"/>. 0 for backends that allocate from the pool.
    /// </summary>
    int ExternalBufferCount => 0;

    /// <summary>
    /// Called once every worker's ports exist, before the workers start: a backend that steers packets to their
    /// session's worker (the DPDK backend with several workers) looks owners up in <paramref name="sessions"/>.
    /// </summary>
    void BindSessions(SessionTable sessions)
    {
    }
}

/// <summary>
/// In-process ports for tests and benchmarks: one <see cref="MemoryPort"/> pair per worker for each side. The
/// worker holds one end; <see cref="PeerOutside"/> and <see cref="PeerInside"/> are the other ends, where a test
/// plays the PPTP client and the inside network.
/// </summary>
public sealed class MemoryPortFactory : IDataplanePortFactory
{
    private readonly List<MemoryPort> _peerOutside = [];
    private readonly List<MemoryPort> _peerInside = [];
    private readonly int _ringCapacity;
    private readonly OutsideFraming _framing;
    private readonly uint _localAddress;

    /// <summary>Creates the factory.</summary>
    /// <param name="ringCapacity">Slots per direction of every memory port (a power of two).</param>
    /// <param name="framing">What outside packets start with.</param>
    /// <param name="localAddress">The gateway's outside address for <see cref="OutsideFraming.Ipv4"/>.</param>
    public MemoryPortFactory(int ringCapacity = 4096, OutsideFraming framing = OutsideFraming.Gre, uint localAddress = 0)
    {
        _ringCapacity = ringCapacity;
        _framing = framing;
        _localAddress = localAddress;
    }

    /// <inheritdoc/>
    public int MaxWorkers => SessionTable.MaxWorkers;

    /// <summary>The outside end the test peer uses for worker <paramref name="worker"/>.</summary>
    public MemoryPort PeerOutside(int worker) => _peerOutside[worker];

    /// <summary>The inside end the test's "inside network" uses for worker <paramref name="worker"/>.</summary>
    public MemoryPort PeerInside(int worker) => _peerInside[worker];

    /// <inheritdoc/>
    public DataplanePortPair Create(PacketPool pool, int worker)
    {
        if (worker != _peerOutside.Count)
            throw new InvalidOperationException("Workers' ports are created in order, once each.");
        (MemoryPort outside, MemoryPort peerOutside) = MemoryPort.CreatePair(_ringCapacity, 0, 0);
        (MemoryPort inside, MemoryPort peerInside) = MemoryPort.CreatePair(_ringCapacity, 1, 1);
        _peerOutside.Add(peerOutside);
        _peerInside.Add(peerInside);
        return new DataplanePortPair(outside, inside, _framing, _localAddress);
    }
}

/// <summary>
/// The kernel backend (<see cref="KernelPort"/>): a raw GRE socket bound to the outside address and a TUN device
/// (e.g. <c>pptpgw0</c>) with the inside address. With <see cref="KernelPortOptions.Workers"/> &gt; 1 (issue 12),
/// worker 0 does both descriptors' I/O and steers each packet to its session's worker over rings, and sends what they
/// hand back (<see cref="KernelDispatchPort"/>, <see cref="KernelRingPort"/>): the other workers do GRE, PPP and MPPE.
/// The gateway routes its address pool to the TUN interface (<see cref="InterfaceName"/>), unless the pool lies in the
/// TUN's own prefix.
/// </summary>
public sealed class KernelPortFactory : IDataplanePortFactory
{
    private readonly KernelPortOptions _options;

    /// <summary>Creates the factory; the ports are opened in the network namespace of the thread that builds the dataplane.</summary>
    public KernelPortFactory(KernelPortOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Convenience: the outside address, the TUN name and its address/prefix.</summary>
    public KernelPortFactory(IPAddress outsideAddress, string interfaceName, IPAddress insideAddress, int insidePrefixLength)
        : this(new KernelPortOptions
        {
            OutsideAddress = outsideAddress,
            InsideInterfaceName = interfaceName,
            InsideAddress = insideAddress,
            InsidePrefixLength = insidePrefixLength,
        })
    {
    }

    /// <summary>Capacity of each steering ring (per worker and direction): 2,048 packets, 64 bursts.</summary>
    public const int SteeringRingCapacity = 2048;

    private SpscRing<PacketHandle>?[]? _outsideTo, _outsideFrom, _insideTo, _insideFrom;
    private KernelDispatchPort? _outsideDispatch, _insideDispatch;

    /// <inheritdoc/>
    public int MaxWorkers => Math.Max(1, _options.Workers);

    private int KernelIdleSpinTurns => _options.IdleSpinTurns;

    /// <summary>The ports, once created.</summary>
    public KernelPort? Port { get; private set; }

    /// <summary>Outside hand-off counters with several workers (null with one).</summary>
    public SteeringCounters? OutsideSteering => _outsideDispatch?.Counters;

    /// <summary>Inside hand-off counters with several workers (null with one).</summary>
    public SteeringCounters? InsideSteering => _insideDispatch?.Counters;

    /// <summary>The TUN interface's name as the kernel gave it (after creation).</summary>
    public string? InterfaceName => Port?.Inside.Name;

    /// <inheritdoc/>
    public DataplanePortPair Create(PacketPool pool, int worker)
    {
        ArgumentNullException.ThrowIfNull(pool);
        uint local = AddressConversion.ToHostOrder(_options.OutsideAddress);
        if (worker == 0)
        {
            if (Port is not null)
                throw new InvalidOperationException("The kernel ports are opened once.");
            KernelPort port = KernelPort.Create(pool, _options);
            Port = port;
            if (MaxWorkers == 1)
            {
                return new DataplanePortPair(port.Outside, port.Inside, OutsideFraming.Gre, local, port.WaitReadable, port, port.Inside.Name)
                {
                    IdleSpinTurns = KernelIdleSpinTurns,
                };
            }

            _outsideTo = Rings(MaxWorkers);
            _outsideFrom = Rings(MaxWorkers);
            _insideTo = Rings(MaxWorkers);
            _insideFrom = Rings(MaxWorkers);
            _outsideDispatch = new KernelDispatchPort(port.Outside, outside: true, _outsideTo, _outsideFrom, pool, new SteeringCounters());
            _insideDispatch = new KernelDispatchPort(port.Inside, outside: false, _insideTo, _insideFrom, pool, new SteeringCounters());
            return new DataplanePortPair(_outsideDispatch, _insideDispatch, OutsideFraming.Gre, local, port.WaitReadable, port, port.Inside.Name)
            {
                IdleSpinTurns = KernelIdleSpinTurns,
            };
        }

        if (Port is null || _outsideTo is null || _outsideFrom is null || _insideTo is null || _insideFrom is null
            || _outsideDispatch is null || _insideDispatch is null || worker >= MaxWorkers)
            throw new InvalidOperationException($"The kernel backend feeds {MaxWorkers} worker(s), created in order.");
        var outside = new KernelRingPort(_outsideTo[worker]!, _outsideFrom[worker]!, pool, _outsideDispatch.Counters);
        var inside = new KernelRingPort(_insideTo[worker]!, _insideFrom[worker]!, pool, _insideDispatch.Counters);
        // No descriptor to poll: an idle worker sleeps 1 ms (DataplanePortPair.Wait), as DPDK's ring workers do.
        return new DataplanePortPair(outside, inside, OutsideFraming.Gre, local);
    }

    /// <inheritdoc/>
    public void BindSessions(SessionTable sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        _outsideDispatch?.Bind(sessions);
        _insideDispatch?.Bind(sessions);
    }

    private static SpscRing<PacketHandle>?[] Rings(int workers)
    {
        var rings = new SpscRing<PacketHandle>?[workers];
        for (int w = 1; w < workers; w++)
            rings[w] = new SpscRing<PacketHandle>(SteeringRingCapacity);
        return rings;
    }
}
