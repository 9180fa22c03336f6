using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PptpGw.Dataplane.Buffers;
using PptpGw.Dataplane.Ports;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Load;

/// <summary>
/// The outside port of the load tool's dataplane (<see cref="DataplaneRole.Client"/>): one raw IPv4 socket for
/// protocol 47 with IP_HDRINCL for every PAC, read and written a burst per system call (recvmmsg/sendmmsg). Packets
/// keep their IPv4 header both ways (<see cref="OutsideFraming.Ipv4"/>): the worker reads the destination (which PAC)
/// on receive and writes each PAC's own source address on transmit; everything goes to the one server.
/// </summary>
/// <remarks>
/// Written here rather than as a mode of <see cref="RawGreSocket"/> because that one is bound to one address and lets the
/// kernel build the header (the gateway's case); this one is unbound and builds nothing (the worker does).
/// </remarks>
internal sealed unsafe class ClientGrePort : IPacketPort, IDisposable
{
    private const int SockAddrInSize = 16;
    private const int IpProtoIp = 0, IpHdrIncl = 3, SoRcvBufForce = 33, SoSndBufForce = 32;

    private readonly PacketCache _rxCache;
    private readonly PacketCache _txCache;
    private readonly int _fd;
    private readonly uint _serverBigEndian;
    private int _closed;

    private readonly Libc.MMsgHdr[] _rxMessages = GC.AllocateArray<Libc.MMsgHdr>(PacketBurst.Size, pinned: true);
    private readonly Libc.IoVec[] _rxIov = GC.AllocateArray<Libc.IoVec>(PacketBurst.Size, pinned: true);
    private readonly Libc.MMsgHdr[] _txMessages = GC.AllocateArray<Libc.MMsgHdr>(PacketBurst.Size, pinned: true);
    private readonly Libc.IoVec[] _txIov = GC.AllocateArray<Libc.IoVec>(PacketBurst.Size, pinned: true);
    private readonly Libc.SockAddrIn[] _txAddress = GC.AllocateArray<Libc.SockAddrIn>(1, pinned: true);
    private readonly PacketHandle[] _armed = new PacketHandle[PacketBurst.Size];

    private long _rxPackets, _txPackets, _rxErrors, _txErrors, _txWouldBlock, _rxNoBuffers;

    /// <param name="pool">Where received packets come from and sent ones go back.</param>
    /// <param name="serverAddress">The gateway (host order): the destination of everything sent.</param>
    /// <param name="socketBufferBytes">SO_RCVBUF/SO_SNDBUF (forced past rmem_max/wmem_max when we may: the tool runs as root in its namespace).</param>
    /// <exception cref="PortSetupException">No raw socket (root or CAP_NET_RAW is needed).</exception>
    public ClientGrePort(PacketPool pool, uint serverAddress, int socketBufferBytes = 16 << 20)
    {
        ArgumentNullException.ThrowIfNull(pool);
        int fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_RAW | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, Libc.IPPROTO_GRE);
        if (fd < 0)
            throw new PortSetupException("socket(AF_INET, SOCK_RAW, IPPROTO_GRE)", Libc.Errno, "Raw sockets need root or the CAP_NET_RAW capability.");
        int one = 1;
        if (Libc.SetSockOpt(fd, IpProtoIp, IpHdrIncl, &one, sizeof(int)) != 0)
        {
            int errno = Libc.Errno;
            _ = Libc.Close(fd);
            throw new PortSetupException("setsockopt(IP_HDRINCL)", errno, null);
        }
        int size = socketBufferBytes;
        // A burst of set-ups must not overflow the receive queue (a lost LCP frame costs a 3 s restart timer).
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, SoRcvBufForce, &size, sizeof(int)) != 0)
            _ = Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, &size, sizeof(int));
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, SoSndBufForce, &size, sizeof(int)) != 0)
            _ = Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, &size, sizeof(int));
        _fd = fd;
        _serverBigEndian = AddressConversion.ToNetworkOrder(serverAddress);
        _rxCache = pool.CreateCache();
        _txCache = pool.CreateCache();
        Libc.SockAddrIn* to = Pin(_txAddress);
        to->Family = Libc.AF_INET;
        to->AddressBigEndian = _serverBigEndian;
        Libc.MMsgHdr* rx = Pin(_rxMessages), tx = Pin(_txMessages);
        Libc.IoVec* rxIov = Pin(_rxIov), txIov = Pin(_txIov);
        for (int i = 0; i < PacketBurst.Size; i++)
        {
            rx[i].Header.Iov = rxIov + i;
            rx[i].Header.IovLength = 1;
            tx[i].Header.Name = to;
            tx[i].Header.NameLength = SockAddrInSize;
            tx[i].Header.Iov = txIov + i;
            tx[i].Header.IovLength = 1;
        }
    }

    /// <summary>Packets received / sent; receive and send errors; sends the kernel pushed back (EAGAIN/ENOBUFS); bursts with no buffer to receive into.</summary>
    public (long Received, long Sent, long ReceiveErrors, long SendErrors, long SendWouldBlock, long NoBuffers) Counters =>
        (Volatile.Read(ref _rxPackets), Volatile.Read(ref _txPackets), Volatile.Read(ref _rxErrors), Volatile.Read(ref _txErrors),
            Volatile.Read(ref _txWouldBlock), Volatile.Read(ref _rxNoBuffers));

    /// <summary>For the worker's idle wait.</summary>
    public bool WaitReadable(int timeoutMilliseconds) => KernelPort.PollReadable(_fd, -1, timeoutMilliseconds) != 0;

    public int ReceiveBurst(Span<PacketHandle> destination)
    {
        int want = Math.Min(destination.Length, PacketBurst.Size);
        if (want == 0 || Volatile.Read(ref _closed) != 0)
            return 0;
        Span<PacketHandle> buffers = _armed.AsSpan(0, want);
        int armed = _rxCache.AllocateBurst(buffers);
        if (armed == 0)
        {
            _rxNoBuffers++;
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
            messages[i].Header.Flags = 0;
            messages[i].Length = 0;
        }
        int received = Libc.RecvMMsg(_fd, messages, (uint)armed, Libc.MSG_DONTWAIT, null);
        if (received <= 0)
        {
            if (received < 0 && Libc.Errno is not (Libc.EAGAIN or Libc.EINTR))
                _rxErrors++;
            _rxCache.FreeBurst(buffers[..armed]);
            return 0;
        }
        int delivered = 0;
        for (int i = 0; i < received; i++)
        {
            PacketBuffer* b = buffers[i].Pointer;
            if ((messages[i].Header.Flags & Libc.MSG_TRUNC) != 0 || messages[i].Length < 20)
            {
                _rxErrors++;
                _rxCache.Free(buffers[i]);
                continue;
            }
            b->DataOffset = (ushort)headroom;
            b->DataLength = (ushort)messages[i].Length; // with its IPv4 header: the worker classifies it
            destination[delivered++] = buffers[i];
        }
        if (received < armed)
            _rxCache.FreeBurst(buffers[received..armed]);
        _rxPackets += delivered;
        return delivered;
    }

    public int TransmitBurst(ReadOnlySpan<PacketHandle> packets)
    {
        if (Volatile.Read(ref _closed) != 0)
            return 0;
        int taken = 0;
        Libc.MMsgHdr* messages = Pin(_txMessages);
        Libc.IoVec* iov = Pin(_txIov);
        while (taken < packets.Length)
        {
            ReadOnlySpan<PacketHandle> chunk = packets.Slice(taken, Math.Min(PacketBurst.Size, packets.Length - taken));
            for (int i = 0; i < chunk.Length; i++)
            {
                PacketBuffer* b = chunk[i].Pointer;
                iov[i].Base = b->BufferAddress + b->DataOffset;
                iov[i].Length = b->DataLength;
            }
            int done = 0;
            bool blocked = false;
            while (done < chunk.Length)
            {
                int sent = Libc.SendMMsg(_fd, messages + done, (uint)(chunk.Length - done), Libc.MSG_DONTWAIT);
                if (sent > 0)
                {
                    done += sent;
                    _txPackets += sent;
                    continue;
                }
                int errno = Libc.Errno;
                if (errno is Libc.EAGAIN or Libc.ENOBUFS or Libc.EINTR)
                {
                    _txWouldBlock++;
                    blocked = true;
                    break;
                }
                _txErrors++;
                done++; // a hard error drops that packet (counted), as on a wire
            }
            _txCache.FreeBurst(chunk[..done]);
            taken += done;
            if (blocked)
                break;
        }
        return taken;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _ = Libc.Close(_fd);
            _rxCache.Flush();
            _txCache.Flush();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T* Pin<T>(T[] pinnedArray)
        where T : unmanaged => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinnedArray));
}
