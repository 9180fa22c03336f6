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
/// instead of once per segment — the kernel's per-packet receive path is most of what a TUN write costs. No
/// TUNSETOFFLOAD is set, so the device offers no offloads and the kernel hands the port complete, checksummed packets
/// (a header asking for a checksum is honoured all the same; a GSO packet, which it cannot send, is dropped).</para>
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
    /// <exception cref="PortSetupException">ENOENT when /dev/net/tun is missing, EPERM without root/CAP_NET_ADMIN, EBUSY when the name is taken by another device.</exception>
    public TunDevice(PacketPool pool, string name = "pgw%d", ushort portId = 1, int txQueueLength = DefaultTxQueueLength, bool coalesceTcp = false)
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
            request.Flags = (short)(Libc.IFF_TUN | Libc.IFF_NO_PI | (coalesceTcp ? Libc.IFF_VNET_HDR : 0));
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
        if (coalesceTcp)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(pool.Headroom, VirtioNetHeader.Size, nameof(pool));
            _coalescer = new TcpCoalescer();
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
        int prefix = _coalescer is null ? 0 : VirtioNetHeader.Size;
        int delivered = 0;
        while (delivered < armed)
        {
            PacketBuffer* b = buffers[delivered].Pointer;
            byte* data = b->BufferAddress + headroom;
            nint read = Libc.Read(_fd, data - prefix, (nuint)(b->BufferLength - headroom + prefix));
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
            if (_coalescer is null)
            {
                written = Libc.Write(_fd, b->BufferAddress + b->DataOffset, b->DataLength);
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
    // field holds the pseudo-header sum; the sum over csum_start..end goes there). GSO cannot come (no TUNSETOFFLOAD):
    // such a packet is refused.
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
    public bool WaitReadable(int timeoutMilliseconds) => KernelPort.PollReadable(_fd, -1, timeoutMilliseconds) != 0;

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
