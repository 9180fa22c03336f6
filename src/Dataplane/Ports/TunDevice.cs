using System.Buffers.Binary;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Offload;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The kernel backend of the inside port: a Linux TUN interface (IFF_TUN | IFF_NO_PI), so each
/// read or write is exactly one IPv4 packet with no extra header (Documentation/networking/tuntap).
/// </summary>
/// <remarks>
/// <para>TUN has no batched read, so a receive burst is a loop of non-blocking reads until EAGAIN
/// or the burst is full, and a transmit burst a loop of writes; one system call per packet.</para>
/// <para>The device and the control socket used to configure it belong to the network namespace
/// of the thread that constructs the object; configuration methods work from any thread after.</para>
/// <para>With TCP coalescing (issue 12) the device is opened with IFF_VNET_HDR: every read and write starts with a
/// <see cref="VirtioNetHeader"/>. A transmit burst's consecutive segments of one TCP flow are written as one
/// super-packet (<see cref="TcpCoalescer"/>: GSO TCPV4, checksum partial), which the kernel routes and delivers once
/// instead of once per segment — the kernel's per-packet receive path is most of what a TUN write costs. Coalescing
/// alone sets no TUNSETOFFLOAD, so the kernel hands the port complete, checksummed packets (a header asking for a
/// checksum is honoured all the same).</para>
/// <para>Packets read that are not IPv4 (e.g. IPv6 the kernel may emit) or whose IPv4 total length
/// disagrees with the read are dropped and counted: the inside of a PPTP gateway is IPv4 only
/// (IPCP, RFC 1332).</para>
/// </remarks>
public sealed unsafe class TunDevice : IPacketPort, IDisposable
{
    private const string CloneDevice = "/dev/net/tun";

    /// <summary>
    /// The transmit queue length a TUN device gets by default here: 2,000 packets instead of the driver's 500
    /// (TUN_READQ_SIZE, drivers/net/tun.c). The queue holds what the kernel routed into the device until the reader
    /// takes it; when full, tun_net_xmit drops (tx_dropped), which a TCP flow through the tunnel sees as loss. A
    /// polled reader on a busy host is sometimes descheduled for milliseconds: 500 packets is 17 ms at 30,000/s.
    /// </summary>
    public const int DefaultTxQueueLength = 2000;

    private readonly PacketCache _rxCache;
    private readonly PacketCache _txCache;
    private readonly TcpCoalescer? _coalescer;
    private readonly bool _virtioHeaders;
    private readonly bool _segmentsTcp;
    // TSO on reads: a super-packet that does not fit one packet buffer is read on into this (pinned) scratch, made
    // contiguous there and segmented from it; what a burst has no room for stays here for the next burst.
    private readonly byte[]? _superPacket;
    private readonly Libc.IoVec[] _rxIov = GC.AllocateArray<Libc.IoVec>(2, pinned: true);
    private TcpSuperPacket _pending;
    private int _pendingNext;
    private readonly byte[] _noOffloadHeader = GC.AllocateArray<byte>(VirtioNetHeader.Size, pinned: true);
    private readonly Libc.IoVec[] _txIov = GC.AllocateArray<Libc.IoVec>(2, pinned: true);
    private readonly int _fd;
    private readonly int _controlSocket;
    private int _closed;
    private PortCounters _counters;

    /// <summary>Creates (or attaches to) a TUN interface in the calling thread's network namespace. The interface starts down.</summary>
    /// <param name="pool">Where received packets are allocated and sent packets freed.</param>
    /// <param name="name">Interface name (at most 15 bytes); a <c>%d</c> lets the kernel pick a number.</param>
    /// <param name="portId">Stamped on received packets (<see cref="PacketBuffer.Port"/>).</param>
    /// <param name="txQueueLength">The device's transmit queue length (SIOCSIFTXQLEN), or 0 for the driver's 500.</param>
    /// <param name="coalesceTcp">Open with IFF_VNET_HDR and write consecutive TCP segments of a flow as one super-packet.</param>
    /// <param name="segmentTcp">Open with IFF_VNET_HDR and offer the kernel checksum offload and TSO4 (TUNSETOFFLOAD): it
    /// hands over TCP super-packets of up to 64 KiB, which the port segments into complete datagrams on receive.</param>
    /// <exception cref="PortSetupException">ENOENT when /dev/net/tun is missing, EPERM without root/CAP_NET_ADMIN, EBUSY when the name is taken by another device.</exception>
    public TunDevice(PacketPool pool, string name = "pgw%d", ushort portId = 1, int txQueueLength = DefaultTxQueueLength, bool coalesceTcp = false,
        bool segmentTcp = false)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(name);
        int nameBytes = Encoding.ASCII.GetByteCount(name);
        if (nameBytes == 0 || nameBytes >= Libc.IFNAMSIZ)
        {
            throw new ArgumentException($"An interface name has 1 to {Libc.IFNAMSIZ - 1} bytes: '{name}'.", nameof(name));
        }

        int fd = Libc.Open(CloneDevice, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            throw new PortSetupException($"open({CloneDevice})", errno, errno switch
            {
                Libc.ENOENT or Libc.ENODEV or Libc.ENXIO => "The TUN driver is not available: load it (modprobe tun) or create the node (mknod /dev/net/tun c 10 200).",
                Libc.EPERM or Libc.EACCES => "TUN devices need root or the CAP_NET_ADMIN capability.",
                _ => null,
            });
        }

        int control = -1;
        try
        {
            Libc.IfReq request = default;
            Encoding.ASCII.GetBytes(name, new Span<byte>(request.Name, Libc.IFNAMSIZ));
            request.Flags = (short)(Libc.IFF_TUN | Libc.IFF_NO_PI | (coalesceTcp || segmentTcp ? Libc.IFF_VNET_HDR : 0));
            if (Libc.Ioctl(fd, Libc.TUNSETIFF, &request) != 0)
            {
                int errno = Libc.Errno;
                throw new PortSetupException($"ioctl(TUNSETIFF, {name})", errno, errno switch
                {
                    Libc.EPERM or Libc.EACCES => "TUN devices need root or the CAP_NET_ADMIN capability.",
                    Libc.EBUSY or Libc.EINVAL => $"An interface named '{name}' exists and is not a free TUN device.",
                    _ => null,
                });
            }

            Name = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(request.Name, Libc.IFNAMSIZ)).TrimEnd('\0');

            // TUNSETOFFLOAD (drivers/net/tun.c set_offload): TUN_F_CSUM lets the kernel leave checksums partial
            // (completed in CompleteOffloads), TSO4 lets it hand over GSO TCPV4 super-packets instead of segmenting
            // them itself (validate_xmit_skb → skb_gso_segment), TSO_ECN those with CWR (cleared past the first segment).
            if (segmentTcp && Libc.Ioctl(fd, Libc.TUNSETOFFLOAD, (void*)(nuint)(Libc.TUN_F_CSUM | Libc.TUN_F_TSO4 | Libc.TUN_F_TSO_ECN)) != 0)
            {
                throw new PortSetupException($"ioctl(TUNSETOFFLOAD, {Name}, CSUM|TSO4|TSO_ECN)", Libc.Errno, null);
            }

            control = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
            if (control < 0)
            {
                throw new PortSetupException("socket(AF_INET, SOCK_DGRAM) for interface configuration", Libc.Errno, null);
            }
        }
        catch
        {
            _ = Libc.Close(fd);
            throw;
        }

        _fd = fd;
        _controlSocket = control;
        PortId = portId;
        _rxCache = pool.CreateCache();
        _txCache = pool.CreateCache();
        _virtioHeaders = coalesceTcp || segmentTcp;
        if (_virtioHeaders)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(pool.Headroom, VirtioNetHeader.Size, nameof(pool));
        }

        if (coalesceTcp)
        {
            _coalescer = new TcpCoalescer();
        }

        if (segmentTcp)
        {
            _segmentsTcp = true;
            _superPacket = GC.AllocateArray<byte>(pool.BufferSize + MaxSuperPacketLength, pinned: true);
        }

        if (txQueueLength > 0)
        {
            try
            {
                SetTxQueueLength(txQueueLength);
            }
            catch
            {
                Dispose();
                throw;
            }
        }
    }

    /// <summary>The interface name the kernel gave (e.g. <c>pgw0</c>).</summary>
    public string Name { get; }

    /// <summary>Stamped on received packets.</summary>
    public ushort PortId { get; }

    /// <summary>True when the device carries virtio headers and the port coalesces TCP segments on transmit.</summary>
    public bool CoalescesTcp => _coalescer is not null;

    /// <summary>True when the device offers TSO4 to the kernel and the port segments super-packets on receive.</summary>
    public bool SegmentsTcp => _segmentsTcp;

    /// <summary>Segments of a super-packet already read that a receive burst had no room for: the next burst starts with them.</summary>
    public int PendingSegments => _pending.SegmentCount - _pendingNext;

    /// <summary>The TUN file descriptor (for a worker's own poll set).</summary>
    public int FileDescriptor => _fd;

    /// <summary>A snapshot of the counters.</summary>
    public PortCounters Counters => _counters;

    /// <summary>Sets the address, the MTU, and brings the interface up.</summary>
    /// <param name="address">The kernel's own address on the inside link.</param>
    /// <param name="prefixLength">0..32.</param>
    /// <param name="mtu">Interface MTU; at most the pool's buffer size minus its headroom.</param>
    public void Configure(IPAddress address, int prefixLength, int mtu)
    {
        SetAddress(address, prefixLength);
        SetMtu(mtu);
        SetUp(true);
    }

    /// <summary>SIOCSIFADDR + SIOCSIFNETMASK.</summary>
    public void SetAddress(IPAddress address, int prefixLength)
    {
        uint host = AddressConversion.ToHostOrder(address);
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        uint mask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);

        Libc.IfReq request = NewRequest();
        request.Address = new Libc.SockAddrIn { Family = Libc.AF_INET, AddressBigEndian = AddressConversion.ToNetworkOrder(host) };
        InterfaceIoctl(Libc.SIOCSIFADDR, ref request, $"ioctl(SIOCSIFADDR, {Name}, {address})");

        request = NewRequest();
        request.Address = new Libc.SockAddrIn { Family = Libc.AF_INET, AddressBigEndian = AddressConversion.ToNetworkOrder(mask) };
        InterfaceIoctl(Libc.SIOCSIFNETMASK, ref request, $"ioctl(SIOCSIFNETMASK, {Name}, /{prefixLength})");
    }

    /// <summary>SIOCSIFMTU.</summary>
    public void SetMtu(int mtu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mtu, 68); // RFC 791: every host must accept 68 octets
        ArgumentOutOfRangeException.ThrowIfGreaterThan(mtu, _rxCache.Pool.BufferSize - _rxCache.Pool.Headroom);
        Libc.IfReq request = NewRequest();
        request.Value = mtu;
        InterfaceIoctl(Libc.SIOCSIFMTU, ref request, $"ioctl(SIOCSIFMTU, {Name}, {mtu})");
    }

    /// <summary>SIOCSIFTXQLEN: how many packets the kernel queues for the reader before it drops (tx_dropped).</summary>
    public void SetTxQueueLength(int packets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(packets, 1);
        Libc.IfReq request = NewRequest();
        request.Value = packets;
        InterfaceIoctl(Libc.SIOCSIFTXQLEN, ref request, $"ioctl(SIOCSIFTXQLEN, {Name}, {packets})");
    }

    /// <summary>Sets or clears IFF_UP (SIOCGIFFLAGS then SIOCSIFFLAGS).</summary>
    public void SetUp(bool up)
    {
        Libc.IfReq request = NewRequest();
        InterfaceIoctl(Libc.SIOCGIFFLAGS, ref request, $"ioctl(SIOCGIFFLAGS, {Name})");
        request.Flags = up ? (short)(request.Flags | Libc.IFF_UP) : (short)(request.Flags & ~Libc.IFF_UP);
        InterfaceIoctl(Libc.SIOCSIFFLAGS, ref request, $"ioctl(SIOCSIFFLAGS, {Name})");
    }

    /// <inheritdoc/>
    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        ObjectDisposedException.ThrowIf(_closed != 0, this);
        int want = Math.Min(destination.Length, PacketBurst.Size);
        if (want == 0)
        {
            return 0;
        }

        Span<PacketHandle> buffers = stackalloc PacketHandle[PacketBurst.Size];
        int armed = _rxCache.AllocateBurst(buffers[..want]);
        if (armed == 0)
        {
            _counters.RxNoBuffers++;
            return 0;
        }

        int headroom = _rxCache.Pool.Headroom;
        // With virtio headers the read starts that much earlier, so the packet still lands at the headroom.
        int prefix = _virtioHeaders ? VirtioNetHeader.Size : 0;
        int delivered = 0;
        if (_segmentsTcp)
        {
            delivered = Segment(buffers[..armed], destination, 0);
        }

        while (delivered < armed)
        {
            PacketBuffer* b = buffers[delivered].Pointer;
            byte* data = b->BufferAddress + headroom;
            nint read = _segmentsTcp
                ? ReadPossiblySuper(data - prefix, b->BufferLength - headroom + prefix)
                : Libc.Read(_fd, data - prefix, (nuint)(b->BufferLength - headroom + prefix));
            if (read <= 0)
            {
                int errno = read < 0 ? Libc.Errno : Libc.EAGAIN;
                if (errno is Libc.EAGAIN or Libc.EINTR)
                {
                    _counters.RxWouldBlock++;
                }
                else
                {
                    _counters.RxErrors++;
                    _counters.LastRxErrno = errno;
                }

                break;
            }

            int room = b->BufferLength - headroom + prefix;
            if (_segmentsTcp && (read > room || data[1 - prefix] != VirtioNetHeader.GsoNone))
            {
                // A super-packet (or one GSO marked, whatever its size): contiguous in the scratch, then segmented.
                if (!StartSuperPacket(data - prefix, (int)read, room))
                {
                    _counters.RxDropped++;
                    continue;
                }

                delivered = Segment(buffers[..armed], destination, delivered);
                continue;
            }

            // A packet larger than the room is cut short by the read; the total length shows it.
            int length = (int)read - prefix;
            if (length < 20 || (data[0] >> 4) != 4 || BinaryPrimitives.ReadUInt16BigEndian(new ReadOnlySpan<byte>(data + 2, 2)) != length
                || (prefix != 0 && !CompleteOffloads(new ReadOnlySpan<byte>(data - prefix, prefix), new Span<byte>(data, length))))
            {
                _counters.RxDropped++;
                continue; // reuse this buffer for the next read
            }

            b->DataOffset = (ushort)headroom;
            b->DataLength = (ushort)length;
            b->Port = PortId;
            _counters.RxBytes += length;
            destination[delivered] = buffers[delivered];
            delivered++;
        }

        if (delivered < armed)
        {
            _rxCache.FreeBurst(buffers[delivered..armed]);
        }

        _counters.RxPackets += delivered;
        return delivered;
    }

    /// <summary>The largest GSO packet a TUN device hands over: GSO_LEGACY_MAX_SIZE (no BIG TCP on TUN).</summary>
    private const int MaxSuperPacketLength = 65536;

    // readv: the packet buffer first (the common case, a datagram that fits, lands in place), the scratch after it
    // for the rest of a super-packet.
    private nint ReadPossiblySuper(byte* start, int room)
    {
        Libc.IoVec* iov = (Libc.IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_rxIov));
        byte* scratch = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_superPacket!));
        iov[0].Base = start;
        iov[0].Length = (nuint)room;
        iov[1].Base = scratch + room;
        iov[1].Length = (nuint)(_superPacket!.Length - room);
        return Libc.Readv(_fd, iov, 2);
    }

    // Makes the read (virtio header + packet, 'read' octets: the first 'room' of them at 'start') contiguous at the
    // front of the scratch and parses its layout; false (to drop) when it is not a TCP super-packet the port can cut.
    private bool StartSuperPacket(byte* start, int read, int room)
    {
        Span<byte> scratch = _superPacket.AsSpan();
        new ReadOnlySpan<byte>(start, Math.Min(read, room)).CopyTo(scratch);
        int maxSegment = _rxCache.Pool.BufferSize - _rxCache.Pool.Headroom;
        TcpSuperPacketError error = TcpSuperPacket.TryParse(scratch[..VirtioNetHeader.Size], scratch[VirtioNetHeader.Size..read], maxSegment, out TcpSuperPacket superPacket);
        if (error != TcpSuperPacketError.None)
        {
            _counters.RxBadSuperPackets++;
            return false;
        }

        _pending = superPacket;
        _pendingNext = 0;
        _counters.RxSuperPackets++;
        return true;
    }

    // Cuts pending segments into buffers[delivered..], handing each to destination; returns the new delivered count.
    private int Segment(Span<PacketHandle> buffers, Span<PacketHandle> destination, int delivered)
    {
        if (_pendingNext >= _pending.SegmentCount)
        {
            return delivered;
        }

        int headroom = _rxCache.Pool.Headroom;
        ReadOnlySpan<byte> packet = _superPacket.AsSpan(VirtioNetHeader.Size, _pending.Length);
        while (delivered < buffers.Length && _pendingNext < _pending.SegmentCount)
        {
            PacketBuffer* b = buffers[delivered].Pointer;
            int length = _pending.WriteSegment(packet, _pendingNext++, new Span<byte>(b->BufferAddress + headroom, b->BufferLength - headroom));
            b->DataOffset = (ushort)headroom;
            b->DataLength = (ushort)length;
            b->Port = PortId;
            _counters.RxBytes += length;
            _counters.RxSegments++;
            destination[delivered] = buffers[delivered];
            delivered++;
        }

        return delivered;
    }

    /// <inheritdoc/>
    /// <remarks>A packet the device refuses with a hard error (e.g. EINVAL for a malformed packet) is dropped, counted and taken.</remarks>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        ObjectDisposedException.ThrowIf(_closed != 0, this);
        int done = 0;
        while (done < packets.Length)
        {
            PacketBuffer* b = packets[done].Pointer;
            int taken = 1;
            nint written;
            if (!_virtioHeaders)
            {
                written = Libc.Write(_fd, b->BufferAddress + b->DataOffset, b->DataLength);
            }
            else if (_coalescer is null)
            {
                written = WriteWithoutOffload(b);
            }
            else if (_coalescer.TryAdd(packets[done].Data))
            {
                while (done + taken < packets.Length && _coalescer.TryAdd(packets[done + taken].Data))
                {
                    taken++;
                }

                written = taken == 1 ? WriteWithoutOffload(b) : WriteSuperPacket(_coalescer.Build());
                _coalescer.Reset();
            }
            else
            {
                _coalescer.Reset();
                written = WriteWithoutOffload(b);
            }

            if (written < 0)
            {
                int errno = Libc.Errno;
                if (errno is Libc.EAGAIN or Libc.ENOBUFS or Libc.EINTR)
                {
                    _counters.TxWouldBlock++;
                    break;
                }

                _counters.TxErrors += taken;
                _counters.LastTxErrno = errno;
            }
            else
            {
                _counters.TxPackets += taken;
                for (int i = done; i < done + taken; i++)
                {
                    _counters.TxBytes += packets[i].Pointer->DataLength;
                }

                if (taken > 1)
                {
                    _counters.TxSuperPackets++;
                    _counters.TxCoalescedSegments += taken;
                }
            }

            done += taken;
        }

        _txCache.FreeBurst(packets[..done]);
        return done;
    }

    // One packet behind a virtio header that asks for nothing: writev, so the buffer is not touched.
    private nint WriteWithoutOffload(PacketBuffer* b)
    {
        Libc.IoVec* iov = (Libc.IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_txIov));
        iov[0].Base = Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_noOffloadHeader));
        iov[0].Length = VirtioNetHeader.Size;
        iov[1].Base = b->BufferAddress + b->DataOffset;
        iov[1].Length = b->DataLength;
        return Libc.Writev(_fd, iov, 2);
    }

    private nint WriteSuperPacket(ReadOnlySpan<byte> headerAndPacket)
    {
        fixed (byte* p = headerAndPacket)
        {
            return Libc.Write(_fd, p, (nuint)headerAndPacket.Length);
        }
    }

    // A received packet's virtio header: a checksum left to the reader is completed here (VIRTIO 1.2 §5.1.6.2: the
    // field holds the pseudo-header sum; the sum over csum_start..end goes there). A GSO packet comes only with TSO
    // (TUNSETOFFLOAD), and is segmented before it gets here: one here is refused.
    private static bool CompleteOffloads(ReadOnlySpan<byte> virtio, Span<byte> packet)
    {
        if (!VirtioNetHeader.TryRead(virtio, out VirtioNetHeader header) || header.GsoType != VirtioNetHeader.GsoNone)
        {
            return false;
        }

        if (!header.NeedsChecksum)
        {
            return true;
        }

        int start = header.ChecksumStart;
        int field = start + header.ChecksumOffset;
        if (field + 2 > packet.Length)
        {
            return false;
        }

        ushort checksum = InternetChecksum.Compute(packet[start..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[field..], checksum);
        return true;
    }

    /// <summary>Waits until a packet is readable or the timeout passes (poll(2)).</summary>
    /// <param name="timeoutMilliseconds">-1 waits indefinitely, 0 only checks.</param>
    public bool WaitReadable(int timeoutMilliseconds) => PendingSegments > 0 || KernelPort.PollReadable(_fd, -1, timeoutMilliseconds) != 0;

    /// <summary>Closes the device (a non-persistent TUN interface disappears) and returns cached buffers to the pool.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _ = Libc.Close(_fd);
            _ = Libc.Close(_controlSocket);
            _rxCache.Flush();
            _txCache.Flush();
        }
    }

    private Libc.IfReq NewRequest()
    {
        ObjectDisposedException.ThrowIf(_closed != 0, this);
        Libc.IfReq request = default;
        Encoding.ASCII.GetBytes(Name, new Span<byte>(request.Name, Libc.IFNAMSIZ));
        return request;
    }

    private void InterfaceIoctl(nuint command, ref Libc.IfReq request, string operation)
    {
        fixed (Libc.IfReq* r = &request)
        {
            if (Libc.Ioctl(_controlSocket, command, r) != 0)
            {
                int errno = Libc.Errno;
                throw new PortSetupException(operation, errno,
                    errno is Libc.EPERM or Libc.EACCES ? "Configuring an interface needs root or the CAP_NET_ADMIN capability." : null);
            }
        }
    }
}
