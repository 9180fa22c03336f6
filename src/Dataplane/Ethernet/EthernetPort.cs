using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Packets;
using PptpGw.Dataplane.Ports;

namespace PptpGw.Dataplane.Ethernet;

/// <summary>
/// Layer 2 in front of an Ethernet link (a DPDK port, or a <see cref="MemoryPort"/> in tests): the workers see IPv4
/// packets (<c>OutsideFraming.Ipv4</c> on the outside), this port removes and adds the Ethernet II header, answers ARP
/// for the gateway's address, resolves next hops through a <see cref="NeighbourCache"/> and hands everything that is
/// not for the fast path to an exception port — a TAP device into the kernel — and sends what the kernel sends.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Unlike the kernel ports, receive and transmit must be called by the same thread (the
/// worker): receiving also transmits (ARP replies, the kernel's frames) and both use the neighbour cache.</para>
/// <para><b>Exception path</b> (outside): TCP 1723, ICMP to the gateway, IPv4 not GRE, ARP replies and requests for
/// other addresses go to the kernel unchanged; the kernel's interface has the gateway's address and this port's MAC,
/// so the control plane's TCP socket works as on any host. ARP requests for the gateway's address are answered here
/// (the kernel would answer the same).</para>
/// <para>Nothing here allocates per packet: ARP replies are written over the request's own buffer; only ARP requests
/// this port originates take a packet from the pool.</para>
/// </remarks>
public sealed class EthernetPort : IPacketPort
{
    private readonly IPacketPort _link;
    private readonly IPacketPort? _exception;
    private readonly PacketPool _pool;
    private readonly TimeProvider _time;
    private readonly MacAddress _mac;
    private readonly uint _address;
    private readonly uint _addressCount;
    private readonly uint _mask;
    private readonly uint _nextHop;
    private readonly bool _outside;
    private readonly NeighbourCache _neighbours;
    private readonly PacketHandle[] _rx = new PacketHandle[PacketBurst.Size];
    private readonly PacketHandle[] _toLink = new PacketHandle[2 * PacketBurst.Size];
    private readonly PacketHandle[] _toKernel = new PacketHandle[PacketBurst.Size];
    private int _toLinkCount;
    private int _toKernelCount;

    /// <summary>Creates the port.</summary>
    /// <param name="link">The Ethernet link (frames in both directions).</param>
    /// <param name="options">Addresses and timers.</param>
    /// <param name="pool">The dataplane's pool: ARP requests are taken from it, dropped packets go back to it.</param>
    /// <param name="exception">Where frames for the host go (a TAP device), or null to drop them (counted).</param>
    /// <param name="time">The clock of the neighbour cache.</param>
    public EthernetPort(IPacketPort link, EthernetPortOptions options, PacketPool pool, IPacketPort? exception = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(options.PrefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PrefixLength, 32);
        _link = link;
        _exception = exception;
        _pool = pool;
        _time = time ?? TimeProvider.System;
        _mac = options.LocalMac;
        _address = options.LocalAddress;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.LocalAddressCount, 1);
        _addressCount = (uint)options.LocalAddressCount;
        if ((ulong)_address + _addressCount - 1 > uint.MaxValue
            || ((_address ^ (_address + _addressCount - 1)) & (options.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - options.PrefixLength))) != 0)
            throw new ArgumentException("the local addresses must lie on the link's subnet", nameof(options));
        _mask = options.PrefixLength == 0 ? 0 : uint.MaxValue << (32 - options.PrefixLength);
        _nextHop = options.NextHop;
        _outside = options.Role == EthernetRole.Outside;
        _neighbours = new NeighbourCache(options.NeighbourCapacity, _time.TimestampFrequency, options.ReachableTime, options.RetryInterval, pool);
        Options = options;
    }

    /// <summary>The settings.</summary>
    public EthernetPortOptions Options { get; }

    /// <summary>Counters (owner-written).</summary>
    public EthernetCounters Counters { get; } = new();

    /// <summary>The neighbour table (owner thread only).</summary>
    public NeighbourCache Neighbours => _neighbours;

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        long now = _time.GetTimestamp();
        Span<PacketHandle> rx = _rx;

        int up = 0;
        if (_exception is not null)
        {
            if (_outside)
            {
                // The kernel's frames (TCP 1723 replies, its ARP, ICMP) go out unchanged.
                int k = _exception.ReceiveBurst(rx);
                for (int i = 0; i < k; i++)
                    QueueLink(rx[i]);
                Counters.FromKernel += k;
            }
            else
            {
                up = FromInsideKernel(rx[..Math.Min(rx.Length, destination.Length)], destination, now);
            }
        }

        int n = _link.ReceiveBurst(rx[..Math.Min(rx.Length, destination.Length - up)]);
        Counters.FramesReceived += n;
        int fromKernel = up;
        for (int i = 0; i < n; i++)
        {
            PacketHandle packet = rx[i];
            if (Classify(packet, now))
                destination[up++] = packet;
        }

        FlushKernel();
        FlushLink();
        Counters.ToWorker += up - fromKernel;
        return up;
    }

    // The inside exception path's kernel side is NOARP (KernelInterface.Configure): every IPv4 frame it sends is
    // addressed to its own MAC, and this port does layer 2 for it. On-link destinations (the inside LAN: replies to
    // hosts that pinged or reached the gateway's inside address) are resolved and sent on the link here; the rest came
    // through the pool's routes (a reply to a client that pinged the gateway's tunnel address) and go up to the workers,
    // which tunnel them like any inside packet (or drop them, counted, when no session owns the address).
    private int FromInsideKernel(Span<PacketHandle> rx, Span<PacketHandle> destination, long now)
    {
        int k = _exception!.ReceiveBurst(rx);
        Counters.FromKernel += k;
        int up = 0;
        for (int i = 0; i < k; i++)
        {
            PacketHandle packet = rx[i];
            if (EthernetFrame.TryParse(packet.Data, out EthernetFrame eth) != EthernetError.None
                || eth.EtherType != EthernetFrame.EtherTypeIpv4
                || Ipv4Header.TryParse(eth.Payload, out Ipv4Header ip, verifyChecksum: false) != Ipv4Error.None)
            {
                // IPv6, ARP (it should send none) or garbage: this port carries IPv4 only.
                Counters.DroppedUnhandled++;
                Free(packet);
                continue;
            }

            _ = packet.TryRemoveFront(EthernetFrame.HeaderLength);
            uint to = ip.DestinationAddress;
            if (OnLink(to) || to == 0xFFFFFFFF)
            {
                if (to == 0xFFFFFFFF || to == (_address | ~_mask))
                {
                    // Broadcasts from the kernel stay in the kernel's own business here; not forwarded.
                    Counters.DroppedUnhandled++;
                    Free(packet);
                    continue;
                }

                SendIpv4(packet, to, now);
                continue;
            }

            destination[up++] = packet;
        }

        return up;
    }

    /// <inheritdoc/>
    /// <remarks>Takes every packet: those whose neighbour is unknown wait in the cache (one per neighbour) or are dropped and counted.</remarks>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        long now = _time.GetTimestamp();
        foreach (PacketHandle packet in packets)
        {
            if (Ipv4Header.TryParse(packet.Data, out Ipv4Header ip, verifyChecksum: false) != Ipv4Error.None)
            {
                Counters.DroppedMalformed++;
                Free(packet);
                continue;
            }

            uint destination = ip.DestinationAddress;
            if (IsLocal(destination))
            {
                // For the gateway itself (a client pinging the inside address through its tunnel): never ARP for our own
                // address (RFC 826 would get no answer); the kernel gets it when this port has an exception path, else it
                // is dropped and counted as unhandled. The kernel's side shares this port's MAC: the frame is addressed to it.
                if (_exception is not null)
                {
                    if (!packet.TryPrepend(EthernetFrame.HeaderLength, out Span<byte> header))
                    {
                        Counters.DroppedMalformed++;
                        Free(packet);
                        continue;
                    }

                    _ = EthernetFrameWriter.TryWriteHeader(header, _mac, _mac, EthernetFrame.EtherTypeIpv4);
                }

                ToKernelOrDrop(packet);
                continue;
            }

            uint hop = OnLink(destination) ? destination : _nextHop;
            if (hop == 0)
            {
                Counters.DroppedNoRoute++;
                Free(packet);
                continue;
            }

            SendIpv4(packet, hop, now);
        }

        FlushKernel();
        FlushLink();
        return packets.Length;
    }

    /// <summary>Frees the packets waiting for neighbours (teardown).</summary>
    public void ReleaseHeld() => _neighbours.ReleaseHeld(p => _pool.Free(p));

    /// <summary>Sends an ARP request for <paramref name="address"/> now if none went out within the retry time (e.g. to resolve the next hop at start).</summary>
    public void Resolve(uint address)
    {
        if (_neighbours.Need(address, _time.GetTimestamp(), default))
            SendRequest(address);
        FlushLink();
    }

    // True: the packet goes up (Ethernet header removed). False: it was consumed (answered, queued, freed).
    private bool Classify(PacketHandle packet, long now)
    {
        if (EthernetFrame.TryParse(packet.Data, out EthernetFrame eth) != EthernetError.None)
        {
            Counters.DroppedMalformed++;
            Free(packet);
            return false;
        }

        bool group = eth.Destination.IsMulticast;
        if (!group && eth.Destination != _mac)
        {
            Counters.DroppedNotForUs++;
            Free(packet);
            return false;
        }

        switch (eth.EtherType)
        {
            case EthernetFrame.EtherTypeIpv4:
                if (Ipv4Header.TryParse(eth.Payload, out Ipv4Header ip, verifyChecksum: false) != Ipv4Error.None)
                {
                    // Malformed for us; the kernel counts its own errors.
                    ToKernelOrDrop(packet);
                    return false;
                }

                bool forGateway = IsLocal(ip.DestinationAddress);
                bool fastPath = _outside
                    ? forGateway && !group && ip.Protocol == Ipv4Header.ProtocolGre && !ip.IsFragment
                    : !forGateway && !group;
                if (fastPath)
                {
                    _ = packet.TryRemoveFront(EthernetFrame.HeaderLength);
                    return true;
                }

                ToKernelOrDrop(packet);
                return false;

            case EthernetFrame.EtherTypeArp:
                HandleArp(packet, eth.Payload, now);
                return false;

            default:
                ToKernelOrDrop(packet);
                return false;
        }
    }

    private void HandleArp(PacketHandle packet, ReadOnlySpan<byte> payload, long now)
    {
        if (ArpPacket.TryParse(payload, out ArpPacket arp) != ArpError.None)
        {
            Counters.DroppedMalformed++;
            Free(packet);
            return;
        }

        uint sender = arp.SenderProtocolAddress;
        MacAddress senderMac = arp.SenderHardwareAddress;
        bool usable = sender != 0 && !IsLocal(sender) && OnLink(sender) && !senderMac.IsMulticast && senderMac != MacAddress.Zero;
        uint target = arp.TargetProtocolAddress;
        if (!IsLocal(target))
        {
            // Someone else's exchange, or a gratuitous ARP: update what we know (RFC 826 merge flag), never create.
            if (usable && _neighbours.Refresh(sender, senderMac, now))
                Counters.ArpLearned++;
            ToKernelOrDrop(packet);
            return;
        }

        // RFC 826: the target is us, so merge the sender into the table (create if new), and send what waited for it.
        if (usable)
        {
            Counters.ArpLearned++;
            PacketHandle held = _neighbours.Confirm(sender, senderMac, now);
            if (!held.IsNull)
                WriteEthernet(held, senderMac);
        }

        if (arp.Operation == ArpOperation.Reply)
        {
            // The kernel may have asked (it uses our address and MAC too): it gets the reply as well.
            ToKernelOrDrop(packet);
            return;
        }

        if (!usable)
        {
            Counters.DroppedMalformed++;
            Free(packet);
            return;
        }

        // The reply is written over the request (RFC 826: swap, fill in our hardware address, opcode reply).
        Span<byte> frame = packet.Data;
        _ = EthernetFrameWriter.TryWriteHeader(frame, senderMac, _mac, EthernetFrame.EtherTypeArp);
        _ = ArpPacketWriter.TryWrite(frame[EthernetFrame.HeaderLength..], ArpOperation.Reply, _mac, target, senderMac, sender);
        Counters.ArpRequestsAnswered++;
        QueueLink(packet);
    }

    private void SendIpv4(PacketHandle packet, uint hop, long now)
    {
        NeighbourState state = _neighbours.Lookup(hop, now, out MacAddress mac);
        if (state == NeighbourState.Unresolved)
        {
            Counters.WaitedForNeighbour++;
            if (_neighbours.Need(hop, now, packet))
                SendRequest(hop);
            return;
        }

        if (state == NeighbourState.Stale && _neighbours.Need(hop, now, default))
            SendRequest(hop);
        WriteEthernet(packet, mac);
    }

    private void WriteEthernet(PacketHandle packet, MacAddress to)
    {
        if (!packet.TryPrepend(EthernetFrame.HeaderLength, out Span<byte> header))
        {
            Counters.DroppedMalformed++;
            Free(packet);
            return;
        }

        _ = EthernetFrameWriter.TryWriteHeader(header, to, _mac, EthernetFrame.EtherTypeIpv4);
        QueueLink(packet);
    }

    private void SendRequest(uint address)
    {
        if (!_pool.TryAllocate(out PacketHandle packet))
            return;
        if (!packet.TryAppend(EthernetFrame.MinimumLength, out Span<byte> frame))
        {
            _pool.Free(packet);
            return;
        }

        frame.Clear(); // the padding after the 42 octets
        _ = EthernetFrameWriter.TryWriteHeader(frame, MacAddress.Broadcast, _mac, EthernetFrame.EtherTypeArp);
        _ = ArpPacketWriter.TryWrite(frame[EthernetFrame.HeaderLength..], ArpOperation.Request, _mac, _address, MacAddress.Zero, address);
        Counters.ArpRequestsSent++;
        QueueLink(packet);
    }

    private bool OnLink(uint address) => ((address ^ _address) & _mask) == 0;

    /// <summary>One of this port's addresses (<see cref="EthernetPortOptions.LocalAddressCount"/> from the first): one compare.</summary>
    private bool IsLocal(uint address) => address - _address < _addressCount;

    private void ToKernelOrDrop(PacketHandle packet)
    {
        if (_exception is null)
        {
            Counters.DroppedUnhandled++;
            Free(packet);
            return;
        }

        if (_toKernelCount == _toKernel.Length)
            FlushKernel();
        _toKernel[_toKernelCount++] = packet;
    }

    private void QueueLink(PacketHandle packet)
    {
        if (_toLinkCount == _toLink.Length)
            FlushLink();
        _toLink[_toLinkCount++] = packet;
    }

    private void FlushLink()
    {
        if (_toLinkCount == 0)
            return;
        int sent = _link.TransmitBurst(_toLink.AsSpan(0, _toLinkCount));
        Counters.FramesSent += sent;
        DropUnsent(_toLink.AsSpan(sent, _toLinkCount - sent));
        _toLinkCount = 0;
    }

    private void FlushKernel()
    {
        if (_toKernelCount == 0)
            return;
        int sent = _exception!.TransmitBurst(_toKernel.AsSpan(0, _toKernelCount));
        Counters.ToKernel += sent;
        DropUnsent(_toKernel.AsSpan(sent, _toKernelCount - sent));
        _toKernelCount = 0;
    }

    private void DropUnsent(ReadOnlySpan<PacketHandle> unsent)
    {
        if (unsent.IsEmpty)
            return;
        Counters.DroppedTransmit += unsent.Length;
        _pool.FreeBurst(unsent);
    }

    private void Free(PacketHandle packet) => _pool.Free(packet);
}
