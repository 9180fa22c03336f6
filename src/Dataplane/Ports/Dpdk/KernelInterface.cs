using System.Net;
using System.Text;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>Gives a kernel interface (the exception path's TAP device) an IPv4 address and brings it up, by name (ioctl on a datagram socket).</summary>
internal static unsafe class KernelInterface
{
    /// <summary>SIOCSIFADDR, SIOCSIFNETMASK, then IFF_UP.</summary>
    /// <exception cref="PortSetupException">An ioctl failed.</exception>
    public static void Configure(string name, IPAddress address, int prefixLength)
    {
        int fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw new PortSetupException("socket(AF_INET, SOCK_DGRAM)", Libc.Errno, null);
        try
        {
            uint mask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
            Libc.IfReq r = Request(name);
            r.Address = new Libc.SockAddrIn { Family = Libc.AF_INET, AddressBigEndian = AddressConversion.ToNetworkOrder(AddressConversion.ToHostOrder(address)) };
            Ioctl(fd, Libc.SIOCSIFADDR, ref r, $"ioctl(SIOCSIFADDR, {name}, {address})");
            r = Request(name);
            r.Address = new Libc.SockAddrIn { Family = Libc.AF_INET, AddressBigEndian = AddressConversion.ToNetworkOrder(mask) };
            Ioctl(fd, Libc.SIOCSIFNETMASK, ref r, $"ioctl(SIOCSIFNETMASK, {name}, /{prefixLength})");
            r = Request(name);
            Ioctl(fd, Libc.SIOCGIFFLAGS, ref r, $"ioctl(SIOCGIFFLAGS, {name})");
            r.Flags = (short)(r.Flags | Libc.IFF_UP);
            Ioctl(fd, Libc.SIOCSIFFLAGS, ref r, $"ioctl(SIOCSIFFLAGS, {name})");
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    private static Libc.IfReq Request(string name)
    {
        Libc.IfReq r = default;
        Encoding.ASCII.GetBytes(name, new Span<byte>(r.Name, Libc.IFNAMSIZ - 1));
        return r;
    }

    private static void Ioctl(int fd, nuint command, ref Libc.IfReq request, string operation)
    {
        fixed (Libc.IfReq* r = &request)
        {
            if (Libc.Ioctl(fd, command, r) != 0)
            {
                int errno = Libc.Errno;
                throw new PortSetupException(operation, errno,
                    errno is Libc.EPERM or Libc.EACCES ? "Configuring an interface needs root or the CAP_NET_ADMIN capability." : null);
            }
        }
    }
}
