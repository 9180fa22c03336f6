using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PptpGw.Dataplane.Buffers;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The kernel backend of the outside port: a raw IPv4 socket for IP protocol 47 (GRE), bound to the
/// gateway's outside address, read and written a burst per system call with recvmmsg/sendmmsg.
/// </summary>
/// <remarks>
/// <para>Receive: the kernel delivers each datagram with its IPv4 header (raw(7)); the port records
/// the source address in <see cref="PacketBuffer.PeerAddress"/> and strips the header, so a
/// received packet starts at the GRE header, just as a DPDK port will deliver it.</para>
/// <para>Transmit: a packet starts at its GRE header and is sent to its
/// <see cref="PacketBuffer.PeerAddress"/>. IP_HDRINCL is not set: the kernel builds the IPv4
/// header (source = the bound address, protocol 47, identification, checksum, fragmentation and
/// PMTU) from the routing table, which is what the embedded default wants and keeps the port free
/// of IPv4 header logic. The DPDK port builds its own headers instead.</para>
/// <para>The socket is non-blocking; idle workers wait with <see cref="WaitReadable"/>.</para>
/// <para>Buffers: a datagram that arrives while the receive buffer is full is dropped by the kernel, never seen by
/// the port (counted in sk_drops: the last column of /proc/net/raw, <see cref="KernelReceiveDrops"/>). The kernel's
/// default (net.core.rmem_default, 208 KiB) holds ~90 full-size packets — 3 ms at 30,000 packets/s — so a worker
/// descheduled for a few ms on a busy host loses packets, which a TCP flow through the tunnel sees as loss
/// (issue 12 measured 8-15 % of the packets of one iperf3 stream). The port therefore asks for
/// <see cref="DefaultSocketBufferBytes"/> with SO_RCVBUFFORCE (socket(7): above rmem_max, needs CAP_NET_ADMIN,
/// which a process that may open raw sockets and TUN devices has), and falls back to SO_RCVBUF (capped by rmem_max).</para>
/// </remarks>
public sealed unsafe class RawGreSocket : IPacketPort, IDisposable
{
    private const int SockAddrInSize = 16;

    /// <summary>
    /// The receive and send buffer a raw GRE socket asks for by default: 4 MiB, ~1,800 full-size packets (the kernel
    /// charges an skb's truesize, ~2.3 KiB for a 1.5 KB datagram), 60 ms at 30,000 packets/s.
    /// </summary>
    public const int DefaultSocketBufferBytes = 4 << 20;

    private readonly PacketCache _rxCache;
    private readonly PacketCache _txCache;
    private readonly int _fd;
    private int _closed;

    // Scratch for one burst in each direction, pinned once so the hot path does not pin or allocate.
    private readonly Libc.MMsgHdr[] _rxMessages = GC.AllocateArray<Libc.MMsgHdr>(PacketBurst.Size, pinned: true);
    private readonly Libc.IoVec[] _rxIov = GC.AllocateArray<Libc.IoVec>(PacketBurst.Size, pinned: true);
    private readonly Libc.SockAddrIn[] _rxAddresses = GC.AllocateArray<Libc.SockAddrIn>(PacketBurst.Size, pinned: true);
    private readonly Libc.MMsgHdr[] _txMessages = GC.AllocateArray<Libc.MMsgHdr>(PacketBurst.Size, pinned: true);
    private readonly Libc.IoVec[] _txIov = GC.AllocateArray<Libc.IoVec>(PacketBurst.Size, pinned: true);
    private readonly Libc.SockAddrIn[] _txAddresses = GC.AllocateArray<Libc.SockAddrIn>(PacketBurst.Size, pinned: true);

    private PortCounters _counters;

    /// <summary>Opens the socket in the calling thread's network namespace and binds it.</summary>
    /// <param name="pool">Where received packets are allocated and sent packets freed (the port keeps a cache per direction).</param>
    /// <param name="localAddress">The outside IPv4 address (configured on an interface of this namespace).</param>
    /// <param name="portId">Stamped on received packets (<see cref="PacketBuffer.Port"/>).</param>
    /// <param name="socketBufferBytes">Receive and send buffer to request (SO_RCVBUFFORCE/SO_SNDBUFFORCE, else SO_RCVBUF/SO_SNDBUF capped by net.core.rmem_max/wmem_max), or 0 for the kernel default.</param>
    /// <exception cref="PortSetupException">socket or bind failed (EPERM without root/CAP_NET_RAW, EADDRNOTAVAIL for an address not on this host).</exception>
    public RawGreSocket(PacketPool pool, IPAddress localAddress, ushort portId = 0, int socketBufferBytes = DefaultSocketBufferBytes)
    {
        ArgumentNullException.ThrowIfNull(pool);
        uint local = AddressConversion.ToHostOrder(localAddress);
        ArgumentOutOfRangeException.ThrowIfNegative(socketBufferBytes);

        int fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_GRE);
        if (fd < 0)
        {
            int errno = Libc.Errno;
            throw new PortSetupException("socket(AF_INET, SOCK_RAW, IPPROTO_GRE)", errno,
                errno is Libc.EPERM or Libc.EACCES ? "Raw sockets need root or the CAP_NET_RAW capability." : null);
        }

        try
        {
            if (socketBufferBytes > 0)
            {
                // SO_RCVBUFFORCE/SO_SNDBUFFORCE pass net.core.rmem_max/wmem_max with CAP_NET_ADMIN (which the gateway
                // has); without it, the capped request. A receive queue of the default size overflows in a burst of
                // set-ups while the worker is descheduled: each lost PPP frame costs a 3 s restart (issue 11).
                SetBuffer(fd, Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF, socketBufferBytes, "SO_RCVBUF");
                SetBuffer(fd, Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF, socketBufferBytes, "SO_SNDBUF");
            }

            var address = new Libc.SockAddrIn { Family = Libc.AF_INET, AddressBigEndian = AddressConversion.ToNetworkOrder(local) };
            if (Libc.Bind(fd, &address, SockAddrInSize) != 0)
            {
                int errno = Libc.Errno;
                throw new PortSetupException($"bind(raw GRE socket, {localAddress})", errno,
                    errno == Libc.EADDRNOTAVAIL ? $"{localAddress} is not configured on an interface in this network namespace." : null);
            }
        }
        catch
        {
            _ = Libc.Close(fd);
            throw;
        }

        _fd = fd;
        LocalAddress = local;
        PortId = portId;
        _rxCache = pool.CreateCache();
        _txCache = pool.CreateCache();
        InitialiseMessages();
    }

    /// <summary>The bound address, host order.</summary>
    public uint LocalAddress { get; }

    /// <summary>Stamped on received packets.</summary>
    public ushort PortId { get; }

    /// <summary>The socket's file descriptor (for a worker's own poll set).</summary>
    public int FileDescriptor => _fd;

    /// <summary>A snapshot of the counters.</summary>
    public PortCounters Counters => _counters;

    /// <summary>
    /// Datagrams the kernel dropped before the port could read them (receive buffer full: sk_drops, the drops column
    /// of /proc/net/raw), read with getsockopt(SO_MEMINFO); one system call, so for operators and benchmarks, not per
    /// burst. -1 when the socket is closed or the kernel does not answer.
    /// </summary>
    public long KernelReceiveDrops
    {
        get
        {
            if (_closed != 0)
                return -1;
            uint* info = stackalloc uint[Libc.SK_MEMINFO_VARS];
            uint length = Libc.SK_MEMINFO_VARS * sizeof(uint);
            return Libc.GetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_MEMINFO, info, &length) == 0 && length > Libc.SK_MEMINFO_DROPS * sizeof(uint)
                ? info[Libc.SK_MEMINFO_DROPS]
                : -1;
        }
    }

    /// <summary>The receive buffer the kernel granted (SO_RCVBUF reads back twice the request: socket(7)).</summary>
    public int ReceiveBufferBytes
    {
        get
        {
            int value = 0;
            uint length = sizeof(int);
            return Libc.GetSockOpt(_fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &value, &length) == 0 ? value : -1;
        }
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
        Libc.MMsgHdr* messages = Pin(_rxMessages);
        Libc.IoVec* iov = Pin(_rxIov);
        for (int i = 0; i < armed; i++)
        {
            PacketBuffer* b = buffers[i].Pointer;
            iov[i].Base = b->BufferAddress + headroom;
            iov[i].Length = (nuint)(b->BufferLength - headroom);
            messages[i].Header.NameLength = SockAddrInSize;
            messages[i].Header.Flags = 0;
            messages[i].Length = 0;
        }

        int received = Libc.RecvMMsg(_fd, messages, (uint)armed, Libc.MSG_DONTWAIT, null);
        if (received <= 0)
        {
            CountReceiveFailure(received);
            _rxCache.FreeBurst(buffers[..armed]);
            return 0;
        }

        Libc.SockAddrIn* addresses = Pin(_rxAddresses);
        int delivered = 0;
        int dropped = 0;
        Span<PacketHandle> drops = stackalloc PacketHandle[PacketBurst.Size];
        for (int i = 0; i < received; i++)
        {
            PacketHandle packet = buffers[i];
            PacketBuffer* b = packet.Pointer;
            int length = (int)messages[i].Length;
            byte* ip = b->BufferAddress + headroom;

            // Peer input: never trust the header length. The kernel has validated the IPv4 header
            // of what it delivers, but a truncated datagram (MSG_TRUNC) or an odd IHL is dropped.
            int headerLength = length > 0 ? (ip[0] & 0x0F) * 4 : 0;
            if ((messages[i].Header.Flags & Libc.MSG_TRUNC) != 0 || length < 20 || (ip[0] >> 4) != 4
                || headerLength < 20 || headerLength > length)
            {
                drops[dropped++] = packet;
                continue;
            }

            b->DataOffset = (ushort)(headroom + headerLength);
            b->DataLength = (ushort)(length - headerLength);
            b->PeerAddress = AddressConversion.FromNetworkOrder(addresses[i].AddressBigEndian);
            b->Port = PortId;
            _counters.RxBytes += length - headerLength;
            destination[delivered++] = packet;
        }

        if (dropped > 0)
        {
            _counters.RxDropped += dropped;
            _rxCache.FreeBurst(drops[..dropped]);
        }

        if (received < armed)
        {
            _rxCache.FreeBurst(buffers[received..armed]);
        }

        _counters.RxPackets += delivered;
        return delivered;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Packets the kernel refuses with a hard error (EMSGSIZE, ENETUNREACH, EHOSTUNREACH, ...) are
    /// dropped, counted in <see cref="PortCounters.TxErrors"/> and count as taken, so one bad
    /// packet cannot wedge the queue; EAGAIN/ENOBUFS stop the burst with the rest left to the caller.
    /// </remarks>
    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        ObjectDisposedException.ThrowIf(_closed != 0, this);
        int taken = 0;
        while (taken < packets.Length)
        {
            ReadOnlySpan<PacketHandle> chunk = packets.Slice(taken, Math.Min(PacketBurst.Size, packets.Length - taken));
            int consumed = TransmitChunk(chunk, out bool blocked);
            _txCache.FreeBurst(chunk[..consumed]);
            taken += consumed;
            if (blocked)
            {
                break;
            }
        }

        return taken;
    }

    private int TransmitChunk(ReadOnlySpan<PacketHandle> chunk, out bool blocked)
    {
        Libc.MMsgHdr* messages = Pin(_txMessages);
        Libc.IoVec* iov = Pin(_txIov);
        Libc.SockAddrIn* addresses = Pin(_txAddresses);
        for (int i = 0; i < chunk.Length; i++)
        {
            PacketBuffer* b = chunk[i].Pointer;
            iov[i].Base = b->BufferAddress + b->DataOffset;
            iov[i].Length = b->DataLength;
            addresses[i].AddressBigEndian = AddressConversion.ToNetworkOrder(b->PeerAddress);
        }

        blocked = false;
        int done = 0;
        while (done < chunk.Length)
        {
            int sent = Libc.SendMMsg(_fd, messages + done, (uint)(chunk.Length - done), Libc.MSG_DONTWAIT);
            if (sent > 0)
            {
                for (int i = done; i < done + sent; i++)
                {
                    _counters.TxBytes += chunk[i].Length;
                }

                _counters.TxPackets += sent;
                done += sent;
                continue; // a short count means message 'done' failed: the next call reports why
            }

            int errno = Libc.Errno;
            if (errno is Libc.EAGAIN or Libc.ENOBUFS or Libc.EINTR)
            {
                _counters.TxWouldBlock++;
                blocked = true;
                break;
            }

            _counters.TxErrors++;
            _counters.LastTxErrno = errno;
            done++; // drop the packet the kernel refused
        }

        return done;
    }

    /// <summary>Waits until a datagram is readable or the timeout passes (poll(2)); for idle workers.</summary>
    /// <param name="timeoutMilliseconds">-1 waits indefinitely, 0 only checks.</param>
    /// <returns>True when readable.</returns>
    public bool WaitReadable(int timeoutMilliseconds) => KernelPort.PollReadable(_fd, -1, timeoutMilliseconds) != 0;

    /// <summary>Closes the socket and returns the cached buffers to the pool. Call after the workers have stopped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _ = Libc.Close(_fd);
            _rxCache.Flush();
            _txCache.Flush();
        }
    }

    private void CountReceiveFailure(int result)
    {
        int errno = result < 0 ? Libc.Errno : Libc.EAGAIN;
        if (errno is Libc.EAGAIN or Libc.EINTR)
        {
            _counters.RxWouldBlock++;
        }
        else
        {
            _counters.RxErrors++;
            _counters.LastRxErrno = errno;
        }
    }

    private void InitialiseMessages()
    {
        Libc.MMsgHdr* rx = Pin(_rxMessages);
        Libc.MMsgHdr* tx = Pin(_txMessages);
        Libc.IoVec* rxIov = Pin(_rxIov);
        Libc.IoVec* txIov = Pin(_txIov);
        Libc.SockAddrIn* rxAddresses = Pin(_rxAddresses);
        Libc.SockAddrIn* txAddresses = Pin(_txAddresses);
        for (int i = 0; i < PacketBurst.Size; i++)
        {
            rx[i].Header.Name = rxAddresses + i;
            rx[i].Header.NameLength = SockAddrInSize;
            rx[i].Header.Iov = rxIov + i;
            rx[i].Header.IovLength = 1;
            tx[i].Header.Name = txAddresses + i;
            tx[i].Header.NameLength = SockAddrInSize;
            tx[i].Header.Iov = txIov + i;
            tx[i].Header.IovLength = 1;
            txAddresses[i].Family = Libc.AF_INET;
        }
    }

    // SO_*BUFFORCE first (past rmem_max/wmem_max); without CAP_NET_ADMIN (EPERM) the capped option.
    private static void SetBuffer(int fd, int forced, int capped, int value, string name)
    {
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, forced, &value, sizeof(int)) == 0)
            return;
        SetOption(fd, capped, value, name);
    }

    private static void SetOption(int fd, int option, int value, string name)
    {
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, option, &value, sizeof(int)) != 0)
        {
            throw new PortSetupException($"setsockopt(SOL_SOCKET, {name}, {value})", Libc.Errno, null);
        }
    }

    // The arrays live on the pinned object heap: taking their address needs no fixed block.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Pin<T>(T[] pinnedArray)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));
}
