using System.Runtime.InteropServices;

namespace PptpGw.Dataplane.Ports;

/// <summary>
/// The few libc calls the kernel ports make, as blittable [LibraryImport]s (no marshalling on the
/// hot path: recvmmsg, sendmmsg, read, write, poll). Written by hand rather than taken from a
/// bindings package because the structs must be exactly these and the calls allocation-free.
/// Layouts are those of LP64 Linux (x86-64 and arm64 agree).
/// </summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc.so.6";

    internal const int AF_INET = 2;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int IPPROTO_GRE = 47;
    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUFFORCE = 32; // socket(7): as SO_SNDBUF, above net.core.wmem_max, with CAP_NET_ADMIN
    internal const int SO_RCVBUFFORCE = 33; // socket(7): as SO_RCVBUF, above net.core.rmem_max, with CAP_NET_ADMIN
    internal const int SO_MEMINFO = 55;     // <linux/sock_diag.h>: u32[SK_MEMINFO_VARS]
    internal const int SK_MEMINFO_VARS = 9;
    internal const int SK_MEMINFO_DROPS = 8; // sk->sk_drops: datagrams dropped on arrival (receive buffer full)

    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;

    internal const int O_RDONLY = 0;
    internal const int O_RDWR = 2;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    internal const short POLLIN = 0x1;

    internal const int CLONE_NEWNET = 0x40000000;

    // errno values (asm-generic).
    internal const int EPERM = 1;
    internal const int ENOENT = 2;
    internal const int EINTR = 4;
    internal const int ENXIO = 6;
    internal const int EAGAIN = 11;
    internal const int EACCES = 13;
    internal const int EBUSY = 16;
    internal const int ENODEV = 19;
    internal const int EINVAL = 22;
    internal const int ENOBUFS = 105;
    internal const int EADDRNOTAVAIL = 99;

    // <linux/if_tun.h>: TUNSETIFF = _IOW('T', 202, int).
    internal const nuint TUNSETIFF = 0x400454CA;
    internal const short IFF_TUN = 0x0001;
    internal const short IFF_NO_PI = 0x1000;
    internal const short IFF_VNET_HDR = 0x4000;
    internal const short IFF_MULTI_QUEUE = 0x0100;

    // <linux/if_tun.h>: TUNSETOFFLOAD = _IOW('T', 208, unsigned int); its argument is the flags value itself.
    internal const nuint TUNSETOFFLOAD = 0x400454D0;
    internal const uint TUN_F_CSUM = 0x01;
    internal const uint TUN_F_TSO4 = 0x02;
    internal const uint TUN_F_TSO_ECN = 0x08;

    // <linux/sockios.h>, <net/if.h>.
    internal const nuint SIOCGIFFLAGS = 0x8913;
    internal const nuint SIOCSIFFLAGS = 0x8914;
    internal const nuint SIOCSIFADDR = 0x8916;
    internal const nuint SIOCSIFNETMASK = 0x891C;
    internal const nuint SIOCSIFMTU = 0x8922;
    internal const nuint SIOCSIFTXQLEN = 0x8943;
    internal const short IFF_UP = 0x1;
    internal const short IFF_NOARP = 0x80;

    internal const int IFNAMSIZ = 16;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrIn
    {
        public ushort Family;
        public ushort PortBigEndian;
        public uint AddressBigEndian; // network byte order, as the kernel stores it
        public ulong Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short ReturnedEvents;
    }

    /// <summary>struct ifreq: a 16-byte name and a 24-byte union (sockaddr, flags, mtu, ...).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 40)]
    internal struct IfReq
    {
        [FieldOffset(0)] public fixed byte Name[IFNAMSIZ];
        [FieldOffset(16)] public SockAddrIn Address;
        [FieldOffset(16)] public short Flags;
        [FieldOffset(16)] public int Value; // ifr_mtu, ifr_ifindex
    }

    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, SockAddrIn* address, uint addressLength);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, uint valueLength);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, void* value, uint* valueLength);

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "readv", SetLastError = true)]
    internal static partial nint Readv(int fd, IoVec* iov, int count);

    [LibraryImport(Library, EntryPoint = "writev", SetLastError = true)]
    internal static partial nint Writev(int fd, IoVec* iov, int count);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    // ioctl is variadic in C; on LP64 Linux passing the pointer as a fixed third argument is the same call.
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int namespaceType);

    /// <summary>errno of the last call above on this thread.</summary>
    internal static int Errno => Marshal.GetLastPInvokeError();

    /// <summary>The symbolic name of an errno value, for messages.</summary>
    internal static string ErrnoName(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EINTR => "EINTR",
        ENXIO => "ENXIO",
        EAGAIN => "EAGAIN",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENOBUFS => "ENOBUFS",
        _ => "errno " + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
