using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Ports.Dpdk;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Load;

/// <summary>
/// The load tool's dataplane ports over DPDK (one worker, <see cref="DataplaneRole.Client"/>): outside the
/// <see cref="DpdkLoadPorts"/> (a DPDK device and its exception TAP), inside the traffic generator's
/// <see cref="MemoryPort"/>, as in <see cref="LoadPortFactory"/>. The worker runs as an EAL thread.
/// </summary>
internal sealed class DpdkLoadPortFactory(DpdkLoadSettings settings, uint serverAddress, int ringCapacity) : IDataplanePortFactory
{
    public int MaxWorkers => 1;

    public int ExternalBufferCount => settings.MbufCount;

    /// <summary>What was opened, once created.</summary>
    public DpdkLoadPorts? Ports { get; private set; }

    /// <summary>The generator's end of the inside port, once created.</summary>
    public MemoryPort? PeerInside { get; private set; }

    public DataplanePortPair Create(PacketPool pool, int worker)
    {
        if (worker != 0 || Ports is not null)
            throw new InvalidOperationException("The load tool's dataplane has one worker.");
        DpdkLoadPorts ports = DpdkLoadPorts.Open(settings, pool);
        (MemoryPort inside, MemoryPort peer) = MemoryPort.CreatePair(ringCapacity, 1, 2);
        Ports = ports;
        PeerInside = peer;
        return new DataplanePortPair(ports.Outside, inside, OutsideFraming.Ipv4, serverAddress, waitReadable: null, owner: ports)
        {
            Role = DataplaneRole.Client,
            OnWorkerThreadStart = DpdkEal.RegisterThread,
            OnWorkerThreadExit = DpdkEal.UnregisterThread,
        };
    }
}
