using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Load;

/// <summary>
/// The load tool's dataplane ports (one worker, <see cref="DataplaneRole.Client"/>): outside the one raw GRE socket of
/// every PAC (<see cref="ClientGrePort"/>), inside an in-process <see cref="MemoryPort"/> whose other end is the traffic
/// generator's (<see cref="TrafficGenerator"/>): the tool's "hosts behind the PACs".
/// </summary>
internal sealed class LoadPortFactory(uint serverAddress, int ringCapacity) : IDataplanePortFactory
{
    public int MaxWorkers => 1;

    /// <summary>The outside port, once created.</summary>
    public ClientGrePort? Outside { get; private set; }

    /// <summary>The generator's end of the inside port, once created.</summary>
    public MemoryPort? PeerInside { get; private set; }

    public DataplanePortPair Create(PacketPool pool, int worker)
    {
        if (worker != 0 || Outside is not null)
            throw new InvalidOperationException("The load tool's dataplane has one worker.");
        var outside = new ClientGrePort(pool, serverAddress);
        (MemoryPort inside, MemoryPort peer) = MemoryPort.CreatePair(ringCapacity, 1, 2);
        Outside = outside;
        PeerInside = peer;
        return new DataplanePortPair(outside, inside, OutsideFraming.Ipv4, serverAddress, outside.WaitReadable, outside)
        {
            Role = DataplaneRole.Client,
        };
    }
}
