using System.Net;
using System.Text;

namespace PptpGw.Dataplane.Ports.Dpdk;

/// <summary>Gives a kernel interface (the exception path's TAP device) an IPv4 address and brings it up, by name (ioctl on a datagram socket).</summary>
internal static unsafe class KernelInterface
{
    /// <summary>SIOCSIFADDR, SIOCSIFNETMASK, then IFF_UP (and IFF_NOARP when <paramref name="noArp"/>: the kernel then addresses every frame to the interface's own MAC and answers no ARP).</summary>
    /// <exception cref="PortSetupException">An ioctl failed.</exception>
    public static void Configure(string name, IPAddress address, int prefixLength, bool noArp = false)
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
            r.Flags = (short)(r.Flags | Libc.IFF_UP | (noArp ? Libc.IFF_NOARP : 0));
            Ioctl(fd, Libc.SIOCSIFFLAGS, ref r, $"ioctl(SIOCSIFFLAGS, {name})");
        }
        finally
        {
            _ = Libc.Close(fd);
        }

        if (noArp)
        {
            // The dataplane carries IPv4 only: the kernel's IPv6 (router solicitations) would only be dropped there.
            try
            {
                File.WriteAllText($"/proc/sys/net/ipv6/conf/{name}/disable_ipv6", "1");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // No IPv6 in this kernel or namespace: nothing to turn off.
            }
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
